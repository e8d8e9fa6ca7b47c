using System.Linq;
using NetGen.GradientLab;
using NetGen.GradientLab.Analysis;
using Xunit;

namespace NetGen.Tests.GradientLab;

/// <summary>The lab runs NetGen's own analyzers on network source at run time and attributes each diagnostic to its class.</summary>
[Collection(GradientLabCollection.Name)]
public sealed class CompileTimeDiagnosticsTests(LabRunFixture fixture)
{
    [Fact]
    public void The_embedded_Variants_source_declares_every_variant()
    {
        var source = CompileTimeDiagnostics.VariantsSource();
        Assert.All(LabVariant.All.SelectMany(v => v.DeclaredClasses).Distinct(), name => Assert.Contains($"partial class {name};", source, System.StringComparison.Ordinal));
    }

    [Fact]
    public void The_variants_have_no_declaration_errors()
    {
        // Whatever gradient-risk warnings the analyzers give, no NG01xx error: every variant builds.
        Assert.DoesNotContain(fixture.Parallel.Diagnostics, d => d.Id.StartsWith("NG01", System.StringComparison.Ordinal));
    }

    [Fact]
    public void A_diagnostic_is_found_by_the_real_analyzer_and_attributed_to_its_class()
    {
        const string source = """
            using NetGen;
            namespace Sample;

            [Linear(2, 4), ReLU]
            public partial class Fine;

            [Linear(2, 4), ReLU]
            [Linear(5, 3)]
            public partial class Mismatched;
            """;

        var diagnostics = CompileTimeDiagnostics.Analyze(source);

        var mismatch = Assert.Single(diagnostics, d => d.Id == "NG0101");
        Assert.Equal("Mismatched", mismatch.NetworkClass);
        Assert.Equal(8, mismatch.Line);
        Assert.Equal("Error", mismatch.Severity);
        Assert.Contains("5", mismatch.Message, System.StringComparison.Ordinal);
        Assert.DoesNotContain(diagnostics, d => d.NetworkClass == "Fine" && d.Severity == "Error");
    }

    [Fact]
    public void A_class_that_is_not_partial_is_reported_at_its_own_name()
    {
        var diagnostics = CompileTimeDiagnostics.Analyze("""
            using NetGen;
            [Linear(2, 4)]
            public class NotPartial { }
            """);

        var diagnostic = Assert.Single(diagnostics, d => d.Id == "NG0102");
        Assert.Equal("NotPartial", diagnostic.NetworkClass);
        Assert.Equal(3, diagnostic.Line);
    }
}
