using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Threading;
using NetGen.Benchmarks.Infrastructure;
using NetGen.Benchmarks.Memory;
using NetGen.Benchmarks.Networks;
using NetGen.Benchmarks.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace NetGen.Benchmarks.Cli;

/// <summary><c>memory</c>: see <see cref="MemoryRun"/>. Linux only (reads /proc/self/status).</summary>
public sealed class MemoryCommand : Command<MemoryCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--network <NAME>")]
        [Description("SimpleNet, DeepNet, Mlp20 or ConvNet (train-step loop: SimpleNet or DeepNet).")]
        [DefaultValue(NetworkKind.DeepNet)]
        public NetworkKind Network { get; init; } = NetworkKind.DeepNet;

        [CommandOption("--steps <N>")]
        [Description("Training steps after the first (at least 10).")]
        [DefaultValue(10_000)]
        public int Steps { get; init; } = 10_000;

        [CommandOption("--optimizers <LIST>")]
        [Description("Comma-separated: inplace (NetGen's InPlaceAdam), torchsharp (torch.optim.Adam), fused (NetGen's FusedAdam; the plain loop runs it through TrainStep); one run each.")]
        [DefaultValue("inplace,torchsharp")]
        public string Optimizers { get; init; } = "inplace,torchsharp";

        [CommandOption("--loop <LOOP>")]
        [Description("plain (zero-grad, forward, backward, clip, step) or train-step (NetGen's TrainingStep on the monitored seed networks: monitor, finiteness check, finalizer budget).")]
        [DefaultValue("plain")]
        public string Loop { get; init; } = "plain";

        [CommandOption("--reclaim-budget <FRACTION>")]
        [Description("train-step loop: the fraction of step time TrainingStep may spend running finalizers; 0 turns the remedy off.")]
        [DefaultValue(0.01)]
        public double ReclaimBudget { get; init; } = 0.01;

        [CommandOption("--history <N>")]
        [Description("train-step loop: how many monitor reports the monitor keeps.")]
        [DefaultValue(1000)]
        public int History { get; init; } = 1000;

        [CommandOption("--threads <SETTING>")]
        [Description("1 or default (libtorch's own count).")]
        [DefaultValue("1")]
        public string Threads { get; init; } = "1";

        [CommandOption("--max-rss-mb <MB>")]
        [Description("Stop a run whose resident set passes this (the machine is shared).")]
        [DefaultValue(4096.0)]
        public double MaxRssMb { get; init; } = 4096;

        [CommandOption("--no-pytorch")]
        [Description("Skip PyTorch's run of the same loop.")]
        public bool NoPyTorch { get; init; }

        public MemoryLoop ParsedLoop => Loop == "train-step" ? MemoryLoop.TrainStep : MemoryLoop.Plain;

        public AdamKind[] ParsedOptimizers => Optimizers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(o => o switch { "inplace" => AdamKind.InPlace, "torchsharp" => AdamKind.TorchSharp, "fused" => AdamKind.Fused, _ => (AdamKind)(-1) }).Distinct().ToArray();

        public override ValidationResult Validate()
        {
            if (!File.Exists("/proc/self/status"))
            {
                return ValidationResult.Error("memory reads /proc/self/status and runs on Linux only");
            }

            if (Steps < 10)
            {
                return ValidationResult.Error($"--steps: {Steps} is fewer than 10");
            }

            if (ParsedOptimizers.Length == 0 || ParsedOptimizers.Any(o => !Enum.IsDefined(o)))
            {
                return ValidationResult.Error($"--optimizers: '{Optimizers}' is not a comma-separated list of inplace, torchsharp, fused");
            }

            if (Loop is not ("plain" or "train-step"))
            {
                return ValidationResult.Error($"--loop: '{Loop}' is not one of plain, train-step");
            }

            if (ParsedLoop == MemoryLoop.TrainStep && Network is not (NetworkKind.SimpleNet or NetworkKind.DeepNet))
            {
                return ValidationResult.Error($"--loop train-step: the monitored networks are SimpleNet and DeepNet, not {Network}");
            }

            if (ReclaimBudget is < 0 or > 1)
            {
                return ValidationResult.Error($"--reclaim-budget: {ReclaimBudget} is not a fraction from 0 to 1");
            }

            if (History < 1)
            {
                return ValidationResult.Error($"--history: {History} is less than 1");
            }

            return Threads is Infrastructure.Threads.One or Infrastructure.Threads.Default
                ? ValidationResult.Success()
                : ValidationResult.Error($"--threads: '{Threads}' is neither 1 nor default");
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var header = $"Measured {MachineInfo.Describe()}; libtorch default threads {Infrastructure.Threads.DefaultCount}.";
        Console.WriteLine(header);
        var results = settings.ParsedOptimizers
            .Select(o => MemoryRun.Run(new MemoryRunOptions(settings.Network, o, settings.ParsedLoop, settings.Threads, settings.Steps, settings.MaxRssMb, settings.ReclaimBudget, settings.History)))
            .ToList();
        var lines = MemoryRun.Table(results).ToList();
        if (!settings.NoPyTorch && settings.ParsedLoop == MemoryLoop.Plain && PyTorchBaseline.FindPython() is { } python)
        {
            var run = PyTorchBaseline.RunMemory(python, null, settings.Network.ToString(), settings.Threads, settings.Steps);
            var m = run.Memory!.Value;
            double Mb(string p) => m.GetProperty(p).GetDouble();
            lines.Add($"| {settings.Network} | PyTorch {run.Torch} Adam ({run.Label}) | plain | {settings.Threads} | {settings.Steps:N0} | {Mb("start_mb"):F0} | {Mb("end_mb"):F0} | {Mb("max_mb"):F0} | {Mb("end_mb") / Mb("start_mb"):F2}x | – | – | – |");
        }

        Console.WriteLine();
        lines.ForEach(Console.WriteLine);
        BenchmarkApp.Write("netgen-memory.md", new[] { header, "" }.Concat(lines));
        return 0;
    }
}
