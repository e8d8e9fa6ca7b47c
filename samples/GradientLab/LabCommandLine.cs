using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace NetGen.GradientLab;

/// <summary>Reads the lab's command line with Spectre.Console.Cli: typed options, <c>--help</c>, one-line errors.</summary>
public static class LabCommandLine
{
    /// <summary>How the help's usage line names the program.</summary>
    public const string ApplicationName = "dotnet run --project samples/GradientLab --";

    /// <summary>
    /// Reads <paramref name="args"/>. Returns the options, or <c>null</c> when <c>--help</c> was given (the help is then
    /// written to <paramref name="console"/>). Throws <see cref="UsageException"/> with a one-line message for anything
    /// the lab cannot run.
    /// </summary>
    /// <param name="args">The arguments, as <c>Main</c> receives them.</param>
    /// <param name="console">Where the help goes.</param>
    public static LabOptions? Parse(IReadOnlyList<string> args, IAnsiConsole console)
    {
        RejectMissingValues(args);
        var reader = new OptionsReader();
        var app = new CommandApp<ReadOptionsCommand>();
        app.WithData(reader).WithDescription("Trains variants of one deep network, declared with NetGen attributes, on a built-in spiral data set " +
                "(and the seed's DeepNet on a built-in regression task), measures their gradients with NetGen's gradient monitor, " +
                "and writes a report folder with plots, a table and report.html.");
        app.Configure(config =>
        {
            config.SetApplicationName(ApplicationName);
            config.ConfigureConsole(console);
            config.SetHelpProvider(new LabHelp(config.Settings));
            config.UseStrictParsing();
            // Errors come back as exceptions, so the lab prints them as one line instead of Spectre's multi-line panel.
            config.PropagateExceptions();
        });

        try
        {
            app.Run(args, CancellationToken.None);
        }
        catch (CommandAppException e)
        {
            throw new UsageException(OneLine(e, args));
        }

        return reader.Options;
    }

    /// <summary>
    /// An option that needs a value but is last, or followed by another option: Spectre 0.57 fills such an option with
    /// its internal default-command name instead of reporting it, so the lab checks this itself.
    /// </summary>
    private static void RejectMissingValues(IReadOnlyList<string> args)
    {
        var valueOptions = typeof(LabSettings).GetProperties()
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
            .OfType<CommandOptionAttribute>()
            .Where(o => o.ValueName is not null)
            .SelectMany(o => o.LongNames.Select(n => "--" + n).Concat(o.ShortNames.Select(n => "-" + n)))
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (valueOptions.Contains(args[i]) &&
                (i + 1 == args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal) || valueOptions.Contains(args[i + 1]) || args[i + 1] == "-h"))
            {
                throw new UsageException($"{args[i]} needs a value (see --help)");
            }
        }
    }

    /// <summary>Spectre's message as one line; a number that does not parse is named with its option.</summary>
    private static string OneLine(CommandAppException e, IReadOnlyList<string> args)
    {
        if (e.InnerException is NotAWholeNumberException number)
        {
            return $"{OptionGiven(args, number.Text) ?? "an option"} must be a whole number, got '{number.Text}'";
        }

        var message = string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
        if (UnknownName.Match(message) is { Success: true } unknown)
        {
            // Spectre names an unknown option without its dashes, and calls a stray word an unknown command.
            var name = unknown.Groups["name"].Value;
            message = unknown.Groups["kind"].Value == "option"
                ? $"unknown option '{args.FirstOrDefault(a => a.TrimStart('-').Split('=')[0] == name)?.Split('=')[0] ?? name}'"
                : $"unexpected argument '{name}' (the lab takes options only, which start with --";
            return message + (message.EndsWith("--", StringComparison.Ordinal) ? "; see --help)" : " (see --help)");
        }

        message = message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : "the command line cannot be read";
        return message.Contains("--help", StringComparison.Ordinal) ? message : message + " (see --help)";
    }

    private static readonly Regex UnknownName = new("^Unknown (?<kind>option|command) '(?<name>[^']*)'$", RegexOptions.CultureInvariant);

    /// <summary>The option <paramref name="value"/> was given to, as <c>--epochs ten</c> or <c>--epochs=ten</c>.</summary>
    private static string? OptionGiven(IReadOnlyList<string> args, string value)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == value && i > 0 && args[i - 1].StartsWith('-'))
            {
                return args[i - 1];
            }

            if (args[i].StartsWith('-') && args[i].EndsWith("=" + value, StringComparison.Ordinal))
            {
                return args[i][..args[i].IndexOf('=', StringComparison.Ordinal)];
            }
        }

        return null;
    }

    /// <summary>Receives the validated settings of the one command the lab has.</summary>
    private sealed class OptionsReader
    {
        public LabOptions? Options { get; set; }
    }

    /// <summary>The lab's only command: it hands the validated settings back to <see cref="Parse"/>, which runs the lab.</summary>
    private sealed class ReadOptionsCommand : Command<LabSettings>
    {
        public override int Execute(CommandContext context, LabSettings settings, CancellationToken cancellationToken)
        {
            ((OptionsReader)context.Data!).Options = settings.ToOptions();
            return 0;
        }
    }

    /// <summary>Spectre's help, followed by the variant ids and the exit codes.</summary>
    private sealed class LabHelp(ICommandAppSettings settings) : HelpProvider(settings)
    {
        public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command) =>
        [
            .. base.GetFooter(model, command),
            new Rows(
                Text.Empty,
                new Markup("[yellow]VARIANTS:[/]"),
                new Padder(new Text(string.Join(", ", LabVariant.All.Select(v => v.Id))), new Padding(4, 0, 0, 1)),
                new Markup("[yellow]EXIT CODES:[/]"),
                new Padder(new Text("0 done, 2 bad arguments (nothing written), 1 unexpected failure, 130 cancelled"), new Padding(4, 0, 0, 0))),
        ];
    }
}
