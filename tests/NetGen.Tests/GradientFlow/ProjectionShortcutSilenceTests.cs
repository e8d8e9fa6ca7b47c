using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.GradientFlow;
using NetGen.Generator.Parsing;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.GradientFlow;

/// <summary>
/// A residual connection with a projection shortcut has no signal-propagation term (the residual term models an
/// identity path): NG0001 stays silent on such a network instead of guessing, while the same stack with identity
/// residuals is predicted.
/// </summary>
public class ProjectionShortcutSilenceTests
{
    private const string Source = """
        using NetGen;
        namespace T;

        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        public partial class SigmoidPair;

        [Linear(32, 16), Sigmoid, Linear(16, 16), Sigmoid]
        public partial class NarrowingPair;

        [Linear(32, 16)]
        public partial class Projection;

        [Linear(32, 32), Sigmoid]
        [Residual(typeof(SigmoidPair), Repeat = 3)]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 10)]
        public partial class IdentityResiduals;

        [Linear(32, 32), Sigmoid]
        [Residual(typeof(NarrowingPair), Shortcut = typeof(Projection))]
        [Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid]
        [Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid]
        [Linear(16, 10)]
        public partial class ProjectedResidual;
        """;

    private static readonly Lazy<GeneratorRun> Run = new(() => GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, Source));

    private static GradientFlowPrediction? Predict(string name) =>
        LayerTerms.Predict(NetworkParser.Parse(Run.Value.Output.GetTypeByMetadataName("T." + name)!, default)!);

    [Fact]
    public void A_projection_shortcut_is_not_predicted_and_NG0001_stays_silent()
    {
        // Identity residuals around a sigmoid stack are predicted (and vanish: NG0001 fires); the projected one is not.
        Assert.NotNull(Predict("IdentityResiduals"));
        Assert.Null(Predict("ProjectedResidual"));
        var fired = Run.Value.AnalyzerDiagnostics
            .Where(d => d.Id == "NG0001")
            .Select(d => d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan).FirstAncestorOrSelf<ClassDeclarationSyntax>()!.Identifier.ValueText)
            .ToArray();
        Assert.Contains("IdentityResiduals", fired);
        Assert.DoesNotContain("ProjectedResidual", fired);
        Assert.DoesNotContain(Run.Value.AnalyzerDiagnostics, d => d.Id == "AD0001" || d.Id.StartsWith("NG01", StringComparison.Ordinal));
    }
}
