using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Tests.Monitoring;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Monitoring;

/// <summary>
/// The cost of monitoring measured so that other processes disturb it as little as possible: the arms run in one process,
/// interleaved in blocks of 10 steps (one sampling period) in rotating order, and each block is timed in process CPU time
/// (clock_gettime(CLOCK_PROCESS_CPUTIME_ID), which includes the finalizer and GC threads) as well as wall time. On a shared
/// machine whose load changes by the minute, BenchmarkDotNet's sequential processes see different loads per arm; here every
/// arm sees the same ones. Linux only.
/// </summary>
public static class MonitoringOverhead
{
    public const string Command = "monitor-overhead";

    private const int BlockSteps = 10;
    private const int ClockProcessCpuTimeId = 2;

    /// <summary>Measures <paramref name="which"/> (SimpleNet, DeepNet or both) over <paramref name="rounds"/> rounds (null: 200 for SimpleNet, 40 for DeepNet).</summary>
    public static int Run(string which, int? rounds)
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine($"error: {Command} reads CLOCK_PROCESS_CPUTIME_ID and runs on Linux only.");
            return 2;
        }

        torch.set_num_threads(1);
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.FrameworkDescription}, 1 intra-op thread, blocks of {BlockSteps} steps");
        foreach (var network in which == "both" ? new[] { "SimpleNet", "DeepNet" } : new[] { which })
        {
            Measure(network, rounds ?? (network == "SimpleNet" ? 200 : 40));
        }

        return 0;
    }

    private static void Measure(string network, int rounds)
    {
        torch.manual_seed(0);
        var simple = network == "SimpleNet";
        using var input = simple ? torch.randn(64, 784) : torch.randn(10, 100);
        using var target = simple ? torch.randint(0, 10, new long[] { 64 }) : torch.randn(10, 1);
        Func<Tensor, Tensor, Tensor> loss = simple ? (o, t) => torch.nn.functional.cross_entropy(o, t) : (o, t) => torch.nn.functional.mse_loss(o, t);
        var clip = simple ? (double?)null : 1.0;
        var owned = new List<IDisposable>();

        (string Name, Func<TrainStepResult> Step) Arm(string name, nn.Module<Tensor, Tensor> model, TrainingStep trainer)
        {
            var optimizer = torch.optim.Adam(model.parameters(), 1e-3);
            owned.Add(model);
            owned.Add(optimizer);
            return (name, () => trainer.Run(optimizer, loss, input, target));
        }

        (string Name, Func<TrainStepResult> Step) Monitored(string name, Action<NetGen.Monitoring.GradientMonitor> configure)
        {
            if (simple)
            {
                var model = new MonitoredSimpleNet();
                configure(model.Monitor);
                return Arm(name, model, model.Trainer);
            }
            else
            {
                var model = new MonitoredDeepNet();
                configure(model.Monitor);
                return Arm(name, model, model.Trainer);
            }
        }

        nn.Module<Tensor, Tensor> plainModel = simple ? new SimpleNet() : new DeepNet();
        var arms = new[]
        {
            Arm("no monitoring code", plainModel, new TrainingStep(plainModel, new TrainStepOptions { ClipNorm = clip })),
            Monitored("monitor disabled", m => m.Enabled = false),
            Monitored("monitor, default sampling (1 in 10)", _ => { }),
            Monitored("monitor, every step", m => m.Options.SampleEvery = 1),
        };

        foreach (var (_, step) in arms)
        {
            for (var i = 0; i < 3 * BlockSteps; i++)
            {
                step();
            }
        }

        var cpu = arms.Select(_ => new List<double>()).ToArray();
        var wall = arms.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < arms.Length; k++)
            {
                var a = (round + k) % arms.Length;
                var cpu0 = CpuSeconds();
                var wall0 = Stopwatch.GetTimestamp();
                for (var i = 0; i < BlockSteps; i++)
                {
                    arms[a].Step();
                }

                wall[a].Add(Stopwatch.GetElapsedTime(wall0).TotalMilliseconds / BlockSteps);
                cpu[a].Add((CpuSeconds() - cpu0) * 1000 / BlockSteps);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{network}: {rounds} rounds of {BlockSteps} steps per arm, arms interleaved");
        Console.WriteLine("| arm | CPU ms/step | CPU ratio to baseline (total) | per-round CPU ratio, mean [95% CI] | per-round CPU ratio, median | wall ms/step | wall ratio (total) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        for (var a = 0; a < arms.Length; a++)
        {
            var ratios = cpu[a].Zip(cpu[0], (x, b) => x / b).ToArray();
            var mean = ratios.Average();
            var halfWidth = 1.96 * Math.Sqrt(ratios.Sum(r => (r - mean) * (r - mean)) / (ratios.Length - 1) / ratios.Length);
            Console.WriteLine(
                $"| {arms[a].Name} | {cpu[a].Average():F3} | {cpu[a].Sum() / cpu[0].Sum():F4} | {mean:F4} [{mean - halfWidth:F4}, {mean + halfWidth:F4}] | " +
                $"{Median(ratios):F4} | {wall[a].Average():F3} | {wall[a].Sum() / wall[0].Sum():F4} |");
        }

        foreach (var item in owned)
        {
            item.Dispose();
        }
    }

    private static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double CpuSeconds()
    {
        if (clock_gettime(ClockProcessCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed.");
        }

        return time.Seconds + (time.Nanoseconds * 1e-9);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
