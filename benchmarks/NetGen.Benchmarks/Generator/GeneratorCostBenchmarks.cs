using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator.Analyzers;

namespace NetGen.Benchmarks.Generator;

/// <summary>
/// Compile-time cost of NetGen for 1, 100 and 1,000 network classes, in process with the real compiler:
/// a full generator run on a fresh compilation (what a clean build pays), the declaration analyzer on a
/// fresh compilation, and the incremental re-run after an edit to an unrelated file and to one network
/// (what typing in the IDE pays). Every full run starts from a fresh compilation, so no semantic cache from
/// an earlier iteration helps; an edit makes a new compilation from the previous (bound) one, as the IDE
/// does. Parsing is done once in setup (the compiler parses either way).
/// </summary>
[BenchmarkCategory("Generator")]
public class GeneratorCostBenchmarks
{
    private SyntaxTree[] _trees = null!;
    private GeneratorDriver _warmDriver = null!;
    private Compilation _baseCompilation = null!;
    private ImmutableArray<DiagnosticAnalyzer> _analyzers;

    [Params(1, 100, 1000)]
    public int Networks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _trees = NetworkSources.Trees(Networks);
        _baseCompilation = NetworkSources.Compilation(_trees);
        _warmDriver = NetworkSources.Driver().RunGenerators(_baseCompilation);
        _analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new NetworkDeclarationAnalyzer());
    }

    /// <summary>Compilation creation and declaration binding alone: the floor under the two below.</summary>
    [Benchmark(Baseline = true)]
    public int Compilation() => NetworkSources.Compilation(_trees).GetDeclarationDiagnostics().Length;

    [Benchmark]
    public int GeneratorFullRun()
    {
        var compilation = NetworkSources.Compilation(_trees);
        return NetworkSources.Driver().RunGenerators(compilation).GetRunResult().GeneratedTrees.Length;
    }

    [Benchmark]
    public int AnalyzerFullRun()
    {
        var compilation = NetworkSources.Compilation(_trees);
        return compilation.WithAnalyzers(_analyzers).GetAnalyzerDiagnosticsAsync(CancellationToken.None).Result.Length;
    }

    [Benchmark]
    public int GeneratorAfterUnrelatedEdit() =>
        _warmDriver.RunGenerators(NetworkSources.Edit(_baseCompilation, NetworkSources.UnrelatedFile, NetworkSources.Unrelated(1))).GetRunResult().GeneratedTrees.Length;

    [Benchmark]
    public int GeneratorAfterOneNetworkEdit() =>
        _warmDriver.RunGenerators(NetworkSources.Edit(_baseCompilation, "Net0.cs", NetworkSources.Network(0, sizeOffset: 1))).GetRunResult().GeneratedTrees.Length;
}
