using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator.Analyzers;

namespace NetGen.Benchmarks.Generator;

/// <summary>
/// <c>--generator-report</c>: the numbers BenchmarkDotNet does not give. Roslyn's own clocks for the
/// generator (<c>GeneratorDriver.GetTimingInfo</c>) and the analyzer (analyzer telemetry with
/// <c>logAnalyzerExecutionTime</c>), the first (cold, JIT included) run in the process, and the
/// incremental counts: how many network models are regenerated after an unrelated edit and after an edit
/// to one network.
/// </summary>
public static class GeneratorReport
{
    public static IReadOnlyList<string> Run(int[] sizes, int repetitions)
    {
        var lines = new List<string>
        {
            "| networks | generator, first run in process (ms) | generator, median (ms) | per network (ms) | generator CPU time per network (ms) | analyzer, median (ms) | per network (ms) | regenerated after unrelated edit | regenerated after one network's edit |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        var analyzer = new NetworkDeclarationAnalyzer();
        // The first run of each size is reported as is ("first run"; for the first size it includes JIT of
        // the generator and of Roslyn). The medians come after a warm-up on the largest size, so tiered JIT
        // compiling in the background does not land in the small sizes' figures.
        var treesBySize = sizes.ToDictionary(n => n, NetworkSources.Trees);
        var firstRuns = sizes.ToDictionary(n => n, n => GeneratorTime(treesBySize[n]).Wall);
        for (var i = 0; i < 3; i++)
        {
            GeneratorTime(treesBySize[sizes.Max()]);
            AnalyzerTime(treesBySize[sizes.Max()], analyzer);
        }

        foreach (var n in sizes)
        {
            var trees = treesBySize[n];
            var cold = firstRuns[n];
            var runs = Enumerable.Range(0, repetitions).Select(_ => GeneratorTime(trees)).ToList();
            var generator = Median(runs.Select(r => r.Wall));
            var cpu = Median(runs.Select(r => r.Cpu));
            var analyzerTime = Median(Enumerable.Range(0, repetitions).Select(_ => AnalyzerTime(trees, analyzer)));
            var (unrelated, oneNetwork, total) = Incremental(trees);
            if (total != n)
            {
                throw new InvalidOperationException($"expected {n} network models, the generator produced {total}");
            }

            lines.Add($"| {n:N0} | {cold:F1} | {generator:F1} | {generator / n:F3} | {cpu / n:F3} | {analyzerTime:F1} | {analyzerTime / n:F3} | {unrelated} of {n} | {oneNetwork} of {n} |");
            Console.WriteLine(lines[^1]);
        }

        return lines;
    }

    private static (double Wall, double Cpu) GeneratorTime(SyntaxTree[] trees)
    {
        var compilation = NetworkSources.Compilation(trees);
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var driver = NetworkSources.Driver().RunGenerators(compilation);
        stopwatch.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
        var timing = driver.GetTimingInfo();
        // Roslyn's clock covers the generator alone; the stopwatch also covers driver setup. Report Roslyn's,
        // and fall back to the stopwatch if this Roslyn reports nothing. CPU time (all threads of the process)
        // is the figure a loaded machine distorts least.
        return (timing.ElapsedTime > TimeSpan.Zero ? timing.ElapsedTime.TotalMilliseconds : stopwatch.Elapsed.TotalMilliseconds, cpu);
    }

    private static double AnalyzerTime(SyntaxTree[] trees, DiagnosticAnalyzer analyzer)
    {
        var compilation = NetworkSources.Compilation(trees);
        var withAnalyzers = new CompilationWithAnalyzers(
            compilation,
            ImmutableArray.Create(analyzer),
            new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: null,
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: true));
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).Result;
        if (diagnostics.Length != 0)
        {
            throw new InvalidOperationException($"the benchmark networks should be valid, the analyzer reported {diagnostics[0]}");
        }

        return withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).Result.ExecutionTime.TotalMilliseconds;
    }

    private static (int Unrelated, int OneNetwork, int Total) Incremental(SyntaxTree[] trees)
    {
        var compilation = NetworkSources.Compilation(trees);
        var driver = NetworkSources.Driver(trackSteps: true).RunGenerators(compilation);
        var (total, _) = NetworkSources.CountSteps(driver);

        var unrelated = NetworkSources.Edit(compilation, NetworkSources.UnrelatedFile, NetworkSources.Unrelated(1));
        driver = driver.RunGenerators(unrelated);
        var (afterUnrelated, _) = NetworkSources.CountSteps(driver);

        var oneNetwork = NetworkSources.Edit(unrelated, "Net0.cs", NetworkSources.Network(0, sizeOffset: 1));
        driver = driver.RunGenerators(oneNetwork);
        var (afterNetwork, _) = NetworkSources.CountSteps(driver);
        return (afterUnrelated, afterNetwork, total);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
