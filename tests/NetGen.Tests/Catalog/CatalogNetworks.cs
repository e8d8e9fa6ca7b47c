using NetGen;

// These networks check shapes and parameter counts, not training: their recurrent stacks go unclipped and their
// gradients vanish on purpose.
#pragma warning disable NG0001, NG0010

namespace NetGen.Tests.Catalog;

// Networks that together use every layer kind in the catalogue. The runtime tests run each one
// forward and backward on TorchSharp and compare every layer's output shape and parameter count
// with the compile-time Summary; EveryLayerNet is also a snapshot test. The kinds without an NG0001 term (transposed
// convolutions, upsampling) sit in EverySequenceLayerNet and the L1 networks, so EveryLayerNet's snapshot keeps its
// predicted "Grad @ init" column.

/// <summary>A residual block for 16-feature vectors: Linear -> ReLU -> Linear, shape unchanged.</summary>
[Linear(16, 16), ReLU, Linear(16, 16)]
public partial class VectorBlock;

/// <summary>A residual block for 8x14x14 feature maps.</summary>
[Input(8, 14, 14), Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
public partial class ConvBlock;

/// <summary>An encoder reused as a layer.</summary>
[Linear(32, 16), Tanh]
public partial class Encoder;

/// <summary>Every layer kind once, in an order that makes sense shape-wise.</summary>
[Input(1, 28, 28)]
[Conv2d(8, 3, stride: 2, padding: 1), BatchNorm, PReLU(NumParameters = 8)]
[Residual(typeof(ConvBlock))]
[GroupNorm(8), InstanceNorm2d(Affine = true), Dropout2d(0.1), Identity]
[MaxPool2d(2, stride: 1), AvgPool2d(2), AdaptiveAvgPool2d(3)]
[Flatten, Linear(32), LayerNorm, LeakyReLU(0.1)]
[Unflatten(1, 4, 8), Transpose(1, 2), Reshape(32)]
[Block(typeof(Encoder)), Dropout(0.25)]
[Residual(typeof(VectorBlock), Repeat = 2)]
[Linear(24), Tanh, Linear(24), ELU(0.5), Linear(20), SELU, Linear(18), GELU, Linear(16), ReLU6, Linear(12), Sigmoid, Linear(10)]
[LogSoftmax(1)]
public partial class EveryLayerNet;

/// <summary>Sequence layers: [steps, features] batch-first sequences.</summary>
[Input(12, 5)]
[Conv1d(6, 3, padding: 1), BatchNorm, ReLU]
[InstanceNorm1d(Affine = true)]
[MaxPool1d(2, stride: 1), Upsample(2, Mode = Interpolation.Linear), AvgPool1d(2), AdaptiveAvgPool1d(3), ConvTranspose1d(6, 3)]
[LSTM(10, 2), GRU(7, Bidirectional = true), RNN(4), LastStep]
[Linear(3), Softmax(-1)]
public partial class EverySequenceLayerNet;

/// <summary>Text layers: token ids through an embedding, positions, two encoder layers, causal attention, mean pooling.</summary>
[Input(6), Embedding(20, 8, PaddingIdx = 0), PositionalEmbedding]
[TransformerEncoderLayer(2, 16), TransformerEncoderLayer(2, 16, Dropout = 0, NormFirst = true), MultiheadAttention(2, Causal = true)]
[MeanPool, Linear(3)]
public partial class EveryTextLayerNet;

/// <summary>GroupNorm and InstanceNorm2d with and without affine parameters, over convolution feature maps.</summary>
[Input(3, 6, 6)]
[Conv2d(8, 3, padding: 1), GroupNorm(2), ReLU]
[Conv2d(6, 3), InstanceNorm2d, GroupNorm(1, Affine = false, Eps = 1e-3), Tanh]
[Conv2d(4, 1), GroupNorm(4, Eps = 1e-4), InstanceNorm2d(Affine = true, Eps = 1e-3)]
[Flatten, Linear(5)]
public partial class L2NormNet;

/// <summary>Reshaping between a convolution's [channels, length] and a sequence's [steps, features]: Unflatten, Transpose,
/// Reshape, Identity, channel dropout, InstanceNorm1d and GroupNorm over [channels, length].</summary>
[Input(2, 4, 6), Dropout2d(0.2), Identity, Flatten]
[Unflatten(1, 6, 8), InstanceNorm1d(Affine = true), Transpose(1, 2)]
[Conv1d(4, 3, padding: 1), GroupNorm(2), InstanceNorm1d, ReLU]
[Reshape(6, 4), Transpose(-1, -2), Linear(3), Flatten, Linear(2)]
public partial class L2ReshapeNet;

/// <summary>Bidirectional recurrent layers, stacked and one after another, followed by a Linear on every step and the last step.</summary>
[Input(7, 5)]
[LSTM(6, 2, Bidirectional = true), GRU(4, Bidirectional = true), RNN(3, 2, Bidirectional = true)]
[Linear(4), LastStep, Linear(2)]
public partial class L2BidirectionalNet;

/// <summary>A bidirectional GRU pooled over steps.</summary>
[Input(5, 3), GRU(4, Bidirectional = true), MeanPool, Linear(2)]
public partial class L2BidirectionalPooled;

/// <summary>Transposed 2-D convolutions (stride, output padding, groups, dilation) and upsampling by size and by factor.</summary>
[Input(3, 5, 5)]
[ConvTranspose2d(6, 3, stride: 2, padding: 1, outputPadding: 1), ReLU]
[ConvTranspose2d(4, 3, Groups = 2, Dilation = 2, Bias = false)]
[Upsample(Size = new long[] { 9, 21 }, Mode = Interpolation.Bilinear), Tanh]
[Upsample(2), Upsample(1.5, Mode = Interpolation.Bilinear, AlignCorners = true)]
[MaxPool2d(3), Flatten, Linear(5)]
public partial class L1ConvTransposeNet;

/// <summary>1-D layers: transposed convolutions, max, average and adaptive pooling, linear and nearest upsampling.</summary>
[Input(4, 20)]
[ConvTranspose1d(6, 4, stride: 2, padding: 1), ReLU]
[MaxPool1d(2), AvgPool1d(3, stride: 2, padding: 1)]
[Upsample(2, Mode = Interpolation.Linear), Upsample(Size = new long[] { 27 }, Mode = Interpolation.Linear, AlignCorners = true), Upsample(3)]
[AdaptiveAvgPool1d(7), ConvTranspose1d(3, 2, stride: 3, outputPadding: 2, Groups = 3)]
[Upsample(Size = new long[] { 40 }), AdaptiveAvgPool1d(1), Flatten, Linear(2)]
public partial class L1SequenceNet;

/// <summary>3-D convolutions (padding, stride, groups, dilation), 3-D batch normalisation and nearest upsampling of volumes.</summary>
[Input(2, 6, 6, 6)]
[Conv3d(4, 3, padding: 1, Bias = false), BatchNorm, ReLU]
[Conv3d(6, 3, stride: 2, Groups = 2), Upsample(2)]
[Conv3d(2, 2, Dilation = 2, Bias = false), Flatten, Linear(3)]
public partial class L1VolumeNet;

/// <summary>MobileNet-style depthwise-separable blocks (depthwise 3x3, pointwise 1x1), a dilated strided depthwise
/// convolution, a grouped pointwise convolution, and pooling in ceil mode with and without the padding in the divisor;
/// the AvgPool2d(2, stride 2, padding 1) on 4x4 is PyTorch's case where rounding up would start a window in the right padding.</summary>
[Input(3, 16, 16)]
[Conv2d(8, 3, stride: 2, padding: 1, Bias = false), BatchNorm, ReLU6]
[Conv2d(8, 3, padding: 1, Groups = 8, Bias = false), BatchNorm, ReLU6]
[Conv2d(16, 1, Bias = false), BatchNorm, ReLU6]
[Conv2d(16, 3, stride: 2, padding: 2, Dilation = 2, Groups = 16), ReLU]
[Conv2d(8, 1, Groups = 4)]
[AvgPool2d(2, stride: 2, padding: 1, CeilMode = true), MaxPool2d(2, CeilMode = true)]
[AvgPool2d(3, padding: 1, CeilMode = true, CountIncludePad = false)]
[Flatten, Linear(4)]
public partial class L3DepthwiseNet;

/// <summary>1-D grouped and dilated convolutions and 1-D pooling in ceil mode, with and without the padding counted; the second
/// window of AvgPool1d(2, CeilMode = true) runs past the input, and PyTorch divides it by the one value inside.</summary>
[Input(3, 11)]
[Conv1d(6, 3, padding: 2, Dilation = 2, Groups = 3), ReLU]
[Conv1d(6, 1, Groups = 2), MaxPool1d(2, CeilMode = true)]
[AvgPool1d(3, stride: 2, padding: 1, CeilMode = true, CountIncludePad = false)]
[AvgPool1d(2, stride: 2, padding: 1, CeilMode = true), AvgPool1d(2, CeilMode = true)]
[Conv1d(4, 2, padding: 1, Dilation = 2, Bias = false), AvgPool1d(2, padding: 1, CountIncludePad = false)]
[Flatten, Linear(2)]
public partial class L3DilatedSequenceNet;
