using NetGen;

namespace NetGen.Tests.Readme;

// The examples of docs/layers.md, compiled and run as written.

[Input(8, 14, 14), Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
public partial class ConvBlock;

[Input(1, 28, 28)]
[Conv2d(8, 3, stride: 2, padding: 1), BatchNorm, ReLU]    // -> [8, 14, 14]
[Residual(typeof(ConvBlock), Repeat = 2)]
[AdaptiveAvgPool2d(1), Flatten, Linear(10)]
public partial class SmallResNet;

[Input(10, 8), LSTM(32, 2), LastStep, Linear(1)]           // 10 steps of 8 features -> one value
[ClipGradNorm(1.0)]                                         // recurrent stacks need clipping (NG0010)
public partial class SequenceRegressor;
