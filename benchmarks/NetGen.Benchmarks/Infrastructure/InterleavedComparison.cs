using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using NetGen.Benchmarks.Networks;
using NetGen.Benchmarks.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>
/// <c>--interleaved</c>: the same comparisons as the BenchmarkDotNet classes, but with the contenders
/// alternating round by round (rotating order) inside one process. BenchmarkDotNet measures one case
/// after another, so on a shared machine a change of background load between two cases shows up as a
/// difference between them; interleaving exposes the contenders to the same load, and the median of the
/// per-round ratios is then the robust figure for "is A slower than B by 2%". Process CPU time per call is
/// recorded too: on a machine shared with other jobs it is the steadier measure of the work a step does.
/// </summary>
public static class InterleavedComparison
{
    /// <summary>One contender's medians in one comparison.</summary>
    public sealed record Measurement(string Benchmark, NetworkKind Network, string Batch, string Threads, string Contender, double WallMs, double CpuMs);

    public static IReadOnlyList<string> Run(bool quick, List<Measurement> measurements, IReadOnlyCollection<NetworkKind> networks, IReadOnlyList<string> threadSettings, bool modules, bool adam)
    {
        var rounds = quick ? 5 : 31;
        var roundTime = TimeSpan.FromMilliseconds(quick ? 100 : 300);
        var lines = new List<string>
        {
            $"Interleaved: {rounds} rounds of about {roundTime.TotalMilliseconds:F0} ms per contender, order rotating each round.",
            "",
            "| benchmark | network | batch | threads | A | B | C | A (ms) | B (ms) | C (ms) | A / B, ratio of medians | A / B, median of round ratios | A / C, median of round ratios | A / B, CPU time | A / C, CPU time | A CPU (ms) | B CPU (ms) | C CPU (ms) |",
            "|---|---|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };

        foreach (var threads in threadSettings)
        {
            Threads.Apply(threads);
            foreach (var network in modules ? networks : Array.Empty<NetworkKind>())
            {
                var sessions = Enum.GetValues<Implementation>().Select(i => new TrainingSession(network, i)).ToList();
                lines.Add(Compare(measurements, "training step", network, "", threads, sessions.Select(s => (Action)s.Step).ToArray(), new[] { "NetGen", "hand-written", "Sequential" }, rounds, roundTime));
                sessions.ForEach(s => s.Dispose());

                foreach (var batch in new[] { 1, 64 })
                {
                    var models = Enum.GetValues<Implementation>().Select(i => BenchmarkNetworks.Create(network, i)).ToList();
                    models.ForEach(m => m.Module.eval());
                    using var input = torch.randn(BenchmarkNetworks.Setup(network).InputShape(batch));
                    var forwards = models.Select(m => (Action)(() =>
                    {
                        using var _ = torch.no_grad();
                        using var output = m.Module.call(input);
                    })).ToArray();
                    lines.Add(Compare(measurements, "inference", network, batch.ToString(CultureInfo.InvariantCulture), threads, forwards, new[] { "NetGen", "hand-written", "Sequential" }, rounds, roundTime));
                    models.ForEach(m => m.Dispose());
                }
            }

            foreach (var network in adam ? new[] { NetworkKind.SimpleNet, NetworkKind.DeepNet }.Where(networks.Contains) : Array.Empty<NetworkKind>())
            {
                var adams = new[] { AdamKind.InPlace, AdamKind.TorchSharp }.Select(a => new TrainingSession(network, Implementation.NetGen, a)).ToList();
                lines.Add(Compare(measurements, "training step", network, "", threads, adams.Select(s => (Action)s.Step).ToArray(), new[] { "InPlaceAdam", "TorchSharp Adam" }, rounds, roundTime));
                adams.ForEach(s => s.ComputeGradients());
                lines.Add(Compare(measurements, "Adam update", network, "", threads, adams.Select(s => (Action)s.OptimizerStep).ToArray(), new[] { "InPlaceAdam", "TorchSharp Adam" }, rounds, roundTime));
                adams.ForEach(s => s.Dispose());
            }
        }

        return lines;
    }

    internal static string Compare(List<Measurement> measurements, string benchmark, NetworkKind network, string batch, string threads, Action[] contenders, string[] names, int rounds, TimeSpan roundTime)
    {
        // Warm-up, and the number of calls that fills a round for each contender.
        var calls = contenders.Select(c =>
        {
            var warm = Stopwatch.StartNew();
            var n = 0;
            while (warm.Elapsed < TimeSpan.FromMilliseconds(500) || n < 3)
            {
                c();
                n++;
            }

            return Math.Max(1, (int)(n * roundTime.TotalMilliseconds / warm.Elapsed.TotalMilliseconds));
        }).ToArray();

        var samples = contenders.Select(_ => new List<double>()).ToArray();
        var cpuSamples = contenders.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < contenders.Length; k++)
            {
                var i = (round + k) % contenders.Length;
                var cpu = ProcessCpuMs();
                var stopwatch = Stopwatch.StartNew();
                for (var j = 0; j < calls[i]; j++)
                {
                    contenders[i]();
                }

                samples[i].Add(stopwatch.Elapsed.TotalMilliseconds / calls[i]);
                cpuSamples[i].Add((ProcessCpuMs() - cpu) / calls[i]);
            }
        }

        var medians = samples.Select(Median).ToArray();
        for (var i = 0; i < contenders.Length; i++)
        {
            measurements.Add(new Measurement(benchmark, network, batch, threads, names[i], medians[i], Median(cpuSamples[i])));
        }

        string RoundRatio(int a, int b) => Median(samples[a].Zip(samples[b], (x, y) => x / y)).ToString("F3", CultureInfo.InvariantCulture);
        string CpuRatio(int a, int b) => (Median(cpuSamples[a]) / Median(cpuSamples[b])).ToString("F3", CultureInfo.InvariantCulture);
        string Ms(double v) => v.ToString(v >= 10 ? "F2" : "F4", CultureInfo.InvariantCulture);
        var line = $"| {benchmark} | {network} | {batch} | {threads} | {names[0]} | {names[1]} | {(names.Length > 2 ? names[2] : "–")} | {Ms(medians[0])} | {Ms(medians[1])} | {(names.Length > 2 ? Ms(medians[2]) : "–")} | " +
            $"{(medians[0] / medians[1]).ToString("F3", CultureInfo.InvariantCulture)} | {RoundRatio(0, 1)} | {(names.Length > 2 ? RoundRatio(0, 2) : "–")} | {CpuRatio(0, 1)} | {(names.Length > 2 ? CpuRatio(0, 2) : "–")} | {Ms(Median(cpuSamples[0]))} | {Ms(Median(cpuSamples[1]))} | {(names.Length > 2 ? Ms(Median(cpuSamples[2])) : "–")} |";
        Console.WriteLine(line);
        return line;
    }

    /// <summary>
    /// CPU time of the whole process (all threads), in ms. Another process competing for the cores slows
    /// wall time but hardly changes the CPU time a step needs, so on a loaded machine this is the steadier figure.
    /// </summary>
    private static double ProcessCpuMs()
    {
        if (clock_gettime(ClockProcessCpuTime, out var t) != 0)
        {
            return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        }

        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }

    private const int ClockProcessCpuTime = 2;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out TimeSpec time);

    /// <summary>
    /// NetGen against PyTorch by process CPU time per call: the .NET figures from the interleaved rounds, the
    /// PyTorch figures from bench_pytorch.py run right after (CPU time is what a loaded machine distorts least).
    /// </summary>
    public static IEnumerable<string> PyTorchTable(IReadOnlyList<Measurement> measurements, IReadOnlyList<PyTorchRun> pytorch)
    {
        yield return "";
        yield return "NetGen against PyTorch, process CPU time per call (ms, median):";
        yield return "";
        yield return "| benchmark | network | batch | threads | NetGen module + TorchSharp Adam | NetGen module + InPlaceAdam |" + string.Concat(pytorch.Select(p => $" PyTorch {p.Torch} ({p.Label}) | NetGen / PyTorch ({p.Label}) |"));
        yield return "|---|---|---:|---|---:|---:|" + string.Concat(pytorch.Select(_ => "---:|---:|"));
        foreach (var m in measurements.Where(m => m.Contender == "NetGen"))
        {
            var inPlace = m.Benchmark == "training step"
                ? measurements.FirstOrDefault(x => x.Benchmark == m.Benchmark && x.Network == m.Network && x.Threads == m.Threads && x.Contender == "InPlaceAdam")
                : null;
            var kind = m.Benchmark == "training step" ? "Training" : "Inference";
            int? batch = m.Batch.Length > 0 ? int.Parse(m.Batch, CultureInfo.InvariantCulture) : null;
            yield return $"| {m.Benchmark} | {m.Network} | {m.Batch} | {m.Threads} | {F(m.CpuMs)} | {(inPlace is null ? "–" : F(inPlace.CpuMs))} |" + string.Concat(pytorch.Select(p =>
            {
                var t = p.Results.FirstOrDefault(r => r.Benchmark == kind && r.Network == m.Network.ToString() && r.Threads == m.Threads && r.Batch == batch)?.CpuMs;
                return t is { } v ? $" {F(v)} | {(m.CpuMs / v).ToString("F2", CultureInfo.InvariantCulture)} |" : " – | – |";
            }));
        }

        foreach (var m in measurements.Where(m => m.Benchmark == "Adam update"))
        {
            yield return $"| Adam update | {m.Network} | | {m.Threads} | {(m.Contender == "TorchSharp Adam" ? F(m.CpuMs) : "–")} | {(m.Contender == "InPlaceAdam" ? F(m.CpuMs) : "–")} |" + string.Concat(pytorch.Select(p =>
            {
                var t = p.Results.FirstOrDefault(r => r.Benchmark == "AdamUpdate" && r.Network == m.Network.ToString() && r.Threads == m.Threads)?.CpuMs;
                return t is { } v ? $" {F(v)} | {(m.CpuMs / v).ToString("F2", CultureInfo.InvariantCulture)} |" : " – | – |";
            }));
        }

        static string F(double v) => v.ToString(v >= 10 ? "F2" : "F4", CultureInfo.InvariantCulture);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
