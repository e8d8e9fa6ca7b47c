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
/// NG0001's terms for GroupNorm, InstanceNorm, Dropout2d, Identity, Unflatten, Reshape and Transpose, and its silences:
/// shape-only layers change no prediction; channel dropout is predicted as dropout; InstanceNorm and GroupNorm with one
/// channel per group as BatchNorm's per-channel step, GroupNorm with one group as LayerNorm's; GroupNorm with several
/// channels per group and bidirectional recurrent layers are declined, so NG0001 stays silent on them.
/// </summary>
public class ReshapeAndNormTermTests
{
    private const string SigmoidStack = "[Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]";

    private const string Conv = "[Input(3, 8, 8), Conv2d(8, 3, padding: 1), Sigmoid, {0}, Conv2d(8, 3, padding: 1), Sigmoid, {0}, Conv2d(8, 3, padding: 1), Sigmoid, Flatten, Linear(10)]";

    private static readonly string Source = $$"""
        using NetGen;
        namespace T;

        {{SigmoidStack}}
        {{SigmoidStack}}
        [Linear(32, 10)]
        public partial class Plain;

        {{SigmoidStack}}
        [Identity, Unflatten(1, 4, 8), Transpose(1, 2), Reshape(32)]
        {{SigmoidStack}}
        [Linear(32, 10)]
        public partial class Reshaped;

        {{string.Format(Conv, "Dropout(0.3)")}}
        public partial class ConvDropout;

        {{string.Format(Conv, "Dropout2d(0.3)")}}
        public partial class ConvDropout2d;

        {{string.Format(Conv, "BatchNorm")}}
        public partial class ConvBatchNorm;

        {{string.Format(Conv, "InstanceNorm2d")}}
        public partial class ConvInstanceNorm;

        {{string.Format(Conv, "GroupNorm(8)")}}
        public partial class ConvGroupNormPerChannel;

        {{string.Format(Conv, "GroupNorm(1)")}}
        public partial class ConvGroupNormOneGroup;

        {{string.Format(Conv, "LayerNorm")}}
        public partial class ConvLayerNorm;

        {{string.Format(Conv, "GroupNorm(2)")}}
        public partial class ConvGroupNormGrouped;

        [Input(200, 8), RNN(32), LastStep, Linear(10), ClipGradNorm(1.0)]
        public partial class ForwardRnn;

        [Input(200, 8), RNN(32, Bidirectional = true), LastStep, Linear(10), ClipGradNorm(1.0)]
        public partial class BidirectionalRnn;
        """;

    private static readonly Lazy<GeneratorRun> Run = new(() => GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, Source));

    private static ParsedNetwork Parse(string name) => NetworkParser.Parse(Run.Value.Output.GetTypeByMetadataName("T." + name)!, default)!;

    private static double[] Scales(string name) =>
        (LayerTerms.Predict(Parse(name)) ?? throw new InvalidOperationException(name + " is not predicted")).Layers.Select(l => l.LogNormSquared).ToArray();

    [Fact]
    public void Shape_only_layers_leave_the_prediction_unchanged()
    {
        var plain = Scales("Plain");
        var reshaped = Scales("Reshaped");
        Assert.Equal(11, plain.Length);
        Assert.Equal(plain, reshaped);
    }

    [Fact]
    public void Channel_dropout_is_predicted_as_dropout()
    {
        Assert.Equal(Scales("ConvDropout"), Scales("ConvDropout2d"));
    }

    [Fact]
    public void InstanceNorm_and_per_channel_GroupNorm_take_BatchNorms_step_and_one_group_takes_LayerNorms()
    {
        var batchNorm = Scales("ConvBatchNorm");
        Assert.Equal(batchNorm, Scales("ConvInstanceNorm"));
        Assert.Equal(batchNorm, Scales("ConvGroupNormPerChannel"));
        Assert.Equal(Scales("ConvLayerNorm"), Scales("ConvGroupNormOneGroup"));
        Assert.NotEqual(batchNorm, Scales("ConvDropout"));
    }

    [Fact]
    public void Grouped_GroupNorm_and_bidirectional_recurrent_layers_are_declined_and_NG0001_stays_silent()
    {
        Assert.Null(LayerTerms.Predict(Parse("ConvGroupNormGrouped")));
        Assert.NotNull(RecurrentFlow.Predict(Parse("ForwardRnn")));
        Assert.Null(RecurrentFlow.Predict(Parse("BidirectionalRnn")));

        var fired = Run.Value.AnalyzerDiagnostics
            .Where(d => d.Id == "NG0001")
            .Select(d => d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan).FirstAncestorOrSelf<ClassDeclarationSyntax>()!.Identifier.ValueText)
            .ToArray();
        Assert.Contains("ForwardRnn", fired);
        Assert.Contains("Plain", fired);
        Assert.Contains("Reshaped", fired);
        Assert.DoesNotContain("BidirectionalRnn", fired);
        Assert.DoesNotContain("ConvGroupNormGrouped", fired);
        Assert.DoesNotContain(Run.Value.AnalyzerDiagnostics, d => d.Id == "AD0001" || d.Id.StartsWith("NG01", StringComparison.Ordinal));
    }
}
