using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using NetGen.Benchmarks.Infrastructure;
using NetGen.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Cli;

/// <summary>
/// <c>lowrank-crossover</c>: the training step with the low-rank update of Linear weights forced on every layer against the
/// same step with every gradient materialised, for square Linear/ReLU stacks of several widths and batches, alternating
/// block by block in one process (process CPU time). Where the ratio crosses 1 is where <see cref="TrainStepOptions.LowRankMaxRows"/>
/// and <see cref="TrainStepOptions.LowRankMinElements"/> come from.
/// </summary>
public sealed class LowRankCrossoverCommand : Command<LowRankCrossoverCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--widths <LIST>")]
        [Description("Layer widths w: each network is 4 × (Linear(w, w), ReLU) and Linear(w, 10), MSE, clipping at 1.0 (default 256,512,1000).")]
        [DefaultValue("256,512,1000")]
        public string Widths { get; init; } = "256,512,1000";

        [CommandOption("--batches <LIST>")]
        [Description("Batch sizes (default 1,10,16,24,32,48,64).")]
        [DefaultValue("1,10,16,24,32,48,64")]
        public string Batches { get; init; } = "1,10,16,24,32,48,64";

        [CommandOption("--rounds <N>")]
        [Description("Rounds of 10-step blocks per contender, at least 3 (default 9).")]
        [DefaultValue(9)]
        public int Rounds { get; init; } = 9;

        public override ValidationResult Validate() =>
            Rounds < 3 ? ValidationResult.Error($"--rounds: {Rounds} is fewer than 3")
            : !TryParse(Widths, out _) ? ValidationResult.Error($"--widths: '{Widths}' is not a comma-separated list of positive integers")
            : !TryParse(Batches, out _) ? ValidationResult.Error($"--batches: '{Batches}' is not a comma-separated list of positive integers")
            : ValidationResult.Success();
    }

    internal static bool TryParse(string list, out int[] values)
    {
        values = list.Split(',').Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : -1).ToArray();
        return values.All(v => v > 0);
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        NativeHeap.KeepFreedBlocks();
        Threads.Apply(Threads.One);
        TryParse(settings.Widths, out var widths);
        TryParse(settings.Batches, out var batches);
        var lines = new List<string>
        {
            $"Measured {MachineInfo.Describe()}; one thread; {settings.Rounds} rounds of 10-step blocks per contender, alternating; process CPU time per step, medians.",
            "",
            "| width | weight elements | batch | low-rank step (ms CPU) | full-gradient step (ms CPU) | low-rank / full, median of rounds [min–max] |",
            "|---:|---:|---:|---:|---:|---|",
        };
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        foreach (var width in widths)
        {
            foreach (var batch in batches)
            {
                var line = Measure(width, batch, settings.Rounds);
                Console.WriteLine(line);
                lines.Add(line);
            }
        }

        BenchmarkApp.Write("netgen-lowrank-crossover.md", lines);
        return 0;
    }

    private static string Measure(int width, int batch, int rounds)
    {
        torch.manual_seed(0);
        using var lowRankModel = new SquareStack(width);
        using var fullModel = new SquareStack(width);
        fullModel.load_state_dict(lowRankModel.state_dict());
        using var lowRankOptimizer = new FusedAdam(lowRankModel.parameters(), lr: 1e-3);
        using var fullOptimizer = new FusedAdam(fullModel.parameters(), lr: 1e-3);
        var lowRank = new TrainingStep(lowRankModel, new TrainStepOptions { ClipNorm = 1.0, LowRankMaxRows = int.MaxValue, LowRankMinElements = 1 });
        var full = new TrainingStep(fullModel, new TrainStepOptions { ClipNorm = 1.0, LowRankUpdates = false });
        using var input = torch.randn(batch, width);
        using var target = torch.randn(batch, 10);
        Func<Tensor, Tensor, Tensor> loss = (o, t) => nn.functional.mse_loss(o, t);
        void Block(TrainingStep step, optim.Optimizer optimizer)
        {
            for (var i = 0; i < 10; i++)
            {
                step.Run(optimizer, loss, input, target);
            }
        }

        Block(lowRank, lowRankOptimizer);
        Block(full, fullOptimizer);
        var times = new[] { new List<double>(), new List<double>() };
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < 2; k++)
            {
                var which = (round + k) % 2;
                var started = Process.GetCurrentProcess().TotalProcessorTime;
                Block(which == 0 ? lowRank : full, which == 0 ? lowRankOptimizer : fullOptimizer);
                times[which].Add((Process.GetCurrentProcess().TotalProcessorTime - started).TotalMilliseconds / 10);
            }
        }

        using (var grad = lowRankModel.Layers[1].weight.grad)
        {
            if (grad is not null)
            {
                throw new InvalidOperationException($"width {width}, batch {batch}: the low-rank contender did not take the low-rank path");
            }
        }

        var ratios = times[0].Zip(times[1], (a, b) => a / b).OrderBy(r => r).ToArray();
        static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        return $"| {width} | {(long)width * width:N0} | {batch} | {F(Median(times[0]))} | {F(Median(times[1]))} | {F(Median(ratios))} [{F(ratios[0])}–{F(ratios[^1])}] |";
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>4 × (Linear(w, w), ReLU) and Linear(w, 10), each layer called through <c>call()</c> so that hooks fire.</summary>
    private sealed class SquareStack : nn.Module<Tensor, Tensor>
    {
        public SquareStack(int width) : base(nameof(SquareStack))
        {
            Layers = Enumerable.Range(0, 4).Select(_ => nn.Linear(width, width)).Append(nn.Linear(width, 10)).ToArray();
            for (var i = 0; i < Layers.Length; i++)
            {
                register_module($"fc{i + 1}", Layers[i]);
            }
        }

        public Linear[] Layers { get; }

        public override Tensor forward(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            var x = input;
            for (var i = 0; i < Layers.Length - 1; i++)
            {
                x = Layers[i].call(x).relu_();
            }

            return Layers[^1].call(x).MoveToOuterDisposeScope();
        }
    }
}
