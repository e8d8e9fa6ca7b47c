using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using NetGen.CodeFixes;
using NetGen.Generator.Analyzers;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Analyzers;

/// <summary>
/// NG0006–NG0010, the rules over dropout, initialisation, the declared loss and recurrent stacks: where each fires
/// (with its message's numbers), where it must not, its .editorconfig option, and its code fix with Fix All.
/// </summary>
public class DesignRuleTests
{
    private const string Header = "using NetGen;\nnamespace Tests;\n";

    private static DiagnosticResult Result(string id, DiagnosticSeverity severity) =>
        new DiagnosticResult(id, severity).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    private static Task Verify(string source, string? editorConfig = null, params DiagnosticResult[] expected) =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(Header + source + "\n", editorConfig, expected);

    // ---- NG0006: Dropout directly before BatchNorm ----

    [Fact]
    public Task NG0006_fires_at_a_Dropout_right_before_BatchNorm_with_the_variance_factor() =>
        Verify(
            "[Linear(4, 8, Bias = false), ReLU, {|#0:Dropout(0.2)|}, BatchNorm, Linear(8, 2)] public partial class Net;",
            null,
            Result("NG0006", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("dropout1 (Dropout)", "bn1 (BatchNorm)", "1.25"));

    [Fact]
    public Task NG0006_looks_through_an_activation_between_them() =>
        Verify(
            "[Linear(4, 8, Bias = false), {|#0:Dropout|}, ReLU, BatchNorm, Linear(8, 2)] public partial class Net;",
            null,
            Result("NG0006", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("dropout1 (Dropout)", "bn1 (BatchNorm)", "2"));

    [Fact]
    public Task NG0006_fires_at_channel_dropout_before_a_BatchNorm_over_feature_maps() =>
        Verify(
            "[Input(3, 8, 8), Conv2d(4, 3, Bias = false), {|#0:Dropout2d(0.5)|}, BatchNorm, ReLU, Flatten, Linear(2)] public partial class Net;",
            null,
            Result("NG0006", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("dropout1 (Dropout2d)", "bn1 (BatchNorm)", "2"));

    [Theory]
    [InlineData("[Linear(4, 8, Bias = false), BatchNorm, ReLU, Dropout(0.2), Linear(8, 2)]")]    // the recommended order
    [InlineData("[Linear(4, 8), ReLU, Dropout(0.2), Linear(8, 8, Bias = false), BatchNorm, ReLU, Linear(8, 2)]")]  // a weight layer between
    [InlineData("[Linear(4, 8), ReLU, Dropout(0.2), LayerNorm, Linear(8, 2)]")]   // LayerNorm keeps no running statistics
    [InlineData("[Linear(4, 8), ReLU, Dropout(0.0), BatchNorm, Linear(8, 2)]")]  // p = 0 changes nothing
    public Task NG0006_does_not_fire_where_no_running_statistics_see_dropout(string layers) =>
        Verify(layers + " public partial class Net;");

    [Fact]
    public Task NG0006_fix_swaps_Dropout_and_BatchNorm_in_every_network() =>
        CodeFixVerifier<GradientRiskAnalyzer, MoveDropoutAfterBatchNormCodeFix>.VerifyAsync(
            Header + """
            [Linear(4, 8, Bias = false), ReLU, {|NG0006:Dropout(0.2)|}, BatchNorm, Linear(8, 2)] public partial class A;
            [Linear(4, 8, Bias = false), ReLU]
            [{|NG0006:Dropout|}]
            [BatchNorm(Name = "norm")]
            [Linear(8, 2)]
            public partial class B;
            """,
            Header + """
            [Linear(4, 8, Bias = false), ReLU, BatchNorm, Dropout(0.2), Linear(8, 2)] public partial class A;
            [Linear(4, 8, Bias = false), ReLU]
            [BatchNorm(Name = "norm")]
            [Dropout]
            [Linear(8, 2)]
            public partial class B;
            """,
            MoveDropoutAfterBatchNormCodeFix.Key);

    // ---- NG0007: Dropout with p above 0.5 ----

    [Fact]
    public Task NG0007_fires_above_one_half_and_states_what_survives() =>
        Verify(
            "[Linear(4, 8), ReLU, {|#0:Dropout(0.8)|}, Linear(8, 8), ReLU, Dropout(0.5), Linear(8, 2)] public partial class Net;",
            null,
            Result("NG0007", DiagnosticSeverity.Info).WithLocation(0).WithArguments("dropout1 (Dropout)", "80%", "0.8", "0.5", "20%", "1/(1 − p) = 5"));

    [Fact]
    public Task NG0007_fires_for_channel_dropout_too() =>
        Verify(
            "[Input(3, 8, 8), Conv2d(4, 3), ReLU, {|#0:Dropout2d(0.75)|}, Flatten, Linear(2)] public partial class Net;",
            null,
            Result("NG0007", DiagnosticSeverity.Info).WithLocation(0).WithArguments("dropout1 (Dropout2d)", "75%", "0.75", "0.5", "25%", "1/(1 − p) = 4"));

    [Fact]
    public Task NG0007_limit_is_read_from_editorconfig() =>
        Verify(
            "[Linear(4, 8), ReLU, {|#0:Dropout(0.4)|}, Linear(8, 2)] public partial class Net;",
            "netgen.NG0007.max_p = 0.3",
            Result("NG0007", DiagnosticSeverity.Info).WithLocation(0).WithArguments("dropout1 (Dropout)", "40%", "0.4", "0.3", "60%", "1/(1 − p) = 1.67"));

    [Fact]
    public Task NG0007_invalid_limit_is_reported_and_the_default_applies() =>
        Verify(
            "[{|#0:Linear(4, 8)|}, ReLU, Dropout(0.4), Linear(8, 2)] public partial class Net;",
            "netgen.NG0007.max_p = 1.5",
            new DiagnosticResult("NG0099", DiagnosticSeverity.Warning).WithLocation(0)
                .WithArguments("netgen.NG0007.max_p", "1.5", "the limit must be a probability from 0 to below 1, such as 0.5", "0.5"));

    // ---- NG0008: initialisation that does not match the activation ----

    [Fact]
    public Task NG0008_fires_for_class_wide_Kaiming_before_Tanh_with_both_variances() =>
        Verify(
            """
            [KaimingInit]
            [{|#0:Linear(16, 32)|}, Tanh, {|#1:Linear(32, 32)|}, Tanh, Linear(32, 2)]
            public partial class Net;
            """,
            null,
            // gain² = 25/9: Xavier 2·gain²/(16 + 32) = 0.116, Kaiming gain²/16 = 0.174; then 0.087 both (a square layer).
            Result("NG0008", DiagnosticSeverity.Info).WithLocation(0).WithArguments(
                "fc1 (Linear)", "Kaiming uniform", " (from [KaimingInit] on the class)", "ReLU-family activations, which zero part of their input",
                "tanh1 (Tanh)", "Xavier", "1.2e-1", "1.7e-1", "XavierUniform"),
            Result("NG0008", DiagnosticSeverity.Info).WithLocation(1).WithArguments(
                "fc2 (Linear)", "Kaiming uniform", " (from [KaimingInit] on the class)", "ReLU-family activations, which zero part of their input",
                "tanh2 (Tanh)", "Xavier", "8.7e-2", "8.7e-2", "XavierUniform"));

    [Fact]
    public Task NG0008_uses_a_transposed_convolutions_own_fans() =>
        Verify(
            "[Input(4, 5, 5)] [{|#0:ConvTranspose2d(16, 3, Groups = 2, Init = Init.XavierNormal)|}, ReLU, Flatten, Linear(2)] public partial class Net;",
            null,
            // PyTorch's weight is [in, out / groups, 3, 3] = [4, 8, 3, 3]: fan_in = 8·9 = 72, fan_out = 4·9 = 36.
            // gain² = 2: Kaiming 2/72 = 0.028, Xavier 2·2/(72 + 36) = 0.037.
            Result("NG0008", DiagnosticSeverity.Info).WithLocation(0).WithArguments(
                "deconv1 (ConvTranspose2d)", "Xavier normal", "", "symmetric activations such as Tanh, which are linear around 0",
                "relu1 (ReLU)", "Kaiming", "2.8e-2", "3.7e-2", "KaimingNormal"));

    [Fact]
    public Task NG0008_fires_for_a_layers_own_Xavier_before_ReLU_through_BatchNorm() =>
        Verify(
            "[{|#0:Linear(64, 16, Init = Init.XavierNormal, Bias = false)|}, BatchNorm, ReLU, Linear(16, 2)] public partial class Net;",
            null,
            // gain² = 2: Kaiming 2/64 = 0.031, Xavier 2·2/(64 + 16) = 0.05.
            Result("NG0008", DiagnosticSeverity.Info).WithLocation(0).WithArguments(
                "fc1 (Linear)", "Xavier normal", "", "symmetric activations such as Tanh, which are linear around 0",
                "relu1 (ReLU)", "Kaiming", "3.1e-2", "5.0e-2", "KaimingNormal"));

    [Theory]
    [InlineData("[KaimingInit] [Linear(16, 32), ReLU, Linear(32, 2)]")]
    [InlineData("[XavierInit] [Linear(16, 32), Tanh, Linear(32, 32), Sigmoid, Linear(32, 2)]")]
    [InlineData("[Linear(16, 32), Sigmoid, Linear(32, 2)]")]                                   // PyTorch's default: no scheme declared
    [InlineData("[KaimingInit] [Linear(16, 32), GELU, Linear(32, 2)]")]                         // neither scheme is derived for GELU
    [InlineData("[XavierInit] [Linear(16, 32, Init = Init.KaimingUniform), ReLU, Linear(32, 2)]")] // the layer's own choice wins
    public Task NG0008_does_not_fire_where_the_scheme_fits(string declaration) =>
        Verify(declaration + " public partial class Net;");

    [Fact]
    public Task NG0008_fix_sets_the_matching_scheme_on_the_layer() =>
        CodeFixVerifier<GradientRiskAnalyzer, MatchInitializationCodeFix>.VerifyAsync(
            Header + """
            [KaimingInit(InitDistribution.Normal)]
            [{|NG0008:Linear(16, 32)|}, Sigmoid, {|NG0008:NetGen.Linear(32, 32, Init = NetGen.Init.KaimingUniform)|}, Tanh, Linear(32, 2)]
            public partial class Net;
            """,
            Header + """
            [KaimingInit(InitDistribution.Normal)]
            [Linear(16, 32, Init = Init.XavierNormal), Sigmoid, NetGen.Linear(32, 32, Init = NetGen.Init.XavierUniform), Tanh, Linear(32, 2)]
            public partial class Net;
            """,
            MatchInitializationCodeFix.Key);

    // ---- NG0009: the output layer does not fit the declared loss ----

    [Theory]
    [InlineData("Softmax", "CrossEntropy", "raw logits")]
    [InlineData("Sigmoid", "BinaryCrossEntropyWithLogits", "raw logits")]
    [InlineData("Tanh", "CrossEntropy", "raw logits")]
    [InlineData("LogSoftmax", "BinaryCrossEntropyWithLogits", "raw logits")]
    [InlineData("Softmax", "NegativeLogLikelihood", "log-probabilities (LogSoftmax)")]
    [InlineData("ReLU", "NegativeLogLikelihood", "log-probabilities (LogSoftmax)")]
    [InlineData("ReLU", "BinaryCrossEntropy", "probabilities in [0, 1] (Sigmoid)")]
    public async Task NG0009_fires_at_an_output_layer_the_lossLocationdoes_not_expect(string output, string loss, string expects)
    {
        var source = Header + $"[Linear(8, 3), {{|#0:{output}|}}]\n[Loss(LossFunction.{loss})]\npublic partial class Net;\n";
        await AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(source, null, Result("NG0009", DiagnosticSeverity.Warning).WithLocation(0));

        var diagnostic = Assert.Single(GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, source.Replace("{|#0:", string.Empty).Replace("|}", string.Empty)).AnalyzerDiagnostics);
        Assert.StartsWith($"{output.ToLowerInvariant()}1 ({output}) is the output layer, but [Loss(LossFunction.{loss})] expects {expects}: ", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        var lossLocation = diagnostic.AdditionalLocations.Single();
        Assert.Equal($"Loss(LossFunction.{loss})", lossLocation.SourceTree!.GetText().ToString(lossLocation.SourceSpan));
    }

    [Fact]
    public void NG0009_message_for_Softmax_before_cross_entropy_gives_the_probability_bound()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, Header + "[Linear(8, 3), Softmax, Loss(LossFunction.CrossEntropy)] public partial class Net;\n");
        var diagnostic = Assert.Single(run.AnalyzerDiagnostics);
        Assert.Equal(
            "softmax1 (Softmax) is the output layer, but [Loss(LossFunction.CrossEntropy)] expects raw logits: cross_entropy applies log_softmax itself, " +
            "so it reads the probabilities in [0, 1] as logits: with C classes the predicted probability of the right class can never exceed e/(e + C − 1), " +
            "the loss never approaches 0, and softmax's derivative (at most 0.25) shrinks the gradient a second time; " +
            "remove softmax1 (Softmax) and apply softmax only when you need probabilities at inference",
            diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal("docs/diagnostics/NG0009.md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Theory]
    [InlineData("[Linear(8, 3), Loss(LossFunction.CrossEntropy)]")]
    [InlineData("[Linear(8, 3), LogSoftmax, Loss(LossFunction.CrossEntropy)]")]   // log_softmax is idempotent: redundant, not wrong
    [InlineData("[Linear(8, 3), LogSoftmax, Loss(LossFunction.NegativeLogLikelihood)]")]
    [InlineData("[Linear(8, 1), Sigmoid, Loss(LossFunction.BinaryCrossEntropy)]")]
    [InlineData("[Linear(8, 3), Softmax, Loss(LossFunction.MeanSquaredError)]")]  // regressing onto a distribution
    [InlineData("[Linear(8, 3), Softmax]")]                                        // no loss declared: nothing to check against
    public Task NG0009_does_not_fire_when_the_output_fits_the_loss(string declaration) =>
        Verify(declaration + " public partial class Net;");

    [Fact]
    public Task NG0009_fix_removes_the_output_activation_a_logits_lossLocationapplies_itself() =>
        CodeFixVerifier<GradientRiskAnalyzer, OutputLossCodeFix>.VerifyAsync(
            Header + """
            [Linear(8, 3), {|NG0009:Softmax|}]
            [Loss(LossFunction.CrossEntropy)]
            public partial class A;

            [Linear(8, 1)]
            [{|NG0009:Sigmoid|}]
            [Loss(LossFunction.BinaryCrossEntropyWithLogits)]
            public partial class B;
            """,
            Header + """
            [Linear(8, 3)]
            [Loss(LossFunction.CrossEntropy)]
            public partial class A;

            [Linear(8, 1)]
            [Loss(LossFunction.BinaryCrossEntropyWithLogits)]
            public partial class B;
            """,
            OutputLossCodeFix.RemoveKey);

    [Fact]
    public Task NG0009_fix_turns_Softmax_into_LogSoftmax_for_nll_loss() =>
        CodeFixVerifier<GradientRiskAnalyzer, OutputLossCodeFix>.VerifyAsync(
            Header + "[Linear(8, 3), {|NG0009:Softmax(dim: 1)|}, Loss(LossFunction.NegativeLogLikelihood)]\npublic partial class C;\n",
            Header + "[Linear(8, 3), LogSoftmax(dim: 1), Loss(LossFunction.NegativeLogLikelihood)]\npublic partial class C;\n",
            OutputLossCodeFix.LogSoftmaxKey);

    // ---- NG0010: a deep recurrent stack without clipping ----

    [Fact]
    public Task NG0010_fires_at_the_recurrent_layer_that_makes_the_stack_deep_with_the_predicted_gradient_through_time() =>
        Verify(
            """
            [Input(10, 8), {|#0:LSTM(32, 2)|}, LastStep, Linear(32, 1)] public partial class A;
            [Input(5, 8), RNN(16), {|#1:RNN(16)|}, LastStep, Linear(16, 1)] public partial class B;
            """,
            null,
            new DiagnosticResult("NG0010", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("A", 2, "lstm1 (LSTM) × 2", " over 10 time steps", ", 20 of them here", PredictedText("5.7e-2", "0.73", "4.1e-1")),
            new DiagnosticResult("NG0010", DiagnosticSeverity.Warning).WithLocation(1).WithArguments("B", 2, "rnn1 (RNN), rnn2 (RNN)", " over 5 time steps", ", 10 of them here", PredictedText("1.5e-1", "0.62", "7.7e-1")));

    [Fact]
    public Task NG0010_counts_depth_where_nothing_is_predicted() =>
        Verify(
            "[Input(20, 8), RNN(16), {|#0:RNN(16)|}, Flatten, Linear(320, 1)] public partial class Net;",
            null,
            new DiagnosticResult("NG0010", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("Net", 2, "rnn1 (RNN), rnn2 (RNN)", " over 20 time steps", ", 40 of them here", ""));

    [Fact]
    public Task NG0010_leaves_a_stack_predicted_to_vanish_to_NG0001() =>
        Verify(
            "[Input(50, 8), {|#0:LSTM(32, 2)|}, LastStep, Linear(32, 1)] public partial class Net;",
            null,
            new DiagnosticResult("NG0001", DiagnosticSeverity.Warning).WithLocation(0));

    [Theory]
    [InlineData("[Input(10, 8), LSTM(32), LastStep, Linear(32, 1)]")]
    [InlineData("[Input(10, 8), LSTM(32, 3), LastStep, Linear(32, 1), ClipGradNorm(1.0)]")]
    [InlineData("[Input(10, 8), GRU(32), GRU(32), LastStep, Linear(32, 1), ClipGradValue(0.5)]")]
    public Task NG0010_does_not_fire_on_one_layer_or_with_clipping(string declaration) =>
        Verify(declaration + " public partial class Net;");

    [Fact]
    public Task NG0010_with_max_depth_0_asks_every_unclipped_recurrent_network_for_clipping_unless_NG0001_explains_it() =>
        Verify(
            "[Input(10, 8), {|#0:LSTM(32)|}, LastStep, Linear(32, 1)] public partial class Short;\n" +
            "[Input(50, 8), {|#1:LSTM(32)|}, LastStep, Linear(32, 1)] public partial class Long;",
            "netgen.NG0010.max_depth = 0",
            new DiagnosticResult("NG0010", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("Short", 1, "lstm1 (LSTM)", " over 10 time steps", ", 10 of them here", PredictedText("9.8e-3", "0.6")),
            new DiagnosticResult("NG0001", DiagnosticSeverity.Warning).WithLocation(1));

    [Fact]
    public Task NG0010_depth_is_read_from_editorconfig() =>
        Verify(
            "[Input(10, 8), GRU(32), {|#0:GRU(32, 2)|}, LastStep, Linear(32, 1)] public partial class Net;",
            "netgen.NG0010.max_depth = 2",
            new DiagnosticResult("NG0010", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("Net", 3, "gru1 (GRU), gru2 (GRU) × 2", " over 10 time steps", ", 30 of them here", PredictedText("2.5e-1", "0.86", "4.7e-1")));

    private static string PredictedText(string ratio, string perStep, string? weightRatio = null) =>
        $"; at initialisation the gradient reaching the first step is predicted to be {ratio} of the one reaching the last (about {perStep} per step): it does reach the early steps"
        + (weightRatio is null ? string.Empty : $" (the first recurrent layer's weight gradient: {weightRatio} of the last one's)");

    [Fact]
    public Task NG0010_fix_adds_gradient_clipping() =>
        CodeFixVerifier<GradientRiskAnalyzer, AddGradientClippingCodeFix>.VerifyAsync(
            Header + "[Input(10, 8)]\n[{|NG0010:LSTM(32, 2)|}]\n[LastStep, Linear(32, 1)]\npublic partial class Net;\n",
            Header + "[Input(10, 8)]\n[LSTM(32, 2)]\n[LastStep, Linear(32, 1)]\n[ClipGradNorm(1.0)]\npublic partial class Net;\n",
            AddGradientClippingCodeFix.Key);
}
