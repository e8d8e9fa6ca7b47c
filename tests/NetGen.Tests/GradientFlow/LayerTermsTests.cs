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
/// What the predictor reads from declarations (LayerTerms), through the real parser, and what NG0001 then says.
/// The numbers these terms give are checked against TorchSharp in the calibration suite; here: which declarations are
/// predicted, how initialisation and blocks enter, and the message for a block.
/// </summary>
public class LayerTermsTests
{
    private const string Source = """
        using NetGen;
        namespace T;

        [Linear(64, 64), Sigmoid]
        [Linear(64, 64), Sigmoid]
        public partial class SigmoidPair;

        [Linear(64, 64), Sigmoid]
        [Block(typeof(SigmoidPair))]
        [Block(typeof(SigmoidPair))]
        [Block(typeof(SigmoidPair))]
        [Linear(64, 10)]
        public partial class SigmoidBlocks;

        [Linear(64, 64), Sigmoid]
        [Linear(64, 64), Sigmoid, Linear(64, 64), Sigmoid, Linear(64, 64), Sigmoid, Linear(64, 64), Sigmoid, Linear(64, 64), Sigmoid, Linear(64, 64), Sigmoid]
        [Linear(64, 10)]
        public partial class SigmoidStack;

        [Linear(64, 64), ReLU]
        [Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU]
        [Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU]
        [Linear(64, 10)]
        public partial class ReluStack;

        [Linear(64, 64), ReLU]
        [Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU]
        [Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 64), ReLU]
        [Linear(64, 10)]
        [KaimingInit]
        public partial class ReluStackKaiming;

        [Linear(64, 64), LeakyReLU]
        [Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU]
        [Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU, Linear(64, 64), LeakyReLU]
        [Linear(64, 10)]
        public partial class LeakyStack;

        [Linear(64, 64), ReLU]
        [Linear(64, 10), Softmax]
        public partial class WithSoftmax;

        [Linear(64, 64), ReLU]
        [Linear(64, 10), LogSoftmax]
        public partial class WithLogSoftmax;

        [Linear(64, 64), ReLU]
        [Linear(64, 64), LogSoftmax]
        [Linear(64, 10)]
        public partial class WithInnerLogSoftmax;
        """;

    private static readonly Lazy<GeneratorRun> Run = new(() => GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, Source));

    private static ParsedNetwork Parse(string name) =>
        NetworkParser.Parse(Run.Value.Output.GetTypeByMetadataName("T." + name)!, default)!;

    private static GradientFlowPrediction? Predict(string name) => LayerTerms.Predict(Parse(name));

    [Fact]
    public void A_block_is_inlined_and_its_layers_report_the_blocks_index()
    {
        // Linear, Sigmoid and three blocks of (Linear, Sigmoid) ×2, then Linear: the same steps as the 7-deep stack.
        var blocks = Predict("SigmoidBlocks")!;
        var stack = Predict("SigmoidStack")!;
        Assert.Equal(8, blocks.Layers.Count);
        Assert.Equal(stack.FirstToLastRatio, blocks.FirstToLastRatio, 12);
        Assert.Equal(new[] { 0, 2, 2, 3, 3, 4, 4, 5 }, blocks.Layers.Select(l => l.Source).ToArray());
    }

    [Fact]
    public void Declared_Kaiming_initialisation_turns_a_vanishing_ReLU_stack_into_a_healthy_one()
    {
        // 12 ReLU layers at PyTorch's default initialisation lose about 0.4 per layer; with Kaiming they keep the norm.
        Assert.InRange(Predict("ReluStack")!.FirstToLastRatio, 1e-4, 1e-3);
        Assert.InRange(Predict("ReluStackKaiming")!.FirstToLastRatio, 0.1, 1.5);
        Assert.All(Parse("ReluStackKaiming").Layers.Where(l => l.Definition.AttributeName == "Linear"), l => Assert.Equal("KaimingUniform", l.Init!.Scheme));
    }

    [Fact]
    public void Softmax_is_not_predicted_and_a_last_LogSoftmax_changes_nothing()
    {
        Assert.Null(Predict("WithSoftmax"));
        Assert.Null(Predict("WithInnerLogSoftmax"));
        var logSoftmax = Predict("WithLogSoftmax")!;
        Assert.Equal(2, logSoftmax.Layers.Count);
        Assert.InRange(logSoftmax.FirstToLastRatio, 0.1, 10);
    }

    [Fact]
    public void NG0001_fires_on_LeakyReLU_and_describes_a_block_by_its_own_layers()
    {
        var fired = Run.Value.AnalyzerDiagnostics
            .Where(d => d.Id == "NG0001")
            .ToDictionary(d => d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan).FirstAncestorOrSelf<ClassDeclarationSyntax>()!.Identifier.ValueText);
        Assert.DoesNotContain(Run.Value.AnalyzerDiagnostics, d => d.Id == "AD0001");
        Assert.Equal(new[] { "LeakyStack", "ReluStack", "SigmoidBlocks", "SigmoidStack" }, fired.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        Assert.StartsWith("12 stacked LeakyReLU layers: ", fired["LeakyStack"].GetMessage(), StringComparison.Ordinal);
        Assert.Contains("LeakyReLU scales the gradient of every negative input by 0.01", fired["LeakyStack"].GetMessage(), StringComparison.Ordinal);
        Assert.StartsWith("7 stacked Sigmoid layers: ", fired["SigmoidBlocks"].GetMessage(), StringComparison.Ordinal);
        Assert.StartsWith("7 stacked Sigmoid layers: ", fired["SigmoidStack"].GetMessage(), StringComparison.Ordinal);
    }
}
