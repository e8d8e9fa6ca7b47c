using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NetGen.Benchmarks.Networks;
using NetGen.Benchmarks.Training;
using NetGen.Tests.Monitoring;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Memory;

/// <summary>How a memory run drives its steps.</summary>
public enum MemoryLoop
{
    /// <summary>The benchmarks' plain step on the NetGen module: zero-grad, forward, loss, backward, clip when declared, optimiser.</summary>
    Plain,

    /// <summary>
    /// NetGen's <see cref="TrainingStep"/> on the seed networks with gradient monitoring on (1 step in 10), finiteness check,
    /// clipping and the finalizer budget (<see cref="TrainStepOptions.ReclaimBudget"/>): what a user's <c>TrainStep</c> runs.
    /// </summary>
    TrainStep,
}

/// <summary>What one memory run trains and for how long.</summary>
/// <param name="CapMb">Stop a run whose resident set passes this: the machine is shared, and a loop that grows by gigabytes would take the others' memory with it.</param>
/// <param name="ReclaimBudget">For <see cref="MemoryLoop.TrainStep"/>: the fraction of step time the step may spend running finalizers (0 turns the remedy off).</param>
/// <param name="History">For <see cref="MemoryLoop.TrainStep"/>: how many monitor reports the monitor keeps.</param>
public sealed record MemoryRunOptions(NetworkKind Network, AdamKind Optimizer, MemoryLoop Loop, string Threads, int Steps, double CapMb, double ReclaimBudget, int History);

/// <summary>
/// <c>memory</c>: a long training loop of one network with one optimiser, reporting the resident set (VmRSS) after the
/// first step, every tenth of the run, and at the end. A flat working set means end ≈ start; TorchSharp's Adam on DeepNet
/// is known to grow without bound when nothing runs the finalizers.
/// </summary>
public static class MemoryRun
{
    public sealed record Result(MemoryRunOptions Options, int Steps, double StartMb, double EndMb, double MaxMb, double Seconds, int Gen2Collections, long Reclaims, bool Capped);

    public static Result Run(MemoryRunOptions options)
    {
        Infrastructure.Threads.Apply(options.Threads);
        using var loop = Create(options);
        loop.Step();
        var start = ResidentMb();
        var max = start;
        var every = Math.Max(1, options.Steps / 10);
        var stopwatch = Stopwatch.StartNew();
        var gen2 = GC.CollectionCount(2);
        var done = 0;
        var capped = false;
        for (var i = 1; i <= options.Steps && !capped; i++)
        {
            loop.Step();
            done = i;
            if (i % 100 == 0 || i % every == 0)
            {
                var now = ResidentMb();
                max = Math.Max(max, now);
                capped = now > options.CapMb;
                if (i % every == 0 || capped)
                {
                    Console.Error.WriteLine($"  {options.Network} {options.Optimizer} {options.Loop} step {i,6}: RSS {now,8:F1} MB, managed {GC.GetTotalMemory(false) >> 20} MB, live tensors {torch.Tensor.TotalCount}{(capped ? $" > cap {options.CapMb:F0} MB, stopping" : "")}");
                }
            }
        }

        var end = ResidentMb();
        return new Result(options, done, start, end, Math.Max(max, end), stopwatch.Elapsed.TotalSeconds, GC.CollectionCount(2) - gen2, loop.Reclaims, capped);
    }

    public static IEnumerable<string> Table(IEnumerable<Result> results) =>
        new[]
        {
            "| network | optimiser | loop | threads | steps | RSS after step 1 (MB) | RSS at end (MB) | max (MB) | growth | time (s) | gen-2 GCs | finalizer runs |",
            "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        }.Concat(results.Select(r =>
            $"| {r.Options.Network} | {TrainingSession.Describe(r.Options.Optimizer)} | {(r.Options.Loop == MemoryLoop.Plain ? "plain" : $"TrainStep, monitored, reclaim budget {r.Options.ReclaimBudget}")} | {r.Options.Threads} | {r.Steps:N0}{(r.Capped ? " (stopped at the RSS cap)" : "")} | {r.StartMb:F0} | {r.EndMb:F0} | {r.MaxMb:F0} | {r.EndMb / r.StartMb:F2}x | {r.Seconds:F0} | {r.Gen2Collections} | {r.Reclaims} |"));

    /// <summary>Resident set size from /proc (what <c>top</c> shows); <see cref="Environment.WorkingSet"/> elsewhere.</summary>
    public static double ResidentMb()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            return Environment.WorkingSet / (1024.0 * 1024.0);
        }
    }

    private static ILoop Create(MemoryRunOptions options) => options.Loop == MemoryLoop.Plain
        ? new PlainLoop(new TrainingSession(options.Network, Implementation.NetGen, options.Optimizer))
        : new TrainStepLoop(options);

    private interface ILoop : IDisposable
    {
        long Reclaims { get; }

        void Step();
    }

    private sealed class PlainLoop(TrainingSession session) : ILoop
    {
        public long Reclaims => 0;

        public void Step() => session.Step();

        public void Dispose() => session.Dispose();
    }

    /// <summary>The monitored seed networks (tests/NetGen.Tests/Monitoring/HandWrittenNetworks.cs) through their <c>Trainer</c>.</summary>
    private sealed class TrainStepLoop : ILoop
    {
        private readonly nn.Module<Tensor, Tensor> model;
        private readonly TrainingStep trainer;
        private readonly optim.Optimizer optimizer;
        private readonly Tensor input;
        private readonly Tensor target;
        private readonly Func<Tensor, Tensor, Tensor> loss;

        public TrainStepLoop(MemoryRunOptions options)
        {
            torch.manual_seed(0);
            var simple = options.Network == NetworkKind.SimpleNet;
            input = simple ? torch.randn(64, 784) : torch.randn(10, 100);
            target = simple ? torch.randint(0, 10, new long[] { 64 }) : torch.randn(10, 1);
            model = simple ? new MonitoredSimpleNet() : new MonitoredDeepNet();
            trainer = simple ? ((MonitoredSimpleNet)model).Trainer : ((MonitoredDeepNet)model).Trainer;
            trainer.Options.Monitor!.Options.HistoryCapacity = options.History;
            trainer.Options.ReclaimBudget = options.ReclaimBudget;
            optimizer = TrainingSession.CreateOptimizer(options.Optimizer, model.parameters());
            loss = simple ? (o, t) => nn.functional.cross_entropy(o, t) : (o, t) => nn.functional.mse_loss(o, t);
        }

        public long Reclaims => trainer.MemoryReclaims;

        public void Step() => trainer.Run(optimizer, loss, input, target);

        public void Dispose()
        {
            optimizer.Dispose();
            model.Dispose();
            input.Dispose();
            target.Dispose();
        }
    }
}
