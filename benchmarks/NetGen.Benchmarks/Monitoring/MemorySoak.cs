using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using NetGen.Tests.Monitoring;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Monitoring;

/// <summary>
/// Runs the training-step helper for many steps on a seed network with monitoring on and prints resident memory as it
/// goes: the evidence that memory stays flat (docs/gradient-monitoring.md, "Memory"). Not a test: 10,000 DeepNet steps
/// take minutes. Linux only (reads /proc/self/status).
/// </summary>
public static class MemorySoak
{
    public const string Command = "memory-soak";

    /// <summary>Arguments: [steps = 10000] [SimpleNet|DeepNet = DeepNet] [reclaim budget = 0.01; 0 turns the remedy off] [history capacity = 1000].</summary>
    public static int Run(string[] args)
    {
        if (!File.Exists("/proc/self/status"))
        {
            Console.Error.WriteLine("memory-soak reads /proc/self/status and runs on Linux only.");
            return 2;
        }

        int steps;
        double budget;
        int history;
        try
        {
            steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
            budget = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0.01;
            history = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1000;
        }
        catch (FormatException)
        {
            Console.Error.WriteLine($"usage: {Command} [steps] [SimpleNet|DeepNet] [reclaim budget 0..1] [history capacity]; got '{string.Join(" ", args)}'.");
            return 2;
        }

        var network = args.Length > 1 ? args[1] : "DeepNet";
        if (steps < 10 || network is not ("SimpleNet" or "DeepNet") || budget is < 0 or > 1 || history < 1)
        {
            Console.Error.WriteLine($"usage: {Command} [steps >= 10] [SimpleNet|DeepNet] [reclaim budget 0..1] [history capacity >= 1]; got '{string.Join(" ", args)}'.");
            return 2;
        }

        torch.set_num_threads(1);
        torch.manual_seed(0);
        var simple = network == "SimpleNet";
        using var input = simple ? torch.randn(64, 784) : torch.randn(10, 100);
        using var target = simple ? torch.randint(0, 10, new long[] { 64 }) : torch.randn(10, 1);
        nn.Module<Tensor, Tensor> model = simple ? new MonitoredSimpleNet() : new MonitoredDeepNet();
        var trainer = simple ? ((MonitoredSimpleNet)model).Trainer : ((MonitoredDeepNet)model).Trainer;
        var monitor = trainer.Options.Monitor!;
        monitor.Options.HistoryCapacity = history;
        trainer.Options.ReclaimBudget = budget;
        using var optimizer = torch.optim.Adam(model.parameters(), 1e-3);
        Func<Tensor, Tensor, Tensor> loss = simple ? (o, t) => torch.nn.functional.cross_entropy(o, t) : (o, t) => torch.nn.functional.mse_loss(o, t);

        Console.WriteLine($"{network} + Adam through TrainingStep, monitoring on (1 in 10), reclaim budget {budget}, history {history} reports, {steps} steps, 1 thread, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
        Console.WriteLine($"before the first step: RSS {Status("VmRSS")} MB");
        var report = Math.Max(1, steps / 10);
        var times = new double[report];
        var total = Stopwatch.StartNew();
        var skipped = 0L;
        for (var step = 1; step <= steps; step++)
        {
            var started = Stopwatch.GetTimestamp();
            skipped += trainer.Run(optimizer, loss, input, target).Skipped ? 1 : 0;
            times[(step - 1) % report] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (step == 1 || step % report == 0)
            {
                var median = step == 1 ? times[0] : times.OrderBy(t => t).ElementAt(report / 2);
                Console.WriteLine(
                    $"step {step,6}: RSS {Status("VmRSS"),5} MB, peak {Status("VmHWM"),5} MB, managed {GC.GetTotalMemory(false) >> 20} MB, " +
                    $"median step {median:F2} ms, reclaims {trainer.MemoryReclaims}, gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, live tensors {torch.Tensor.TotalCount}");
            }
        }

        Console.WriteLine($"{steps} steps in {total.Elapsed.TotalSeconds:F0} s ({total.Elapsed.TotalMilliseconds / steps:F2} ms/step), {skipped} skipped, {monitor.Passes} passes counted, {monitor.Reports.Count} reports kept");
        model.Dispose();
        return 0;
    }

    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return -1;
    }
}
