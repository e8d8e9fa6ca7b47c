using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetGen.GradientLab;

/// <summary>A command line the lab cannot run: the message names the problem in one line; the program exits with 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>What the user asked for on the command line.</summary>
public sealed record LabOptions
{
    /// <summary>Epochs per variant when <c>--epochs</c> is not given.</summary>
    public const int DefaultEpochs = 30;

    /// <summary>The seed when <c>--seed</c> is not given.</summary>
    public const int DefaultSeed = 42;

    /// <summary>The report folder when <c>--output</c> is not given, relative to the current directory.</summary>
    public const string DefaultOutput = "report";

    /// <summary>Training epochs per variant (the spiral and DeepNet tasks alike).</summary>
    public int Epochs { get; init; } = DefaultEpochs;

    /// <summary>Whether <c>--epochs</c> was given (MNIST has its own default).</summary>
    public bool EpochsGiven { get; init; }

    /// <summary>The variants to run, in catalogue order.</summary>
    public IReadOnlyList<LabVariant> Variants { get; init; } = LabVariant.All;

    /// <summary>The report folder; replaced as a whole when the run completes.</summary>
    public string Output { get; init; } = DefaultOutput;

    /// <summary>Seeds the data sets, the weight initialisation and the batch order.</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>How many variants train at once; each uses one core, so the numbers do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>A folder with the MNIST IDX files: train SimpleNet on MNIST instead of running the lab.</summary>
    public string? MnistFolder { get; init; }

    /// <summary><c>--help</c> was given: print the help and do nothing else.</summary>
    public bool ShowHelp { get; init; }

    /// <summary>Reads the command line; throws <see cref="UsageException"/> naming the first problem.</summary>
    /// <param name="args">The arguments, as <c>Main</c> receives them.</param>
    public static LabOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LabOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "-?")
            {
                return options with { ShowHelp = true };
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) && !arg.StartsWith("-o", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}' (options start with --; see --help)");
            }

            // Both "--epochs 5" and "--epochs=5".
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            string Value()
            {
                if (equals >= 0)
                {
                    return arg[(equals + 1)..];
                }

                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"{name} needs a value (see --help)");
                }

                return args[++i];
            }

            options = name switch
            {
                "--epochs" => options with { Epochs = PositiveInteger(name, Value()), EpochsGiven = true },
                "--variants" => options with { Variants = ParseVariants(Value()) },
                "--output" or "-o" => options with { Output = NonEmpty(name, Value()) },
                "--seed" => options with { Seed = Integer(name, Value()) },
                "--threads" => options with { Threads = PositiveInteger(name, Value()) },
                "--mnist" => options with { MnistFolder = NonEmpty(name, Value()) },
                _ => throw new UsageException($"unknown option '{name}' (see --help)"),
            };
        }

        return options;
    }

    /// <summary>The variants named in a comma-separated list, in catalogue order, each once.</summary>
    private static IReadOnlyList<LabVariant> ParseVariants(string value)
    {
        if (value.Trim() == "all")
        {
            return LabVariant.All;
        }

        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new UsageException("--variants needs at least one variant name (see --help)");
        }

        var chosen = new HashSet<LabVariant>();
        foreach (var name in names)
        {
            var variant = LabVariant.All.FirstOrDefault(v => string.Equals(v.Id, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"unknown variant '{name}' (known: {string.Join(", ", LabVariant.All.Select(v => v.Id))})");
            chosen.Add(variant);
        }

        return LabVariant.All.Where(chosen.Contains).ToArray();
    }

    private static int Integer(string name, string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new UsageException($"{name} must be a whole number, got '{value}'");

    private static int PositiveInteger(string name, string value)
    {
        var number = Integer(name, value);
        return number >= 1 ? number : throw new UsageException($"{name} must be at least 1, got {number}");
    }

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"{name} needs a non-empty value") : value;
}
