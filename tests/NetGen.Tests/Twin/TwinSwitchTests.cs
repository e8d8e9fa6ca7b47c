using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Twin;

/// <summary>
/// The <c>NetGenPyTorchTwin</c> build property (seen by the generator as <c>build_property.NetGenPyTorchTwin</c>, through
/// <c>CompilerVisibleProperty</c>): absent or true writes <c>PyTorchSource</c>, false writes the same class without it.
/// </summary>
public class TwinSwitchTests
{
    private const string Network = """
        using NetGen;
        namespace Tests;
        [Linear(4, 8), ReLU, BatchNorm]
        [Linear(8, 2)]
        [ClipGradNorm(1.0)]
        public partial class Switched;
        """;

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("false", false)]
    [InlineData(" FALSE ", false)]
    public void The_build_property_decides_whether_PyTorchSource_is_written(string? value, bool expected)
    {
        var (source, compilation) = Generate(value);

        Assert.Equal(expected, source.Contains("public static string PyTorchSource", System.StringComparison.Ordinal));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Without_the_twin_the_class_is_the_same_less_the_property()
    {
        var on = Generate(null).Source.Split('\n');
        var off = Generate("false").Source.Split('\n');

        // Every line written without the twin is written with it, in the same order; the lines only the twin build has
        // are the property and its documentation (the twin's Python text is one verbatim string over many lines).
        var extra = new List<string>();
        var j = 0;
        foreach (var line in on)
        {
            if (j < off.Length && line == off[j])
            {
                j++;
            }
            else
            {
                extra.Add(line);
            }
        }

        Assert.Equal(off.Length, j);
        Assert.Contains(extra, l => l.Contains("public static string PyTorchSource", System.StringComparison.Ordinal));
        Assert.Equal(5, extra.Count(l => l.TrimStart().StartsWith("///", System.StringComparison.Ordinal)));
        Assert.True(on.Length - off.Length > 40, $"the twin should be the Python module's lines, got {on.Length - off.Length}");
    }

    private static (string Source, Compilation Compilation) Generate(string? twin)
    {
        var options = new Dictionary<string, string>();
        if (twin is not null)
        {
            options[Targets.PyTorchTwinProperty] = twin;
        }

        GeneratorDriver driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: GeneratorHarness.ParseOptions,
            optionsProvider: new GlobalOptionsProvider(options));
        driver = driver.RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compile(Network), out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        return (driver.GetRunResult().GeneratedTrees.Single().ToString(), output);
    }

    private sealed class GlobalOptionsProvider(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;
    }

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys.ToImmutableArray();
    }
}
