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
/// Layers without a signal-propagation term, so NG0001 stays silent on networks using them instead of guessing: parallel
/// branches, attention and transformer encoder layers, transposed convolutions, upsampling, 3-D convolutions, 1-D
/// pooling, and pooling in ceil mode or without the padding in the divisor. A residual connection with a projection shortcut, embeddings and mean pooling have one (calibrated in
/// Calibration/ArchitectureCalibrationNetworks.cs).
/// </summary>
public class UnpredictedLayerTests
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

        [Linear(32, 32), Sigmoid, Branches(typeof(SigmoidPair), typeof(SigmoidPair)), Linear(64, 10)]
        public partial class Branched;

        [Input(6), Embedding(20, 8), PositionalEmbedding, TransformerEncoderLayer(2, 16), MultiheadAttention(2), MeanPool, Linear(3)]
        public partial class Text;

        [Input(2, 16), ConvTranspose1d(2, 3, padding: 1), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class Transposed;

        [Input(2, 8), Upsample(2), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class Upsampled;

        [Input(2, 2, 2, 2), Conv3d(4, 3, padding: 1), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class Volume;

        [Input(2, 64), MaxPool1d(2), AvgPool1d(3, stride: 1, padding: 1), AdaptiveAvgPool1d(16), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class Pooled1d;

        [Input(2, 4, 4), Conv2d(2, 3, padding: 1), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class PlainConv;

        [Input(2, 4, 4), Conv2d(2, 3, padding: 1, Groups = 2), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class Grouped;

        [Input(2, 16), Conv1d(2, 3, padding: 2, Dilation = 2), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class Dilated;

        [Input(2, 9, 9), MaxPool2d(2, CeilMode = true), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class CeilPooled;

        [Input(2, 8, 8), AvgPool2d(3, stride: 2, padding: 1, CountIncludePad = false), Flatten, Linear(32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
        [Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 10)]
        public partial class UncountedPadding;
        """;

    private static readonly Lazy<GeneratorRun> Run = new(() => GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, Source));

    private static GradientFlowPrediction? Predict(string name) =>
        LayerTerms.Predict(NetworkParser.Parse(Run.Value.Output.GetTypeByMetadataName("T." + name)!, default)!);

    [Fact]
    public void Branches_and_text_layers_are_not_predicted_and_NG0001_stays_silent()
    {
        // Residuals around a sigmoid stack, with the identity or a projection shortcut, are predicted (and vanish: NG0001 fires).
        Assert.NotNull(Predict("IdentityResiduals"));
        Assert.NotNull(Predict("ProjectedResidual"));
        Assert.Null(Predict("Branched"));
        Assert.Null(Predict("Text"));
        var fired = Run.Value.AnalyzerDiagnostics
            .Where(d => d.Id == "NG0001")
            .Select(d => d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan).FirstAncestorOrSelf<ClassDeclarationSyntax>()!.Identifier.ValueText)
            .ToArray();
        Assert.Contains("IdentityResiduals", fired);
        Assert.Contains("ProjectedResidual", fired);
        Assert.DoesNotContain("Branched", fired);

        // Nor are transposed convolutions, upsampling, 3-D convolutions or 1-D pooling, in front of the same vanishing stack.
        foreach (var name in new[] { "Transposed", "Upsampled", "Volume", "Pooled1d" })
        {
            Assert.Null(Predict(name));
            Assert.DoesNotContain(name, fired);
        }
        Assert.DoesNotContain(Run.Value.AnalyzerDiagnostics, d => d.Id == "AD0001" || d.Id.StartsWith("NG01", StringComparison.Ordinal));
    }

    [Fact]
    public void Pooling_in_ceil_mode_or_without_counted_padding_is_not_predicted_but_grouped_and_dilated_convolutions_are()
    {
        var fired = Run.Value.AnalyzerDiagnostics
            .Where(d => d.Id == "NG0001")
            .Select(d => d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan).FirstAncestorOrSelf<ClassDeclarationSyntax>()!.Identifier.ValueText)
            .ToArray();

        // The same vanishing stack behind a plain, a grouped or a dilated convolution is predicted and warned about
        // (the grouped and dilated terms are calibrated in Calibration/GroupedCalibrationNetworks.cs).
        foreach (var name in new[] { "PlainConv", "Grouped", "Dilated" })
        {
            Assert.NotNull(Predict(name));
            Assert.Contains(name, fired);
        }

        foreach (var name in new[] { "CeilPooled", "UncountedPadding" })
        {
            Assert.Null(Predict(name));
            Assert.DoesNotContain(name, fired);
        }
    }
}
