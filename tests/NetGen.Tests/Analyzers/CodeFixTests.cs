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
/// Every code fix, one diagnostic at a time and through Fix All (the framework checks document, project and
/// solution scope), including that the fixed code no longer has the diagnostic.
/// </summary>
public class CodeFixTests
{
    private static readonly DiagnosticResult NG0001 = new DiagnosticResult("NG0001", DiagnosticSeverity.Warning).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    private const string Header = "using NetGen;\nnamespace Tests;\n";

    [Fact]
    public Task NG0001_replaces_the_runs_saturating_activations_with_ReLU() =>
        CodeFixVerifier<GradientRiskAnalyzer, VanishingGradientCodeFixes>.VerifyAsync(
            Header + """
            [Linear(64, 64), {|#0:Sigmoid|}]
            [Linear(64, 64), Sigmoid(Name = "gate")]
            [Linear(64, 64), NetGen.Sigmoid]
            [Linear(64, 64), SigmoidAttribute, Linear(64, 64), Tanh]
            [Linear(64, 64), Sigmoid]
            [Linear(64, 10)]
            public partial class Net;
            """,
            Header + """
            [Linear(64, 64), ReLU]
            [Linear(64, 64), ReLU(Name = "gate")]
            [Linear(64, 64), NetGen.ReLU]
            [Linear(64, 64), ReLUAttribute, Linear(64, 64), ReLU]
            [Linear(64, 64), ReLU]
            [Linear(64, 10)]
            public partial class Net;
            """,
            VanishingGradientCodeFixes.ReplaceWithReLUKey,
            NG0001.WithLocation(0));

    [Fact]
    public Task NG0001_can_replace_the_runs_saturating_activations_with_LeakyReLU() =>
        CodeFixVerifier<GradientRiskAnalyzer, VanishingGradientCodeFixes>.VerifyAsync(
            Header + Stack("Sigmoid", 5, 64, "A", "#0"),
            Header + Stack("LeakyReLU", 5, 64, "A", null),
            VanishingGradientCodeFixes.ReplaceWithLeakyReLUKey,
            NG0001.WithLocation(0));

    [Fact]
    public Task NG0001_inserts_BatchNorm_after_each_Linear_layer_of_the_run() =>
        CodeFixVerifier<GradientRiskAnalyzer, VanishingGradientCodeFixes>.VerifyWithTitleAsync(
            Header + """
            [Linear(16, 16), {|#0:Sigmoid|}]
            [Linear(16, 16), Sigmoid]
            [Linear(16, 16), Sigmoid, Linear(16, 16), Sigmoid]
            [Linear(16, 10)]
            public partial class Net;
            """,
            // BatchNorm resets the scale at each layer (predicted ratio 0.4); NG0003 then suggests dropping the biases.
            Header + """
            [{|NG0003:Linear(16, 16)|}, BatchNorm, Sigmoid]
            [{|NG0003:Linear(16, 16)|}, BatchNorm, Sigmoid]
            [{|NG0003:Linear(16, 16)|}, BatchNorm, Sigmoid, {|NG0003:Linear(16, 16)|}, BatchNorm, Sigmoid]
            [Linear(16, 10)]
            public partial class Net;
            """,
            VanishingGradientCodeFixes.InsertBatchNormKey,
            "Insert BatchNorm after each of the run's 4 Linear layers",
            NG0001.WithLocation(0));

    [Fact]
    public Task NG0001_inserts_BatchNorm_after_each_convolution_of_the_run_and_says_so() =>
        CodeFixVerifier<GradientRiskAnalyzer, VanishingGradientCodeFixes>.VerifyWithTitleAsync(
            Header + """
            [Input(1, 8, 8)]
            [Conv2d(8, 3, padding: 1), {|#0:Sigmoid|}, Conv2d(8, 3, padding: 1), Sigmoid, Conv2d(8, 3, padding: 1), Sigmoid]
            [Conv2d(8, 3, padding: 1), Sigmoid, Flatten, Linear(10)]
            public partial class Net;
            """,
            // BatchNorm after a convolution is BatchNorm2d (the generator picks it from the [C, H, W] input).
            Header + """
            [Input(1, 8, 8)]
            [Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid, Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid, Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
            [Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid, Flatten, Linear(10)]
            public partial class Net;
            """,
            VanishingGradientCodeFixes.InsertBatchNormKey,
            "Insert BatchNorm after each of the run's 4 Conv2d layers",
            NG0001.WithLocation(0));

    [Fact]
    public Task NG0001_fix_all_fixes_every_network_in_the_document() =>
        CodeFixVerifier<GradientRiskAnalyzer, VanishingGradientCodeFixes>.VerifyAsync(
            Header + Stack("Sigmoid", 5, 64, "A", "#0") + Stack("Sigmoid", 4, 16, "B", "#1") + Stack("Sigmoid", 2, 64, "Shallow", null),
            Header + Stack("ReLU", 5, 64, "A", null) + Stack("ReLU", 4, 16, "B", null) + Stack("Sigmoid", 2, 64, "Shallow", null),
            VanishingGradientCodeFixes.ReplaceWithReLUKey,
            NG0001.WithLocation(0), NG0001.WithLocation(1));

    [Fact]
    public Task NG0011_adds_gradient_clipping_on_its_own_line() =>
        CodeFixVerifier<GradientRiskAnalyzer, AddGradientClippingCodeFix>.VerifyAsync(
            Header + "/// <summary>Deep.</summary>\n" + string.Concat(Enumerable.Repeat("[Linear(256, 256), ReLU]\n", 10)) + "[{|NG0011:Linear(256, 10)|}]\npublic partial class Net;\n",
            Header + "/// <summary>Deep.</summary>\n" + string.Concat(Enumerable.Repeat("[Linear(256, 256), ReLU]\n", 10)) + "[Linear(256, 10)]\n[ClipGradNorm(1.0)]\npublic partial class Net;\n",
            AddGradientClippingCodeFix.Key);

    [Fact]
    public Task NG0011_fix_all_adds_clipping_to_every_deep_network() =>
        CodeFixVerifier<GradientRiskAnalyzer, AddGradientClippingCodeFix>.VerifyAsync(
            Header + "[" + Deep + ", {|NG0011:Linear(256, 10)|}] public partial class A;\n" +
                "public static class Outer { }\n" +
                "    [" + Deep + "]\n    [{|NG0011:Linear(256, 10)|}]\n    public partial class B;\n",
            Header + "[" + Deep + ", Linear(256, 10)] [ClipGradNorm(1.0)] public partial class A;\n" +
                "public static class Outer { }\n" +
                "    [" + Deep + "]\n    [Linear(256, 10)]\n    [ClipGradNorm(1.0)]\n    public partial class B;\n",
            AddGradientClippingCodeFix.Key);

    private static readonly string Deep = string.Join(", ", Enumerable.Repeat("Linear(256, 256), ReLU", 10));

    [Fact]
    public Task NG0003_sets_Bias_false_whether_or_not_Bias_is_written() =>
        CodeFixVerifier<GradientRiskAnalyzer, RemoveBiasCodeFix>.VerifyAsync(
            Header + "[{|NG0003:Linear(4, 8)|}, BatchNorm, ReLU, {|NG0003:Linear(8, 8, Bias = true)|}, BatchNorm, ReLU, {|NG0003:Linear(8, 8, Name = \"h\")|}, BatchNorm, ReLU, Linear(8, 2)] public partial class Net;\n",
            Header + "[Linear(4, 8, Bias = false), BatchNorm, ReLU, Linear(8, 8, Bias = false), BatchNorm, ReLU, Linear(8, 8, Name = \"h\", Bias = false), BatchNorm, ReLU, Linear(8, 2)] public partial class Net;\n",
            RemoveBiasCodeFix.Key);

    [Theory]
    [InlineData("[Linear(4, 2)] public class {|NG0102:Net|} { }", "[Linear(4, 2)] public partial class Net { }")]
    [InlineData("[Linear(4, 2)]\nclass {|NG0102:Net|} { }", "[Linear(4, 2)]\npartial class Net { }")]
    [InlineData("[Linear(4, 2)] public sealed class {|NG0102:Net|} { }", "[Linear(4, 2)] public sealed partial class Net { }")]
    public Task NG0102_makes_the_class_partial(string source, string fixedSource) =>
        CodeFixVerifier<NetworkDeclarationAnalyzer, MakePartialCodeFix>.VerifyAsync(Header + source + "\n", Header + fixedSource + "\n", MakePartialCodeFix.Key);

    [Theory]
    [InlineData("[Linear(784, 64), ReLU, {|NG0101:Linear(62, 3)|}]", "[Linear(784, 64), ReLU, Linear(64, 3)]")]
    [InlineData("[Linear(8, 4), BatchNorm]\n[{|NG0101:NetGen.Linear(inFeatures: 5, outFeatures: 2, Bias = false)|}]", "[Linear(8, 4), BatchNorm]\n[NetGen.Linear(inFeatures: 4, outFeatures: 2, Bias = false)]")]
    [InlineData("[Input(1, 6, 6), Conv2d(2, 3), Flatten, {|NG0101:Linear( 70 , 10)|}]", "[Input(1, 6, 6), Conv2d(2, 3), Flatten, Linear( 32 , 10)]")]
    public Task NG0101_sets_the_Linear_input_size_to_the_previous_output(string source, string fixedSource) =>
        CodeFixVerifier<NetworkDeclarationAnalyzer, MatchInputSizeCodeFix>.VerifyAsync(
            Header + source + " public partial class Net;\n", Header + fixedSource + " public partial class Net;\n", MatchInputSizeCodeFix.Key);

    [Fact]
    public Task NG0101_fix_all_fixes_every_network_in_the_document() =>
        CodeFixVerifier<NetworkDeclarationAnalyzer, MatchInputSizeCodeFix>.VerifyAsync(
            Header + """
            [Linear(10, 16), ReLU, {|NG0101:Linear(15, 2)|}] public partial class A;
            [Linear(3, 7), Tanh, {|NG0101:Linear(6, 1)|}] public partial class B;
            [Linear(3, 7), Tanh, Linear(7, 1)] public partial class C;
            """,
            Header + """
            [Linear(10, 16), ReLU, Linear(16, 2)] public partial class A;
            [Linear(3, 7), Tanh, Linear(7, 1)] public partial class B;
            [Linear(3, 7), Tanh, Linear(7, 1)] public partial class C;
            """,
            MatchInputSizeCodeFix.Key);

    [Theory]
    [InlineData("[Input(1, 28, 28), Conv2d(8, 3), ReLU, {|NG0115:Linear(10)|}]", "[Input(1, 28, 28), Conv2d(8, 3), ReLU, Flatten, Linear(10)]")]
    [InlineData("[Input(1, 28, 28), Conv2d(8, 3), ReLU]\n[{|NG0115:Linear(10)|}]", "[Input(1, 28, 28), Conv2d(8, 3), ReLU]\n[Flatten, Linear(10)]")]
    [InlineData("[NetGen.Input(1, 8, 8), NetGen.MaxPool2d(2), NetGen.Dropout(0.1),\n {|NG0115:NetGen.Linear(4)|}]", "[NetGen.Input(1, 8, 8), NetGen.MaxPool2d(2), NetGen.Dropout(0.1),\n NetGen.Flatten, NetGen.Linear(4)]")]
    public Task NG0115_inserts_Flatten_before_the_Linear(string source, string fixedSource) =>
        CodeFixVerifier<NetworkDeclarationAnalyzer, InsertFlattenCodeFix>.VerifyAsync(
            Header + source + " public partial class Net;\n", Header + fixedSource + " public partial class Net;\n", InsertFlattenCodeFix.Key);

    [Fact]
    public Task NG0115_fix_all_fixes_every_network_in_the_document() =>
        CodeFixVerifier<NetworkDeclarationAnalyzer, InsertFlattenCodeFix>.VerifyAsync(
            Header + """
            [Input(3, 8, 8), Conv2d(4, 3), BatchNorm, ReLU, {|NG0115:Linear(10)|}] public partial class A;
            [Input(1, 8, 8), AvgPool2d(2), {|NG0115:Linear(2)|}] public partial class B;
            """,
            Header + """
            [Input(3, 8, 8), Conv2d(4, 3), BatchNorm, ReLU, Flatten, Linear(10)] public partial class A;
            [Input(1, 8, 8), AvgPool2d(2), Flatten, Linear(2)] public partial class B;
            """,
            InsertFlattenCodeFix.Key);

    /// <summary>n × [Linear(w, w), activation] then [Linear(w, 10)] and clipping; the first activation marked when <paramref name="mark"/> is set.</summary>
    private static string Stack(string activation, int depth, int width, string name, string? mark) =>
        string.Concat(Enumerable.Range(0, depth).Select(i => $"[Linear({width}, {width}), {(i == 0 && mark is not null ? "{|" + mark + ":" + activation + "|}" : activation)}]\n")) +
        $"[Linear({width}, 10)]\n[ClipGradNorm(1.0)]\npublic partial class {name};\n";
}
