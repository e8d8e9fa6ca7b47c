using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;

namespace NetGen.Benchmarks.Generator;

/// <summary>
/// <c>generator-cold N [--generator-dll PATH]</c>: the generator's cost in a fresh process, as a compiler that
/// does not stay resident (<c>UseSharedCompilation=false</c>, CI) pays it. Parses N network files, makes the
/// compilation, and runs the generator once (cold: its code and the compiler's paths through it are JIT-compiled
/// on the way, the referenced assemblies' symbols are built), then 5 more times on fresh compilations (warm).
/// It prints wall time and the CPU time of the thread that ran the generator (the driver runs generators on
/// the calling thread), so another process competing for the cores hardly changes the figure. One line of
/// tab-separated numbers, for scripts: N, cold wall ms, cold CPU ms, warm wall ms (median), warm CPU ms (median),
/// from one more run with step tracking, the ms of reading files into models and of emitting the sources, and the
/// MB the generator thread allocated in the cold run and in a warm run (median): allocation is what the cold
/// process pays most for (collections and fresh pages), and unlike time it does not depend on the machine's load.
/// </summary>
public static class GeneratorCold
{
    public const string Command = "generator-cold";

    /// <summary>Runs the generator on <paramref name="n"/> network classes (the validated options of the <c>generator-cold</c> command).</summary>
    public static int Run(int n)
    {
        var trees = NetworkSources.Trees(n);
        var cold = Once(trees);
        var warm = Enumerable.Range(0, 5).Select(_ => Once(trees)).ToList();
        static double Median(System.Collections.Generic.IEnumerable<double> v) => v.OrderBy(x => x).ElementAt(2);
        var (read, emit) = Split(trees);
        Console.WriteLine(string.Join('\t', n, F(cold.Wall), F(cold.Cpu), F(Median(warm.Select(w => w.Wall))), F(Median(warm.Select(w => w.Cpu))), F(read), F(emit),
            F(cold.AllocatedMb), F(Median(warm.Select(w => w.AllocatedMb)))));
        return 0;

        static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
    }

    private static (double Wall, double Cpu, double AllocatedMb) Once(Microsoft.CodeAnalysis.SyntaxTree[] trees)
    {
        var compilation = NetworkSources.Compilation(trees);
        var driver = NetworkSources.Driver();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = ThreadCpuMs();
        var stopwatch = Stopwatch.StartNew();
        driver = driver.RunGenerators(compilation);
        var wall = stopwatch.Elapsed.TotalMilliseconds;
        cpu = ThreadCpuMs() - cpu;
        var allocatedMb = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 1e6;
        var generated = driver.GetRunResult().GeneratedTrees.Length;
        if (generated != trees.Length - 1)
        {
            throw new InvalidOperationException($"expected {trees.Length - 1} generated files, got {generated}");
        }

        return (wall, cpu, allocatedMb);
    }

    /// <summary>
    /// Where a warm run's time goes, by the driver's step clocks (one more run with step tracking, which adds
    /// its own overhead): reading the declarations into models (the "NetGen.Read" step; "NetGen.File" in generator
    /// builds that read per file; 0 for a build with neither) and the source outputs (emitting the code and adding it to
    /// the compilation).
    /// </summary>
    private static (double Read, double Emit) Split(Microsoft.CodeAnalysis.SyntaxTree[] trees)
    {
        var result = NetworkSources.Driver(trackSteps: true).RunGenerators(NetworkSources.Compilation(trees)).GetRunResult().Results.Single();
        var read = new[] { "NetGen.Read", "NetGen.File" }
            .Select(name => result.TrackedSteps.TryGetValue(name, out var steps) ? steps.Sum(s => s.ElapsedTime.TotalMilliseconds) : 0)
            .FirstOrDefault(ms => ms > 0);
        var emit = result.TrackedOutputSteps.Values.SelectMany(s => s).Sum(s => s.ElapsedTime.TotalMilliseconds);
        return (read, emit);
    }

    private static double ThreadCpuMs() =>
        clock_gettime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
