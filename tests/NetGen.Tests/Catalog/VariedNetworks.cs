using NetGen;

// These networks check shapes and parameter counts, not training: their recurrent stacks go unclipped and their
// gradients vanish on purpose.
#pragma warning disable NG0001, NG0010

namespace NetGen.Tests.Catalog;

// Twenty varied networks for the summary-versus-runtime check.

[Linear(10, 20), ReLU, Linear(20, 5)] public partial class V01Mlp;
[Linear(8, 8, Bias = false), BatchNorm, Tanh, Linear(8, 2)] public partial class V02NoBias;
[Input(6), Linear(12), Sigmoid, Linear(3)] public partial class V03InferredLinear;
[Input(3, 16, 16), Conv2d(4, 5), ReLU, MaxPool2d(2), Flatten, Linear(10)] public partial class V04SmallCnn;
[Input(1, 28, 28), Conv2d(16, 3, padding: 1), BatchNorm, ReLU, MaxPool2d(2), Conv2d(32, 3, padding: 1), ReLU, AdaptiveAvgPool2d(1), Flatten, Linear(10)] public partial class V05MnistCnn;
[Input(2, 9, 9), Conv2d(3, 3, stride: 3), Flatten, Linear(4)] public partial class V06Strided;
[Input(4, 32), Conv1d(8, 5, stride: 2), ReLU, Conv1d(2, 3), Flatten, Linear(6)] public partial class V07Conv1d;
[Input(20, 3), LSTM(16), LastStep, Linear(1)] public partial class V08LstmRegressor;
[Input(15, 4), GRU(8, 3), LastStep, Linear(2), LogSoftmax] public partial class V09DeepGru;
[Input(7, 2), RNN(5, 2), LayerNorm, LastStep] public partial class V10Rnn;
[Input(16), Residual(typeof(VectorBlock), Repeat = 4), Linear(1)] public partial class V11DeepResidual;
[Input(32), Block(typeof(Encoder)), Linear(32), Block(typeof(Encoder), Name = "second"), ReLU] public partial class V12TwoBlocks;
[Linear(5, 5), PReLU, Linear(5, 5), PReLU(InitialSlope = 0.1), Linear(5, 1)] public partial class V13PRelu;
[Linear(6, 6), LayerNorm, GELU, Dropout(0.1), Linear(6, 6), LayerNorm, GELU, Linear(6, 3), Softmax(1)] public partial class V14Transformerish;
[Input(3, 8, 8), AvgPool2d(2, stride: 2), BatchNorm, Flatten, Linear(7)] public partial class V15PoolFirst;
[Input(1, 5, 5), Conv2d(2, 3, padding: 1, Bias = false), Conv2d(2, 5), Flatten] public partial class V16FullKernel;
[Linear(4, 3), ELU, Linear(3, 3), SELU, Linear(3, 3), ReLU6, Linear(3, 2), LeakyReLU] public partial class V17ActivationMix;
[Input(3, 10, 10), MaxPool2d(3, stride: 2, padding: 1), AdaptiveAvgPool2d(2, 3), Flatten, Linear(4)] public partial class V18AdaptiveRect;
[Input(9), Dropout(0.5), Linear(9, 4, Name = "hidden"), ReLU, Linear(2, Name = "head")] public partial class V19CustomNames;
[Input(2, 6, 6), Residual(typeof(ConvShapeBlock)), Flatten, Linear(3)] public partial class V20ResidualConv;

/// <summary>A residual block for 2x6x6 maps.</summary>
[Input(2, 6, 6), Conv2d(2, 3, padding: 1), Tanh]
public partial class ConvShapeBlock;

/// <summary>A block that halves 2x6x6 maps to 4x3x3, and the projection shortcut that matches it.</summary>
[Input(2, 6, 6), Conv2d(4, 3, stride: 2, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(4, 3, padding: 1)]
public partial class HalvingBlock;

/// <summary>A 1x1 strided convolution with BatchNorm, 2x6x6 to 4x3x3 (ResNet's downsample).</summary>
[Input(2, 6, 6), Conv2d(4, 1, stride: 2, Bias = false), BatchNorm]
public partial class HalvingProjection;

[Input(2, 6, 6), Residual(typeof(HalvingBlock), Shortcut = typeof(HalvingProjection)), ReLU, Flatten, Linear(3)] public partial class V21ProjectedResidual;

/// <summary>Two convolution branches over 3x8x8 maps.</summary>
[Input(3, 8, 8), Conv2d(4, 1)] public partial class PointwiseBranch;

[Input(3, 8, 8), Conv2d(2, 3, padding: 1), ReLU] public partial class SpatialBranch;

[Input(3, 8, 8), Conv2d(4, 3, padding: 1), Tanh] public partial class SpatialBranch4;

[Input(3, 8, 8), Branches(typeof(PointwiseBranch), typeof(SpatialBranch)), BatchNorm, Branches(typeof(Width6A), typeof(Width6B), Merge = BranchMerge.Add), Flatten, Linear(2)]
public partial class V22Branches;

/// <summary>Branches of the same output shape, for addition.</summary>
[Input(6, 8, 8), Conv2d(6, 1)] public partial class Width6A;

[Input(6, 8, 8), Conv2d(6, 3, padding: 1), ReLU] public partial class Width6B;
