using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NetGen.Generator.Analyzers;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// Every declaration error: the analyzer reports it at the attribute (or class name) that caused it,
/// and the generator, given the same source, writes nothing for that class and does not throw.
/// </summary>
public class DeclarationErrorTests
{
    public static TheoryData<string, string> Cases => new()
    {
        {
            "NG0101 Linear input differs from the previous output",
            "[Linear(784, 300), ReLU, {|NG0101:Linear(200, 100)|}] public partial class Net;"
        },
        {
            "NG0101 after a BatchNorm the size is still the Linear's",
            "[Linear(8, 4), BatchNorm, {|NG0101:Linear(8, 2)|}] public partial class Net;"
        },
        {
            "NG0102 class not partial",
            "[Linear(4, 2)] public class {|NG0102:Net|} { }"
        },
        {
            "NG0103 clipping but no layers",
            "[{|NG0103:ClipGradNorm(1.0)|}] public partial class Net;"
        },
        {
            "NG0104 zero output size",
            "[{|NG0104:Linear(784, 0)|}] public partial class Net;"
        },
        {
            "NG0104 negative input size",
            "[{|NG0104:Linear(-3, 10)|}] public partial class Net;"
        },
        {
            "NG0104 inferred Linear with zero size",
            "[Linear(4, 8), {|NG0104:Linear(0)|}] public partial class Net;"
        },
        {
            "NG0105 BatchNorm first",
            "[{|NG0105:BatchNorm|}, Linear(10, 5)] public partial class Net;"
        },
        {
            "NG0105 activation first",
            "[{|NG0105:ReLU|}, Linear(10, 5)] public partial class Net;"
        },
        {
            "NG0105 Linear(out) first",
            "[{|NG0105:Linear(5)|}] public partial class Net;"
        },
        {
            "NG0106 unknown named argument",
            "[Linear(10, 5), {|NG0106:Linear(5, 2, {|CS0246:Biass|} = false)|}] public partial class Net;"
        },
        {
            "NG0106 no constructor matches",
            "[{|NG0106:{|CS1729:Linear(1, 2, 3)|}|}] public partial class Net;"
        },
        {
            "NG0106 non-positive clipping norm",
            "[Linear(4, 2), {|NG0106:ClipGradNorm(-1.0)|}] public partial class Net;"
        },
        {
            "NG0106 zero norm type",
            "[Linear(4, 2), {|NG0106:ClipGradNorm(1.0, NormType = 0)|}] public partial class Net;"
        },
        {
            "NG0106 a layer's parameter count overflows 64 bits",
            "[{|NG0106:Linear(long.MaxValue, 3)|}] public partial class Net;"
        },
        {
            // long.MaxValue · 2 + 2 wraps to exactly 0: only checked arithmetic catches it.
            "NG0106 a parameter count that wraps around to zero",
            "[{|NG0106:Linear(long.MaxValue, 2)|}] public partial class Net;"
        },
        {
            "NG0106 a flattened size that overflows 64 bits",
            "[Input(3037000500, 3037000500), {|NG0106:Flatten|}] public partial class Net;"
        },
        {
            "NG0106 a convolution's weight count that overflows 64 bits",
            "[Input(4611686018427387904, 8, 8), {|NG0106:Conv2d(4, 3)|}] public partial class Net;"
        },
        {
            "NG0106 the network's parameter count overflows 64 bits",
            "[{|NG0106:Linear(3037000499, 3037000499)|}, ReLU, Linear(3037000499, 3037000499)] public partial class Net;"
        },
        {
            "NG0106 a named argument of the wrong type",
            "[{|NG0106:Linear(4, 2, Bias = {|CS0029:\"no\"|})|}] public partial class Net;"
        },
        {
            "NG0106 clipping declared twice",
            "[Linear(4, 2), ClipGradNorm(1.0), {|NG0106:{|CS0579:ClipGradNorm|}(2.0)|}] public partial class Net;"
        },
        {
            "NG0107 duplicate layer name",
            "[Linear(10, 5, Name = \"hidden\"), ReLU, {|NG0107:Linear(5, 2, Name = \"hidden\")|}] public partial class Net;"
        },
        {
            "NG0107 custom name takes a default name",
            "[Linear(10, 5, Name = \"fc2\"), {|NG0107:Linear(5, 2)|}] public partial class Net;"
        },
        {
            "NG0108 name is not an identifier",
            "[{|NG0108:Linear(10, 5, Name = \"my.layer\")|}] public partial class Net;"
        },
        {
            "NG0108 name is a keyword",
            "[{|NG0108:Linear(10, 5, Name = \"class\")|}] public partial class Net;"
        },
        {
            "NG0109 nested class",
            "public partial class Outer { [{|NG0109:Linear(4, 2)|}] public partial class Net; }"
        },
        {
            "NG0109 generic class",
            "[{|NG0109:Linear(4, 2)|}] public partial class Net<T>;"
        },
        {
            "NG0110 class with a base class",
            "public class Base { } [{|NG0110:Linear(4, 2)|}] public partial class Net : Base;"
        },
        {
            "NG0111 layers on two partial declarations",
            "[{|NG0111:Linear(4, 3)|}] public partial class Net; [Linear(3, 2)] public partial class Net;"
        },
        {
            "NG0113 Input after a layer",
            "[Linear(4, 4), {|NG0113:Input(4)|}] public partial class Net;"
        },
        {
            "NG0104 Input with a zero dimension",
            "[{|NG0104:Input(1, 0, 28)|}, Flatten] public partial class Net;"
        },
        {
            "NG0114 convolution kernel larger than its input",
            "[Input(1, 4, 4), {|NG0114:Conv2d(8, 5)|}] public partial class Net;"
        },
        {
            "NG0104 zero kernel",
            "[Input(1, 28, 28), {|NG0104:Conv2d(8, 0)|}] public partial class Net;"
        },
        {
            "NG0106 negative padding",
            "[Input(1, 28, 28), {|NG0106:Conv2d(8, 3, padding: -1)|}] public partial class Net;"
        },
        {
            "NG0115 Linear right after a convolution",
            "[Input(1, 28, 28), Conv2d(4, 3), ReLU, MaxPool2d(2), {|NG0115:Linear(10)|}] public partial class Net;"
        },
        {
            "NG0115 Linear after a convolution and its activation, in another attribute list",
            "[Input(1, 28, 28), Conv2d(8, 3), ReLU] [{|NG0115:Linear(10)|}] public partial class Net;"
        },
        {
            "NG0115 Linear after a convolution, BatchNorm, activation and Dropout",
            "[Input(1, 28, 28), Conv2d(8, 3), BatchNorm, ReLU, Dropout(0.5), {|NG0115:Linear(10)|}] public partial class Net;"
        },
        {
            "NG0115 Linear after pooling and LayerNorm",
            "[Input(1, 8, 8), AvgPool2d(2), LayerNorm, {|NG0115:Linear(10)|}] public partial class Net;"
        },
        {
            "NG0116 pooling below 1x1",
            "[Input(1, 8, 8), MaxPool2d(2), MaxPool2d(2), MaxPool2d(2), {|NG0116:MaxPool2d(2)|}] public partial class Net;"
        },
        {
            "NG0106 pooling padding above half the kernel",
            "[Input(1, 8, 8), {|NG0106:AvgPool2d(2, padding: 2)|}] public partial class Net;"
        },
        {
            "NG0117 Conv2d on vectors",
            "[Linear(10, 16), {|NG0117:Conv2d(4, 3)|}] public partial class Net;"
        },
        {
            "NG0117 LSTM on images",
            "[Input(1, 28, 28), {|NG0117:LSTM(16)|}] public partial class Net;"
        },
        {
            "NG0117 LastStep on vectors",
            "[Linear(3, 4), {|NG0117:LastStep|}] public partial class Net;"
        },
        {
            "NG0106 GroupNorm groups that do not divide the channels",
            "[Input(6, 8, 8), {|NG0106:GroupNorm(4)|}] public partial class Net;"
        },
        {
            "NG0104 GroupNorm of zero groups",
            "[Input(6, 8), {|NG0104:GroupNorm(0)|}] public partial class Net;"
        },
        {
            "NG0106 GroupNorm negative eps",
            "[Input(6, 8), {|NG0106:GroupNorm(2, Eps = -1e-5)|}] public partial class Net;"
        },
        {
            "NG0117 GroupNorm on vectors",
            "[Linear(4, 6), {|NG0117:GroupNorm(2)|}] public partial class Net;"
        },
        {
            "NG0117 InstanceNorm2d on [channels, length]",
            "[Input(3, 10), {|NG0117:InstanceNorm2d|}] public partial class Net;"
        },
        {
            "NG0117 InstanceNorm1d on images",
            "[Input(3, 8, 8), {|NG0117:InstanceNorm1d(Affine = true)|}] public partial class Net;"
        },
        {
            "NG0106 InstanceNorm infinite eps",
            "[Input(3, 10), {|NG0106:InstanceNorm1d(Eps = double.PositiveInfinity)|}] public partial class Net;"
        },
        {
            "NG0106 Dropout2d probability of 1",
            "[Input(3, 8, 8), {|NG0106:Dropout2d(1.0)|}] public partial class Net;"
        },
        {
            "NG0117 Dropout2d on vectors",
            "[Linear(4, 4), {|NG0117:Dropout2d|}] public partial class Net;"
        },
        {
            "NG0105 Identity first",
            "[{|NG0105:Identity|}, Linear(4, 2)] public partial class Net;"
        },
        {
            "NG0106 Unflatten sizes whose product differs",
            "[Linear(4, 12), {|NG0106:Unflatten(1, 5, 2)|}] public partial class Net;"
        },
        {
            "NG0106 Unflatten of the batch",
            "[Linear(4, 12), {|NG0106:Unflatten(0, 3, 4)|}] public partial class Net;"
        },
        {
            "NG0106 Unflatten without sizes",
            "[Linear(4, 12), {|NG0106:Unflatten(1)|}] public partial class Net;"
        },
        {
            "NG0104 Unflatten size of zero",
            "[Linear(4, 12), {|NG0104:Unflatten(1, 0, 12)|}] public partial class Net;"
        },
        {
            "NG0106 Reshape to a different element count",
            "[Linear(4, 12), {|NG0106:Reshape(5, 2)|}] public partial class Net;"
        },
        {
            "NG0106 Transpose of the batch",
            "[Input(3, 10), {|NG0106:Transpose(0, 1)|}] public partial class Net;"
        },
        {
            "NG0106 Transpose out of range",
            "[Input(3, 10), {|NG0106:Transpose(1, 3)|}] public partial class Net;"
        },
        {
            "NG0106 Transpose of a dimension with itself",
            "[Input(3, 10), {|NG0106:Transpose(2, -1)|}] public partial class Net;"
        },
        {
            "NG0117 bidirectional GRU on images",
            "[Input(1, 8, 8), {|NG0117:GRU(4, Bidirectional = true)|}] public partial class Net;"
        },
        {
            "NG0101 Linear after a bidirectional LSTM expects twice the hidden size",
            "[Input(5, 3), LSTM(4, Bidirectional = true), LastStep, {|NG0101:Linear(4, 2)|}] public partial class Net;"
        },
        {
            "NG0106 Dropout probability above 1",
            "[Linear(4, 4), {|NG0106:Dropout(1.5)|}] public partial class Net;"
        },
        {
            "NG0106 negative LeakyReLU slope",
            "[Linear(4, 4), {|NG0106:LeakyReLU(-1)|}] public partial class Net;"
        },
        {
            "NG0106 ELU alpha of zero",
            "[Linear(4, 4), {|NG0106:ELU(0)|}] public partial class Net;"
        },
        {
            "NG0106 softmax over the batch",
            "[Linear(4, 4), {|NG0106:Softmax(0)|}] public partial class Net;"
        },
        {
            "NG0106 PReLU slopes differ from the channels",
            "[Input(3, 8, 8), {|NG0106:PReLU(NumParameters = 5)|}] public partial class Net;"
        },
        {
            "NG0104 zero LSTM layers",
            "[Input(5, 3), {|NG0104:LSTM(8, 0)|}] public partial class Net;"
        },
        {
            "NG0104 zero repeats",
            "[Linear(4, 4), {|NG0104:Residual(typeof(Block), Repeat = 0)|}] public partial class Net; [Linear(4, 4)] public partial class Block;"
        },
        {
            "NG0118 block is not a network",
            "[Linear(4, 4), {|NG0118:Block(typeof(string))|}] public partial class Net;"
        },
        {
            "NG0118 block contains itself",
            "[Linear(4, 4), {|NG0118:Block(typeof(Net))|}] public partial class Net;"
        },
        {
            "NG0119 residual block changes the shape",
            "[Linear(4, 4), {|NG0119:Residual(typeof(Narrow))|}] public partial class Net; [Linear(4, 2)] public partial class Narrow;"
        },
        {
            "NG0118 projection shortcut that is not a network",
            "[Linear(4, 4), {|NG0118:Residual(typeof(Narrow), Shortcut = typeof(string))|}] public partial class Net; [Linear(4, 2)] public partial class Narrow;"
        },
        {
            "NG0106 projection shortcut of the wrong shape",
            "[Linear(4, 4), {|NG0106:Residual(typeof(Narrow), Shortcut = typeof(Wrong))|}] public partial class Net; [Linear(4, 2)] public partial class Narrow; [Linear(4, 3)] public partial class Wrong;"
        },
        {
            "NG0106 block with a layer named like the shortcut",
            "[Linear(4, 4), {|NG0106:Residual(typeof(Narrow), Shortcut = typeof(Proj))|}] public partial class Net; [Linear(4, 2, Name = \"downsample\")] public partial class Narrow; [Linear(4, 2)] public partial class Proj;"
        },
        {
            "NG0106 one branch",
            "[Linear(4, 4), {|NG0106:Branches(typeof(A))|}] public partial class Net; [Linear(4, 2)] public partial class A;"
        },
        {
            "NG0106 branches that cannot be added",
            "[Linear(4, 4), {|NG0106:Branches(typeof(A), typeof(B), Merge = BranchMerge.Add)|}] public partial class Net; [Linear(4, 2)] public partial class A; [Linear(4, 3)] public partial class B;"
        },
        {
            "NG0106 branches that cannot be concatenated",
            "[Input(2, 4, 4), {|NG0106:Branches(typeof(A), typeof(B))|}] public partial class Net; [Input(2, 4, 4), Conv2d(3, 1)] public partial class A; [Input(2, 4, 4), Conv2d(3, 3)] public partial class B;"
        },
        {
            "NG0106 merge outside the enum",
            "[Linear(4, 4), {|NG0106:Branches(typeof(A), typeof(A), Merge = (BranchMerge)7)|}] public partial class Net; [Linear(4, 2)] public partial class A;"
        },
        {
            "NG0118 branch that is not a network",
            "[Linear(4, 4), {|NG0118:Branches(typeof(A), typeof(string))|}] public partial class Net; [Linear(4, 2)] public partial class A;"
        },
        {
            "NG0101 branch input differs",
            "[Linear(4, 3), {|NG0101:Branches(typeof(A), typeof(A))|}] public partial class Net; [Linear(4, 2)] public partial class A;"
        },
        {
            "NG0106 loss outside the enum",
            "[Linear(4, 2), {|NG0106:Loss((LossFunction)42)|}] public partial class Net;"
        },
        {
            "NG0106 non-positive value clipping",
            "[Linear(4, 2), {|NG0106:ClipGradValue(0)|}] public partial class Net;"
        },
        {
            "NG0106 monitor sampling below 1",
            "[Linear(4, 2), {|NG0106:GradientMonitor(SampleEvery = 0)|}] public partial class Net;"
        },
        {
            "NG0106 dying-ReLU fraction above 1",
            "[Linear(4, 2), {|NG0106:GradientMonitor(DyingReluFraction = 1.5)|}] public partial class Net;"
        },
        {
            "NG0106 two initialisations",
            "[Linear(4, 2), XavierInit, {|NG0106:KaimingInit|}] public partial class Net;"
        },
        {
            "NG0101 block input differs",
            "[Linear(4, 3), {|NG0101:Block(typeof(Wide))|}] public partial class Net; [Linear(4, 2)] public partial class Wide;"
        },
        {
            "NG0112 a field named like a layer",
            "[Linear(4, 3), ReLU, {|NG0112:Linear(3, 2)|}] public partial class Net { private int fc2; }"
        },
        {
            "NG0112 a method named like a layer",
            "[{|NG0112:Linear(4, 2, Name = \"encoder\")|}] public partial class Net { public void encoder() { } }"
        },
        {
            "NG0121 a one-parameter forward that takes no Tensor",
            "[Linear(4, 2)] public partial class Net { public object {|NG0121:forward|}(object input) => input; }"
        },
        {
            "NG0121 a forward(Tensor) that does not override",
            "[Linear(4, 2)] public partial class Net { public TorchSharp.torch.Tensor {|NG0121:forward|}(TorchSharp.torch.Tensor input) => input; }"
        },
        {
            "NG0112 a Summary property",
            "[{|NG0112:Linear(4, 2)|}] public partial class Net { public static int Summary => 4; }"
        },
        {
            "NG0112 a PyTorchSource property",
            "[{|NG0112:Linear(4, 2)|}] public partial class Net { public static string PyTorchSource => \"\"; }"
        },
        {
            "NG0112 a Trainer field",
            "[{|NG0112:Linear(4, 2)|}, ReLU] public partial class Net { public const long Trainer = 10; }"
        },
        {
            "NG0112 ClipGradients next to [ClipGradNorm]",
            "[Linear(4, 2), {|NG0112:ClipGradNorm(1.0)|}] public partial class Net { public double ClipGradients() => 0; }"
        },
        {
            "NG0112 a parameterless constructor",
            "[{|NG0112:Linear(4, 2)|}] public partial class Net { public Net() { } }"
        },
        {
            "NG0112 a layer named forward",
            "[{|NG0112:Linear(4, 2, Name = \"forward\")|}] public partial class Net;"
        },
        {
            "NG0112 a layer named like a local of forward",
            "[Linear(4, 4), ReLU, {|NG0112:Linear(4, 2, Name = \"x1\")|}] public partial class Net;"
        },
        {
            "NG0120 a constructor that does not call this()",
            "[Linear(4, 2)] public partial class Net { public {|NG0120:Net|}(int seed) { } }"
        },
        {
            "NG0112 a layer named like its class",
            "[{|NG0112:Linear(4, 2, Name = \"Net\")|}] public partial class Net;"
        },
        {
            "NG0104 Conv3d with a zero kernel",
            "[Input(1, 4, 4, 4), {|NG0104:Conv3d(2, 0)|}] public partial class Net;"
        },
        {
            "NG0114 Conv3d whose dilated kernel is larger than its input",
            "[Input(1, 4, 4, 4), {|NG0114:Conv3d(2, 3, Dilation = 2)|}] public partial class Net;"
        },
        {
            "NG0117 Conv3d on images",
            "[Input(1, 28, 28), {|NG0117:Conv3d(2, 3)|}] public partial class Net;"
        },
        {
            "NG0106 ConvTranspose2d output padding not below the stride",
            "[Input(1, 4, 4), {|NG0106:ConvTranspose2d(2, 3, stride: 2, outputPadding: 2)|}] public partial class Net;"
        },
        {
            "NG0106 ConvTranspose1d groups that do not divide the channels",
            "[Input(3, 8), {|NG0106:ConvTranspose1d(4, 3, Groups = 2)|}] public partial class Net;"
        },
        {
            "NG0104 ConvTranspose1d with zero groups",
            "[Input(2, 8), {|NG0104:ConvTranspose1d(4, 3, Groups = 0)|}] public partial class Net;"
        },
        {
            "NG0116 ConvTranspose1d whose padding leaves nothing",
            "[Input(1, 1), {|NG0116:ConvTranspose1d(1, 1, padding: 1)|}] public partial class Net;"
        },
        {
            "NG0117 ConvTranspose2d on sequences",
            "[Input(2, 8), {|NG0117:ConvTranspose2d(2, 3)|}] public partial class Net;"
        },
        {
            "NG0117 MaxPool1d on images",
            "[Input(1, 8, 8), {|NG0117:MaxPool1d(2)|}] public partial class Net;"
        },
        {
            "NG0106 AvgPool1d padding more than half the kernel",
            "[Input(2, 8), {|NG0106:AvgPool1d(2, padding: 2)|}] public partial class Net;"
        },
        {
            "NG0114 MaxPool1d kernel longer than the input",
            "[Input(2, 3), {|NG0114:MaxPool1d(4)|}] public partial class Net;"
        },
        {
            "NG0104 AdaptiveAvgPool1d to zero",
            "[Input(2, 8), {|NG0104:AdaptiveAvgPool1d(0)|}] public partial class Net;"
        },
        {
            "NG0106 Upsample without a factor or size",
            "[Input(2, 8), {|NG0106:Upsample|}] public partial class Net;"
        },
        {
            "NG0106 Upsample with both a factor and a size",
            "[Input(2, 8), {|NG0106:Upsample(2, Size = new long[] { 16 })|}] public partial class Net;"
        },
        {
            "NG0106 Upsample by zero",
            "[Input(2, 8), {|NG0106:Upsample(0)|}] public partial class Net;"
        },
        {
            "NG0106 Upsample nearest with AlignCorners",
            "[Input(2, 8), {|NG0106:Upsample(2, AlignCorners = true)|}] public partial class Net;"
        },
        {
            "NG0106 Upsample with an unknown mode",
            "[Input(2, 8), {|NG0106:Upsample(2, Mode = (Interpolation)7)|}] public partial class Net;"
        },
        {
            "NG0106 Upsample Size with the wrong number of sides",
            "[Input(2, 8, 8), {|NG0106:Upsample(Size = new long[] { 4, 4, 4 })|}] public partial class Net;"
        },
        {
            "NG0104 Upsample to size zero",
            "[Input(2, 8), {|NG0104:Upsample(Size = new long[] { 0 })|}] public partial class Net;"
        },
        {
            "NG0116 Upsample shrinking a side below one",
            "[Input(2, 8), {|NG0116:Upsample(0.1)|}] public partial class Net;"
        },
        {
            "NG0117 bilinear Upsample of sequences",
            "[Input(2, 8), {|NG0117:Upsample(2, Mode = Interpolation.Bilinear)|}] public partial class Net;"
        },
        {
            "NG0115 Linear after Upsample without Flatten",
            "[Input(2, 8), Upsample(2), {|NG0115:Linear(4)|}] public partial class Net;"
        },
        {
            "NG0106 Conv2d groups that do not divide the input channels",
            "[Input(3, 8, 8), {|NG0106:Conv2d(4, 3, Groups = 2)|}] public partial class Net;"
        },
        {
            "NG0106 Conv1d groups that do not divide the output channels",
            "[Input(4, 8), {|NG0106:Conv1d(6, 3, Groups = 4)|}] public partial class Net;"
        },
        {
            "NG0106 depthwise Conv2d after a layer that changed the channels",
            "[Input(3, 8, 8), Conv2d(6, 1), ReLU, {|NG0106:Conv2d(8, 3, Groups = 8)|}] public partial class Net;"
        },
        {
            "NG0104 Conv2d with zero groups",
            "[Input(2, 8, 8), {|NG0104:Conv2d(4, 3, Groups = 0)|}] public partial class Net;"
        },
        {
            "NG0104 Conv1d with dilation zero",
            "[Input(2, 8), {|NG0104:Conv1d(4, 3, Dilation = 0)|}] public partial class Net;"
        },
        {
            "NG0104 Conv2d with a negative dilation",
            "[Input(2, 8, 8), {|NG0104:Conv2d(4, 3, Dilation = -1)|}] public partial class Net;"
        },
        {
            "NG0114 Conv2d whose dilated kernel is larger than the input",
            "[Input(1, 4, 4), {|NG0114:Conv2d(2, 3, Dilation = 2)|}] public partial class Net;"
        },
        {
            "NG0116 MaxPool2d in ceil mode with a window larger than the input",
            "[Input(1, 2, 2), {|NG0116:MaxPool2d(3, CeilMode = true)|}] public partial class Net;"
        },
        {
            "NG0106 AvgPool2d without counted padding, padding more than half the kernel",
            "[Input(1, 8, 8), {|NG0106:AvgPool2d(2, padding: 2, CountIncludePad = false)|}] public partial class Net;"
        },
        {
            "NG0114 AvgPool1d in ceil mode with a window longer than the input",
            "[Input(2, 3), {|NG0114:AvgPool1d(4, CeilMode = true)|}] public partial class Net;"
        },
    };

    [Theory]
    [InlineData("[Linear(4, 2)] public partial class Net { public double ClipGradients() => 0; }")]
    [InlineData("[Linear(4, 2)] public partial class Net { public object forward(object a, object b) => a; }")]
    [InlineData("[Linear(4, 2), ReLU] public partial class Net { public int relu1; }")]
    [InlineData("[Linear(4, 2, Name = \"encoder\")] public partial class Net { public int fc1; }")]
    public Task NG0112_does_not_fire_for_names_NetGen_does_not_generate(string declaration) =>
        AnalyzerVerifier<NetworkDeclarationAnalyzer>.VerifyAsync(Source(declaration));

    [Fact]
    public void A_constructor_that_calls_this_compiles_with_the_generated_one()
    {
        var run = GeneratorHarness.Run(Source("[Linear(4, 2)] public partial class Net { public Net(int seed) : this() { Seed = seed; } public int Seed { get; } }"));
        Assert.Single(run.GeneratedSources);
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.Empty(run.CompilerDiagnostics);
    }

    [Fact]
    public void NG0112_is_not_fooled_by_the_generated_members_themselves()
    {
        var run = GeneratorHarness.Run(SourceFiles.Read("Networks/SeedNetworks.cs"));
        Assert.Equal(2, run.GeneratedSources.Count);
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.Empty(run.CompilerDiagnostics);
    }

    [Fact]
    public void A_depthwise_convolution_whose_groups_do_not_divide_the_channels_says_which_counts_and_why()
    {
        var run = GeneratorHarness.Run(Source("[Input(6, 8, 8), Conv2d(8, 3, Groups = 4)] public partial class Net;"));
        var diagnostic = Assert.Single(run.AnalyzerDiagnostics);
        Assert.Equal("NG0106", diagnostic.Id);
        Assert.Contains(
            "Groups is 4, but it must divide both the 6 input channels and the 8 output channels",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(run.GeneratedSources, s => s.Text.Contains("Conv2d(6, 8", System.StringComparison.Ordinal));
    }

    [Fact]
    public void NG0112_message_names_both_owners_of_the_name()
    {
        var run = GeneratorHarness.Run(Source("[Linear(4, 3), ReLU, Linear(3, 2)] public partial class Net { private int fc2; }"));
        var diagnostic = Assert.Single(run.AnalyzerDiagnostics);
        Assert.Equal(
            "The name 'fc2' in 'Net' is used twice: by a member declared in the class and by the field NetGen generates for the layer fc2 (Linear); rename the member or give the layer another Name",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Analyzer_reports_the_error_at_its_cause(string name, string declaration)
    {
        _ = name;
        return AnalyzerVerifier<NetworkDeclarationAnalyzer>.VerifyAsync(Source(declaration));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_writes_no_network_for_the_invalid_class_and_does_not_throw(string name, string declaration)
    {
        _ = name;
        var run = GeneratorHarness.Run(StripMarkup(Source(declaration)));
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "CS8785");
        // Only the invalid class (always Net, or Outer's Net) loses its code, at most keeping a shell that carries the
        // error (ShellTests); valid helper networks still generate.
        Assert.All(
            run.GeneratedSources.Where(s => s.HintName.EndsWith("Net.g.cs", System.StringComparison.Ordinal)),
            s => Assert.Contains("[global::System.Obsolete(\"NG01", s.Text, System.StringComparison.Ordinal));
        // A shell compiles: no error in generated code.
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error &&
            d.Location.SourceTree is { } tree && !run.Output.SyntaxTrees.Take(1).Contains(tree));
        Assert.Contains(run.AnalyzerDiagnostics, d => d.Id.StartsWith("NG01", System.StringComparison.Ordinal) && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }

    [Fact]
    public void Messages_name_the_numbers_and_the_fix()
    {
        var run = GeneratorHarness.Run(Source("[Linear(784, 300), ReLU, Linear(200, 100)] public partial class Net;"));
        var message = Assert.Single(run.AnalyzerDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            "fc2 (Linear) expects 200 input features, but the previous layer relu1 outputs 300; write [Linear(300, 100)] or change the previous layer",
            message);
    }

    [Fact]
    public void NG0115_names_the_convolution_behind_the_activations_and_the_flattened_size()
    {
        var run = GeneratorHarness.Run(Source("[Input(1, 28, 28), Conv2d(8, 3), ReLU, Dropout(0.25)] [Linear(10)] public partial class Net;"));
        var diagnostic = Assert.Single(run.AnalyzerDiagnostics);
        Assert.Equal(
            "fc1 (Linear) receives samples of shape [8, 26, 26] from conv1; add [Flatten] before it to turn each sample into a vector of 5408 features",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("[Input(1, 28, 28), Conv2d(8, 3), ReLU, Flatten, Linear(10)]")]
    [InlineData("[Input(1, 28, 28), Conv2d(8, 3), ReLU, MaxPool2d(2), Dropout(0.2), Flatten, Dropout(0.2), Linear(10)]")]
    [InlineData("[Input(10, 4), LSTM(8), ReLU, Linear(3)]")]
    [InlineData("[Input(6, 4), LayerNorm, ReLU, Linear(3)]")]
    public void A_Linear_after_a_flatten_or_a_sequence_layer_is_no_NG0115(string layers)
    {
        var run = GeneratorHarness.Run(Source(layers + " public partial class Net;"));
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.Single(run.GeneratedSources);
        Assert.Empty(run.CompilerDiagnostics);
    }

    [Fact]
    public void A_valid_network_next_to_an_invalid_one_is_still_generated()
    {
        var run = GeneratorHarness.Run(Source(
            "[Linear(4, 2)] public partial class Good; [Linear(4, 2), Linear(3, 1)] public partial class Bad;"));
        Assert.Equal(new[] { "Tests.Good.g.cs", "Tests.Bad.g.cs" }, run.GeneratedSources.Select(s => s.HintName));
        Assert.Contains("partial class Good : global::NetGen.NetworkModule", run.GeneratedSources[0].Text, System.StringComparison.Ordinal);
        Assert.Contains("[global::System.Obsolete(\"NG0101: ", run.GeneratedSources[1].Text, System.StringComparison.Ordinal);
        Assert.Equal("NG0101", Assert.Single(run.AnalyzerDiagnostics).Id);
    }

    private static string Source(string declaration) => "using NetGen;\nnamespace Tests;\n" + declaration + "\n";

    private static string StripMarkup(string source) => Regex.Replace(source, @"\{\|[A-Z]+[0-9]+:|\|\}", string.Empty);
}
