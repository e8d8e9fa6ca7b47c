using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetGen.GradientLab.Mnist;
using NetGen.GradientLab.Report;
using NetGen.GradientLab.Training;
using Spectre.Console;

namespace NetGen.GradientLab;

/// <summary>The command line: options, progress bars, the results table and the report folder.</summary>
public static class LabProgram
{
    /// <summary>Exit code of a successful run.</summary>
    public const int Success = 0;

    /// <summary>Exit code of an unexpected failure.</summary>
    public const int Failure = 1;

    /// <summary>Exit code of a command line the lab cannot run (bad option, unknown variant, unwritable output).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code after Ctrl+C.</summary>
    public const int Cancelled = 130;

    /// <summary>Runs the program; returns the exit code.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="console">Where to write (the terminal, or a test console).</param>
    /// <param name="error">Where one-line errors go (standard error); not through the console, which would wrap them.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    public static int Run(string[] args, IAnsiConsole console, TextWriter error, CancellationToken cancellationToken)
    {
        LabOptions options;
        ReportFolder? folder = null;
        try
        {
            if (LabCommandLine.Parse(args, console) is not { } parsed)
            {
                return Success;   // --help
            }

            options = parsed;
            if (options.MnistFolder is { } mnist)
            {
                return MnistRunner.Run(mnist, options, console, cancellationToken);
            }

            // Before any training, so a path that cannot be written fails at once.
            folder = ReportFolder.Prepare(options.Output);
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UsageError;
        }

        using (folder)
        {
            try
            {
                return RunLab(options, folder, console, cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException || (e is AggregateException a && a.InnerExceptions.All(x => x is OperationCanceledException)))
            {
                error.WriteLine("cancelled; no report was written");
                return Cancelled;
            }
        }
    }

    private static int RunLab(LabOptions options, ReportFolder folder, IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.MarkupLine($"[bold]NetGen Gradient Lab[/]: {options.Variants.Count} variants, {options.Epochs} epochs each, seed {options.Seed}, {options.Threads} at a time");
        LabResult? result = null;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var width = options.Variants.Max(v => v.DisplayName.Length);
                var tasks = new ConcurrentDictionary<LabVariant, ProgressTask>();
                foreach (var variant in options.Variants)
                {
                    tasks[variant] = context.AddTask(Markup.Escape(variant.DisplayName.PadRight(width)), autoStart: false);
                }

                result = Lab.Run(options, progress => ShowProgress(tasks[progress.Variant], progress, width), cancellationToken);
            });

        console.WriteLine();
        console.Write(ResultsTable(result!));
        console.MarkupLine("[grey]Verdict thresholds:[/] " + Markup.Escape(result!.Results[0].Gradients.Thresholds));

        console.Status().Start("Writing the report...", _ => ReportWriter.Write(result, folder));
        folder.Commit();
        console.MarkupLine($"Report: [link]{Markup.Escape(System.IO.Path.Combine(folder.Target, ReportWriter.HtmlFile))}[/] (training took {result.Seconds.ToString("0", CultureInfo.InvariantCulture)} s)");
        return Success;
    }

    private static void ShowProgress(ProgressTask task, TrainingProgress progress, int width)
    {
        if (!task.IsStarted)
        {
            task.MaxValue = progress.TotalSteps;
            task.StartTask();
        }

        task.Value = progress.Step;
        if (progress.LastEpochLoss is { } loss)
        {
            var text = double.IsFinite(loss) ? loss.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";
            task.Description = Markup.Escape(progress.Variant.DisplayName.PadRight(width)) + $" [grey]epoch {progress.Epoch}, loss {text}[/]";
        }

        if (progress.Step >= progress.TotalSteps)
        {
            task.StopTask();
        }
    }

    /// <summary>The results as a console table.</summary>
    /// <param name="result">The lab run.</param>
    public static Table ResultsTable(LabResult result)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Variant")
            .AddColumn(new TableColumn("Final loss").RightAligned())
            .AddColumn(new TableColumn("Test accuracy").RightAligned())
            .AddColumn(new TableColumn("Predicted").RightAligned())
            .AddColumn(new TableColumn("Step 1").RightAligned())
            .AddColumn(new TableColumn("First/last grad ratio").RightAligned())
            .AddColumn("Verdicts")
            .AddColumn("Compile-time warnings");
        foreach (var row in ReportWriter.Rows(result))
        {
            var colour = row.Verdicts == "healthy" ? "green" : "red";
            table.AddRow(
                Markup.Escape(row.Variant),
                row.FinalLoss,
                Markup.Escape(row.Accuracy),
                row.Predicted,
                row.AtInit,
                row.Ratio,
                $"[{colour}]{Markup.Escape(row.Verdicts)}[/]",
                Markup.Escape(row.Warnings));
        }

        return table;
    }

    /// <summary>The program's entry point.</summary>
    /// <param name="args">The command line.</param>
    public static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            return Run(args, AnsiConsole.Console, Console.Error, cancellation.Token);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
        {
            return Cancelled;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"error: {e.GetBaseException().Message}");
            Console.Error.WriteLine(e);
            return Failure;
        }
    }
}
