using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NetGen.Benchmarks.Networks;
using NetGen.Benchmarks.Training;

namespace NetGen.Benchmarks.Memory;

/// <summary>
/// <c>--memory</c>: a long training loop of one network (the NetGen module) with one Adam, reporting the
/// resident set (VmRSS) after the first step, every tenth of the run, and at the end. A flat working set
/// means end ≈ start; TorchSharp's Adam on DeepNet is known to grow without bound.
/// </summary>
public static class MemoryRun
{
    public sealed record Result(NetworkKind Network, AdamKind Adam, string Threads, int Steps, double StartMb, double EndMb, double MaxMb, double Seconds, int Gen2Collections, bool Capped);

    /// <summary>
    /// Trains for <paramref name="steps"/> steps, or until the resident set passes <paramref name="capMb"/>: the
    /// machine is shared, and a loop that grows by gigabytes would take the others' memory with it.
    /// </summary>
    public static Result Run(NetworkKind network, AdamKind adam, string threads, int steps, double capMb)
    {
        Infrastructure.Threads.Apply(threads);
        using var session = new TrainingSession(network, Implementation.NetGen, adam);
        session.Step();
        var start = ResidentMb();
        var max = start;
        var every = Math.Max(1, steps / 10);
        var stopwatch = Stopwatch.StartNew();
        var gen2 = GC.CollectionCount(2);
        var done = 0;
        var capped = false;
        for (var i = 1; i <= steps && !capped; i++)
        {
            session.Step();
            done = i;
            if (i % 100 == 0 || i % every == 0)
            {
                var now = ResidentMb();
                max = Math.Max(max, now);
                capped = now > capMb;
                if (i % every == 0 || capped)
                {
                    Console.Error.WriteLine($"  {network} {adam} step {i,6}: RSS {now,8:F1} MB{(capped ? $" > cap {capMb:F0} MB, stopping" : "")}");
                }
            }
        }

        var end = ResidentMb();
        return new Result(network, adam, threads, done, start, end, Math.Max(max, end), stopwatch.Elapsed.TotalSeconds, GC.CollectionCount(2) - gen2, capped);
    }

    public static IEnumerable<string> Table(IEnumerable<Result> results) =>
        new[]
        {
            "| network | optimiser | threads | steps | RSS after step 1 (MB) | RSS at end (MB) | max (MB) | growth | time (s) | gen-2 GCs |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
        }.Concat(results.Select(r =>
            $"| {r.Network} | {r.Adam switch { AdamKind.InPlace => "NetGen InPlaceAdam", AdamKind.TorchSharp => "TorchSharp Adam", AdamKind.FinalizedScalars => "experiment: reused buffer, finalized scalars", _ => "experiment: disposed scalars, fresh temporaries" }} | {r.Threads} | {r.Steps:N0}{(r.Capped ? " (stopped at the RSS cap)" : "")} | {r.StartMb:F0} | {r.EndMb:F0} | {r.MaxMb:F0} | {r.EndMb / r.StartMb:F2}x | {r.Seconds:F0} | {r.Gen2Collections} |"));

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
}
