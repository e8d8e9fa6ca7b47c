using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using NetGen.Generator.Analyzers;
using NetGen.Generator.GradientFlow;
using NetGen.Generator.Parsing;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Analyzers;

/// <summary>
/// The NG00xx rules with Roslyn's analyzer-testing framework: each rule where it must fire (at the attribute
/// that causes it) and where it must not, the .editorconfig options, and the messages' numbers.
/// </summary>
public class GradientRiskAnalyzerTests
{
    private static readonly DiagnosticResult NG0001 = new DiagnosticResult("NG0001", DiagnosticSeverity.Warning).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    /// <summary>n × [Linear(w, w), activation] then [Linear(w, 10)]; the first activation is marked #0.</summary>
    private static string Stack(string activation, int depth, int width, string name = "Net", string extra = "") =>
        "using NetGen;\nnamespace Tests;\n" +
        string.Concat(Enumerable.Range(0, depth).Select(i => $"[Linear({width}, {width}), {(i == 0 ? "{|#0:" + activation + "|}" : activation)}]\n")) +
        $"[Linear({width}, 10)]{extra}\npublic partial class {name};\n";

    // ---- NG0001 ----

    [Theory]
    [InlineData("Sigmoid", 4, 16)]    // predicted 5.6e-4, measured 5.9e-4 in the calibration suite
    [InlineData("Sigmoid", 6, 64)]
    [InlineData("Tanh", 20, 64)]      // tanh only vanishes this deep: predicted 1.2e-4
    public Task NG0001_fires_at_the_first_saturating_activation_of_a_vanishing_stack(string activation, int depth, int width) =>
        // Clipping keeps NG0002 (depth without safeguards) out of the way.
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(Stack(activation, depth, width, extra: "\n[ClipGradNorm(1.0)]"), null, NG0001.WithLocation(0));

    [Fact]
    public Task NG0001_fires_on_a_deep_ReLU_stack_at_the_default_initialisation() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            Stack("ReLU", 12, 128, extra: "\n[ClipGradNorm(1.0)]"),
            null,
            NG0001.WithLocation(0));

    [Theory]
    [InlineData("Sigmoid", 3, 64)]    // predicted 4e-3: steep, but not vanishing
    [InlineData("Tanh", 10, 64)]      // 3e-2: ten tanh layers are fine
    [InlineData("ReLU", 10, 64)]      // 2e-3
    [InlineData("Tanh", 2, 16)]
    public Task NG0001_does_not_fire_on_stacks_that_do_not_vanish(string activation, int depth, int width) =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(Stack(activation, depth, width, extra: "\n[ClipGradNorm(1.0)]").Replace("{|#0:", string.Empty).Replace("|}", string.Empty));

    [Fact]
    public Task NG0001_does_not_fire_when_BatchNorm_follows_each_saturating_activation() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n" +
            string.Concat(Enumerable.Repeat("[Linear(64, 64), Sigmoid, BatchNorm]\n", 10)) + "[Linear(64, 10)]\npublic partial class Net;\n");

    [Fact]
    public Task NG0001_does_not_fire_on_a_network_with_a_declaration_error() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n" +
            string.Concat(Enumerable.Repeat("[Linear(64, 64), Sigmoid]\n", 8)) + "[Linear(32, 10)]\npublic partial class Net;\n");

    [Fact]
    public Task NG0001_reports_the_runs_activations_and_Linear_layers_as_additional_locations_for_the_fixes() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            """
            using NetGen;
            namespace Tests;
            [{|#4:Linear(16, 16)|}, {|#0:Sigmoid|}]
            [{|#5:Linear(16, 16)|}, {|#1:Sigmoid|}]
            [{|#6:Linear(16, 16)|}, {|#2:Sigmoid|}]
            [{|#7:Linear(16, 16)|}, {|#3:Sigmoid|}]
            [Linear(16, 10)]
            public partial class Net;
            """,
            null,
            new DiagnosticResult("NG0001", DiagnosticSeverity.Warning)
                .WithLocation(0).WithLocation(0).WithLocation(1).WithLocation(2).WithLocation(3)
                .WithLocation(4).WithLocation(5).WithLocation(6).WithLocation(7));

    [Fact]
    public void NG0001_message_states_the_predicted_ratio_the_bound_and_the_per_layer_factor()
    {
        var source = Stack("Sigmoid", 6, 64).Replace("{|#0:", string.Empty).Replace("|}", string.Empty);
        var run = GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, source);
        var diagnostic = Assert.Single(run.AnalyzerDiagnostics);
        var predicted = Prediction(run, "Tests.Net").FirstToLastRatio;

        Assert.Equal(predicted, double.Parse(diagnostic.Properties["PredictedRatio"]!, CultureInfo.InvariantCulture));
        Assert.InRange(predicted, 5e-6, 3e-5); // the calibration suite measures 1.6e-5 for 6 × 256 and 7.9e-5 for 5 × 64
        Assert.Equal(
            $"6 stacked Sigmoid layers: the first layer's weight gradient is predicted to be {predicted.ToString("0.0e-0", CultureInfo.InvariantCulture)} of the last layer's at initialisation, " +
            "below the vanishing threshold 1e-3 (the sigmoid's derivative is at most 0.25, so 6 of them shrink a gradient by at least 0.25^6 ≈ 2.4e-4 unless the weights amplify it; " +
            "each layer of the run is predicted to scale the gradient norm by about 0.12 at PyTorch's default initialisation); use ReLU-family activations, add BatchNorm after each Linear layer, or a residual connection",
            diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal("docs/diagnostics/NG0001.md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void NG0001_message_for_a_mixed_run_multiplies_the_bounds_and_for_ReLU_names_the_initialisation()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.AllAnalyzers,
            "using NetGen;\nnamespace Tests;\n[Linear(64, 64), Sigmoid, Linear(64, 64), Tanh, Linear(64, 64), Sigmoid, Linear(64, 64), Tanh, Linear(64, 64), Sigmoid, Linear(64, 64), Sigmoid, Linear(64, 10)] public partial class Mixed;\n" +
            string.Concat(Enumerable.Repeat("[Linear(128, 128), ReLU]\n", 12)) + "[Linear(128, 10), ClipGradNorm(1.0)] public partial class Deep;\n");
        var messages = run.AnalyzerDiagnostics.Where(d => d.Id == "NG0001").OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.GetMessage(CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, messages.Count);
        Assert.StartsWith("6 stacked saturating layers (4 Sigmoid, 2 Tanh): ", messages[0]);
        Assert.Contains("their derivatives are at most 0.25 (Sigmoid) and 1 (Tanh), so together they shrink a gradient by at least 0.25^4 ≈ 3.9e-3", messages[0]);
        Assert.StartsWith("12 stacked ReLU layers: ", messages[1]);
        Assert.Contains("(weight variance 1/(3·fan_in), where ReLU needs 2/fan_in)", messages[1]);
        Assert.EndsWith("add BatchNorm after each Linear layer or a residual connection, or make the network shallower", messages[1]);
    }

    [Fact]
    public Task NG0001_threshold_is_read_from_editorconfig() =>
        // 3 Sigmoid layers are predicted at 4e-3: silent at the default 1e-3, reported at 1e-2.
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(Stack("Sigmoid", 3, 64), "netgen.NG0001.threshold = 1e-2", NG0001.WithLocation(0));

    [Fact]
    public Task NG0001_threshold_can_be_lowered_to_silence_it() =>
        // 6 Sigmoid layers are predicted at 1.2e-5.
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(Stack("Sigmoid", 6, 64).Replace("{|#0:", string.Empty).Replace("|}", string.Empty), "netgen.NG0001.threshold = 1e-6");

    [Fact]
    public Task NG0001_is_reported_at_the_attribute_so_a_pragma_there_silences_it() =>
        // The same network fires in NG0001_fires_at_the_first_saturating_activation_of_a_vanishing_stack.
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "#pragma warning disable NG0001 // a deliberately deep sigmoid stack\n" +
            Stack("Sigmoid", 6, 64, extra: "\n[ClipGradNorm(1.0)]").Replace("{|#0:", string.Empty).Replace("|}", string.Empty));

    [Fact]
    public Task An_invalid_option_is_reported_and_the_default_applies() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            Stack("Sigmoid", 6, 64).Replace("[Linear(64, 64), {|#0:Sigmoid|}]", "[{|#1:Linear(64, 64)|}, {|#0:Sigmoid|}]"),
            "netgen.NG0001.threshold = lots",
            new DiagnosticResult("NG0099", DiagnosticSeverity.Warning).WithLocation(1)
                .WithArguments("netgen.NG0001.threshold", "lots", "the threshold must be a number between 0 and 1, such as 1e-3", "1e-3"),
            NG0001.WithLocation(0));

    // ---- NG0001 on convolutional and recurrent networks ----

    [Fact]
    public Task NG0001_fires_on_a_LeNet_style_stack_of_Sigmoid_convolutions() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[Input(1, 28, 28)]\n[Conv2d(6, 5, padding: 2), {|#0:Sigmoid|}, MaxPool2d(2)]\n[Conv2d(16, 5), Sigmoid, MaxPool2d(2)]\n" +
            "[Flatten, Linear(120), Sigmoid]\n[Linear(84), Sigmoid]\n[Linear(10)]\npublic partial class LeNet;\n",
            null,
            NG0001.WithLocation(0));

    [Theory]
    [InlineData("ReLU")]
    [InlineData("Sigmoid, BatchNorm")]
    public Task NG0001_does_not_fire_on_a_LeNet_style_stack_with_ReLU_or_BatchNorm(string activation) =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            $"using NetGen;\nnamespace Tests;\n[Input(1, 28, 28)]\n[Conv2d(6, 5, padding: 2), {activation}, MaxPool2d(2)]\n[Conv2d(16, 5), {activation}, MaxPool2d(2)]\n" +
            $"[Flatten, Linear(120), {activation}]\n[Linear(84), {activation}]\n[Linear(10)]\npublic partial class LeNet;\n");

    [Fact]
    public async Task NG0001_on_a_plain_RNN_over_200_steps_names_the_steps_and_the_per_step_factor()
    {
        var run = GeneratorHarness.Run(
            GeneratorHarness.AllAnalyzers,
            "using NetGen;\nnamespace Tests;\n[Input(200, 8), RNN(32), LastStep, Linear(10), ClipGradNorm(1.0)] public partial class Net;\n");
        var message = Assert.Single(run.AnalyzerDiagnostics, d => d.Id == "NG0001").GetMessage(CultureInfo.InvariantCulture);
        Assert.StartsWith("1 RNN layer over 200 time steps: the gradient reaching the first of 200 time steps is predicted to be ", message);
        Assert.Contains("each step is predicted to scale the gradient by about 0.", message);
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("RNN(32)", 8)]     // predicted 1.0e-2, measured 1.1e-2
    [InlineData("LSTM(32)", 10)]   // 9.8e-3 against 6.9e-3
    [InlineData("GRU(32)", 10)]    // 1.1e-2 against 7.6e-3
    public Task NG0001_does_not_fire_on_short_sequences(string layer, int steps) =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            $"using NetGen;\nnamespace Tests;\n[Input({steps}, 8), {layer}, LastStep, Linear(10)] public partial class Net;\n");

    // ---- NG0002: exploding ----

    [Fact]
    public Task NG0002_fires_at_the_first_layer_of_a_deep_BatchNorm_ReLU_stack() =>
        // Predicted 2.9e2, measured 3.3e2 in the calibration suite (ReLU30x64BatchNorm).
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[{|#0:Linear(64, 64, Bias = false)|}, BatchNorm, ReLU]\n" + string.Concat(Enumerable.Repeat("[Linear(64, 64, Bias = false), BatchNorm, ReLU]\n", 29)) + "[Linear(64, 10)]\npublic partial class Net;\n",
            null,
            new DiagnosticResult("NG0002", DiagnosticSeverity.Warning).WithLocation(0));

    [Fact]
    public Task NG0002_does_not_fire_on_a_20_layer_BatchNorm_ReLU_stack() =>
        // Predicted 40, measured 40: steep, but below AUTOTRAINER's 70.
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n" + string.Concat(Enumerable.Repeat("[Linear(64, 64, Bias = false), BatchNorm, ReLU]\n", 20)) + "[Linear(64, 10)]\npublic partial class Net;\n");

    [Fact]
    public Task NG0002_fires_where_the_forward_signal_grows_a_thousandfold() =>
        // Kaiming ReLU with dropout 0.5 doubles the second moment per layer: measured 1.4e3 over 12 layers; reported at the
        // 11th, the first whose pre-activations pass 1000 times the first's.
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[KaimingInit]\n" + string.Concat(Enumerable.Range(0, 12).Select(i => i == 10 ? "[{|#0:Linear(64, 64)|}, ReLU, Dropout(0.5)]\n" : "[Linear(64, 64), ReLU, Dropout(0.5)]\n")) + "[Linear(64, 10)]\n[ClipGradNorm(1.0)]\npublic partial class Net;\n",
            null,
            new DiagnosticResult("NG0002", DiagnosticSeverity.Warning).WithLocation(0));

    [Fact]
    public Task NG0002_threshold_is_read_from_editorconfig() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[{|#0:Linear(64, 64, Bias = false)|}, BatchNorm, ReLU]\n" + string.Concat(Enumerable.Repeat("[Linear(64, 64, Bias = false), BatchNorm, ReLU]\n", 19)) + "[Linear(64, 10)]\npublic partial class Net;\n",
            "netgen.NG0002.threshold = 20",
            new DiagnosticResult("NG0002", DiagnosticSeverity.Warning).WithLocation(0));

    // ---- NG0011: deep and unprotected (suggestion) ----

    [Fact]
    public Task NG0011_suggests_a_safeguard_at_the_first_Linear_layer_past_the_depth_limit() =>
        // Ten ReLU layers of width 256 then the output: predicted 2e-3, neither vanishing nor exploding.
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n" + string.Concat(Enumerable.Repeat("[Linear(256, 256), ReLU]\n", 10)) + "[{|#0:Linear(256, 10)|}]\npublic partial class Net;\n",
            null,
            new DiagnosticResult("NG0011", DiagnosticSeverity.Info).WithLocation(0).WithArguments("Net", 11, 10));

    [Fact]
    public Task NG0011_is_silent_where_NG0001_explains_the_network() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(Stack("Sigmoid", 12, 64), null, NG0001.WithLocation(0));

    [Theory]
    [InlineData("[ClipGradNorm(1.0)]")]
    [InlineData("[ReLU, BatchNorm]")]
    public Task NG0011_does_not_fire_with_a_safeguard(string safeguard) =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n" + string.Concat(Enumerable.Repeat("[Linear(256, 256), ReLU]\n", 10)) + "[Linear(256, 10)]\n" + safeguard + "\npublic partial class Net;\n");

    [Fact]
    public Task NG0011_does_not_fire_at_the_depth_limit() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n" + string.Concat(Enumerable.Repeat("[Linear(256, 256), ReLU]\n", 9)) + "[Linear(256, 10)]\npublic partial class Net;\n");

    [Fact]
    public Task NG0011_depth_is_read_from_editorconfig() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[Linear(32, 32), ReLU, Linear(32, 32), ReLU, {|#0:Linear(32, 10)|}] public partial class Net;\n",
            "netgen.NG0011.max_depth = 2",
            new DiagnosticResult("NG0011", DiagnosticSeverity.Info).WithLocation(0).WithArguments("Net", 3, 2));

    // ---- NG0003 ----

    [Fact]
    public Task NG0003_fires_at_a_Linear_layer_with_bias_before_BatchNorm() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[{|#0:Linear(4, 8)|}, BatchNorm, ReLU, {|#1:Linear(8, 8, Bias = true)|}, BatchNorm, ReLU, Linear(8, 2)] public partial class Net;\n",
            null,
            new DiagnosticResult("NG0003", DiagnosticSeverity.Info).WithLocation(0).WithArguments("fc1 (Linear)", "bn1 (BatchNorm)", "8"),
            new DiagnosticResult("NG0003", DiagnosticSeverity.Info).WithLocation(1).WithArguments("fc2 (Linear)", "bn2 (BatchNorm)", "8"));

    [Theory]
    [InlineData("[Linear(4, 8, Bias = false), BatchNorm, ReLU, Linear(8, 2)]")]
    [InlineData("[Linear(4, 8), ReLU, BatchNorm, Linear(8, 2)]")]
    public Task NG0003_does_not_fire_without_a_bias_or_with_something_between(string layers) =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync($"using NetGen;\nnamespace Tests;\n{layers} public partial class Net;\n");

    // ---- NG0004 ----

    [Fact]
    public Task NG0004_fires_at_the_second_of_two_activations() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[Linear(4, 8), ReLU, {|#0:ReLU|}, Linear(8, 8), Tanh, {|#1:Sigmoid|}, Linear(8, 2)] public partial class Net;\n",
            null,
            new DiagnosticResult("NG0004", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("relu2 (ReLU)", "relu1 (ReLU)", " (ReLU(ReLU(x)) is ReLU(x))"),
            new DiagnosticResult("NG0004", DiagnosticSeverity.Warning).WithLocation(1)
                .WithArguments("sigmoid1 (Sigmoid)", "tanh1 (Tanh)", " (Sigmoid's derivative is at most 0.25, so it only shrinks the gradient further)"));

    [Fact]
    public Task NG0004_does_not_fire_with_a_BatchNorm_between_activations() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync("using NetGen;\nnamespace Tests;\n[Linear(4, 8), ReLU, BatchNorm, Sigmoid, Linear(8, 2)] public partial class Net;\n");

    // ---- NG0005 ----

    [Fact]
    public Task NG0005_fires_at_the_second_of_two_Linear_layers_and_counts_the_parameters() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(
            "using NetGen;\nnamespace Tests;\n[Linear(784, 300), {|#0:Linear(300, 10)|}] public partial class Net;\n",
            null,
            // 784·300 + 300 + 300·10 + 10 = 238,510 parameters for what Linear(784, 10) does with 784·10 + 10 = 7,850.
            new DiagnosticResult("NG0005", DiagnosticSeverity.Warning).WithLocation(0)
                .WithArguments("fc2 (Linear)", "fc1 (Linear)", 784L, 10L, "238,510", "7,850"));

    [Theory]
    [InlineData("[Linear(784, 300), ReLU, Linear(300, 10)]")]
    [InlineData("[Linear(784, 300, Bias = false), BatchNorm, Linear(300, 10)]")]
    public Task NG0005_does_not_fire_with_a_layer_between(string layers) =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync($"using NetGen;\nnamespace Tests;\n{layers} public partial class Net;\n");

    [Fact]
    public Task The_seed_networks_get_no_gradient_risk_warnings() =>
        AnalyzerVerifier<GradientRiskAnalyzer>.VerifyAsync(SourceFiles.Read("Networks/SeedNetworks.cs"));

    [Fact]
    public async Task Rules_are_silent_in_a_compilation_without_NetGen()
    {
        var compilation = GeneratorHarness.Compile("namespace Plain; [System.Obsolete] public partial class Net { }");
        var diagnostics = await compilation.WithAnalyzers(GeneratorHarness.AllAnalyzers).GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
    }

    private static GradientFlowPrediction Prediction(GeneratorRun run, string typeName) =>
        LayerTerms.Predict(NetworkParser.Parse(run.Output.GetTypeByMetadataName(typeName)!, default)!)!;
}
