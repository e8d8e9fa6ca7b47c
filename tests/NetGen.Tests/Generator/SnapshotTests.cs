using System.Linq;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Generator;

public class SnapshotTests
{
    private static readonly GeneratorRun SeedRun = GeneratorHarness.Run(SourceFiles.Read("Networks/SeedNetworks.cs"));

    [Theory]
    [InlineData("NetGen.Tests.Networks.SimpleNet.g.cs", "SimpleNet")]
    [InlineData("NetGen.Tests.Networks.DeepNet.g.cs", "DeepNet")]
    public void Generated_source_matches_the_golden_file(string hintName, string snapshot)
    {
        var source = SeedRun.GeneratedSources.Single(s => s.HintName == hintName);
        GoldenFile.Verify(source.Text, snapshot);
    }

    [Fact]
    public void A_network_using_every_layer_kind_matches_the_golden_file()
    {
        var run = GeneratorHarness.Run(SourceFiles.Read("Catalog/CatalogNetworks.cs"));
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.Empty(run.CompilerDiagnostics.Select(d => d.ToString()));
        GoldenFile.Verify(run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Catalog.EveryLayerNet.g.cs").Text, "EveryLayerNet");
        GoldenFile.Verify(run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Catalog.EverySequenceLayerNet.g.cs").Text, "EverySequenceLayerNet");
        GoldenFile.Verify(run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Catalog.EveryTextLayerNet.g.cs").Text, "EveryTextLayerNet");
        GoldenFile.Verify(run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Catalog.L1VolumeNet.g.cs").Text, "L1VolumeNet");
        GoldenFile.Verify(run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Catalog.L1ConvTransposeNet.g.cs").Text, "L1ConvTransposeNet");
        GoldenFile.Verify(run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Catalog.L3DepthwiseNet.g.cs").Text, "L3DepthwiseNet");
    }

    [Fact]
    public void Seed_networks_generate_one_file_each_and_compile_without_any_warning()
    {
        Assert.Empty(SeedRun.GeneratorDiagnostics);
        Assert.Empty(SeedRun.AnalyzerDiagnostics);
        Assert.Equal(2, SeedRun.GeneratedSources.Count);
        Assert.Empty(SeedRun.CompilerDiagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Generated_code_compiles_with_every_warning_enabled()
    {
        // Warning level 9999 turns on every optional warning the compiler has (CS8xxx nullability,
        // wave warnings); the generated module must still compile clean.
        var run = GeneratorHarness.Run(SourceFiles.Read("Networks/SeedNetworks.cs"));
        var strict = run.Output.WithOptions(((Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions)run.Output.Options).WithWarningLevel(9999));
        var warnings = strict.GetDiagnostics()
            .Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
        Assert.Empty(warnings);
    }
}
