using System;
using System.Collections.Generic;
using System.IO;
using Spectre.Console.Cli;

namespace NetGen.Benchmarks.Cli;

/// <summary>The command line: one subcommand per kind of measurement, typed options, one-line errors with exit code 2.</summary>
public static class BenchmarkApp
{
    /// <summary>The exit code for arguments the runner cannot use.</summary>
    public const int BadArguments = 2;

    public static int Run(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("dotnet run -c Release --project benchmarks/NetGen.Benchmarks --");
            config.UseStrictParsing();
            config.SetExceptionHandler((exception, _) =>
            {
                // Spectre's own parse and validation errors are the user's; anything else is a failure of the run.
                var message = exception.Message.ReplaceLineEndings(" ").Trim();
                Console.Error.WriteLine($"error: {message}");
                return exception is CommandAppException ? BadArguments : 1;
            });
            config.AddCommand<SuiteCommand>("suite")
                .WithDescription("The BenchmarkDotNet classes (training steps, inference, Adam, monitoring, generator cost), then NetGen's side-by-side tables with the PyTorch baseline. BenchmarkDotNet's own arguments follow '--'.")
                .WithExample("suite", "--quick", "--", "--filter", "*Adam*");
            config.AddCommand<InterleavedCommand>("interleaved")
                .WithDescription("NetGen / hand-written / Sequential and the optimisers, contenders alternating round by round in one process, with a long-lived PyTorch worker taking its turn in every round.")
                .WithExample("interleaved", "--threads", "1", "--rows", "optimizers");
            config.AddCommand<MemoryCommand>("memory")
                .WithDescription("A long training run reporting the resident set: flat memory or growth, for each optimiser (and PyTorch's).")
                .WithExample("memory", "--network", "DeepNet", "--steps", "10000")
                .WithExample("memory", "--loop", "train-step", "--reclaim-budget", "0", "--steps", "300");
            config.AddCommand<MonitorOverheadCommand>("monitor-overhead")
                .WithDescription("The gradient monitor's cost per training step, four arms interleaved by process CPU time (docs/gradient-monitoring.md).");
            config.AddCommand<OpsCommand>("ops")
                .WithDescription("ConvNet's operations (batch 64), DeepNet's layers (batch 1) and DeepNet's training step with its matrix products (batch 10) one at a time in libtorch, CPU time and minor page faults per call (bench_pytorch.py --ops gives PyTorch's).");
            config.AddCommand<LowRankCrossoverCommand>("lowrank-crossover")
                .WithDescription("The training step with the low-rank update of Linear weights forced on against every gradient materialised, for square Linear/ReLU stacks by width and batch: where the low-rank path pays (TrainStepOptions.LowRankMaxRows, LowRankMinElements).")
                .WithExample("lowrank-crossover", "--widths", "512,1000", "--batches", "10,32,48");
            config.AddCommand<GeneratorReportCommand>("generator-report")
                .WithDescription("The generator's and analyzer's cost with Roslyn's own clocks, and the incremental counts.");
            config.AddCommand<GeneratorColdCommand>("generator-cold")
                .WithDescription("The generator's cost in a fresh process (one tab-separated line; benchmarks/scripts/generator-cold.sh drives it).");
        });
        return app.Run(args);
    }

    /// <summary>Writes a result file under BenchmarkDotNet.Artifacts/results (written, then renamed).</summary>
    public static void Write(string name, IEnumerable<string> lines)
    {
        var directory = Path.Combine("BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
        Console.WriteLine($"Written {Path.GetFullPath(path)}");
    }
}
