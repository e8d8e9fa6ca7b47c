// The convolutional part of the calibration suite: Sigmoid, Tanh and ReLU stacks of 2 to 12 convolutions, with and
// without BatchNorm, with max and average pooling, at PyTorch's default, Xavier and Kaiming initialisation, Conv1d stacks,
// LeNet-5 shapes, global average pooling and strided stacks. Written by make_conv_networks.py; regenerate, don't edit.
using NetGen;

// These networks are meant to trip the gradient-risk rules: .editorconfig beside this file silences them in the build.

namespace NetGen.Tests.Calibration.Convolutional;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid2;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid3;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid4;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid6;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid8;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid12;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, MaxPool2d(2)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvSigmoid4MaxPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, AvgPool2d(2)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, AvgPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvSigmoid4AvgPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, MaxPool2d(2)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvSigmoid8MaxPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, AvgPool2d(2)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, AvgPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvSigmoid8AvgPool;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid4BatchNorm;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid8BatchNorm;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid12BatchNorm;

[Input(1, 8, 8)]
[Conv2d(16, 3, padding: 1), Sigmoid]
[Conv2d(16, 3, padding: 1), Sigmoid]
[Conv2d(16, 3, padding: 1), Sigmoid]
[Conv2d(16, 3, padding: 1), Sigmoid]
[Conv2d(16, 3, padding: 1), Sigmoid]
[Conv2d(16, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid6Wide;

[Input(2, 32)]
[Conv1d(8, 3, padding: 1), Sigmoid]
[Conv1d(8, 3, padding: 1), Sigmoid]
[Conv1d(8, 3, padding: 1), Sigmoid]
[Conv1d(8, 3, padding: 1), Sigmoid]
[Conv1d(8, 3, padding: 1), Sigmoid]
[Conv1d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class Conv1dSigmoid6;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh2;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh3;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh4;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh6;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh8;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh12;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, MaxPool2d(2)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvTanh4MaxPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, AvgPool2d(2)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, AvgPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvTanh4AvgPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, MaxPool2d(2)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvTanh8MaxPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, AvgPool2d(2)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh, AvgPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvTanh8AvgPool;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh4BatchNorm;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh8BatchNorm;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Conv2d(8, 3, padding: 1), BatchNorm, Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh12BatchNorm;

[Input(1, 8, 8)]
[Conv2d(16, 3, padding: 1), Tanh]
[Conv2d(16, 3, padding: 1), Tanh]
[Conv2d(16, 3, padding: 1), Tanh]
[Conv2d(16, 3, padding: 1), Tanh]
[Conv2d(16, 3, padding: 1), Tanh]
[Conv2d(16, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh6Wide;

[Input(2, 32)]
[Conv1d(8, 3, padding: 1), Tanh]
[Conv1d(8, 3, padding: 1), Tanh]
[Conv1d(8, 3, padding: 1), Tanh]
[Conv1d(8, 3, padding: 1), Tanh]
[Conv1d(8, 3, padding: 1), Tanh]
[Conv1d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class Conv1dTanh6;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU2;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU3;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU4;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU6;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU8;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU12;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, MaxPool2d(2)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvReLU4MaxPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, AvgPool2d(2)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, AvgPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvReLU4AvgPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, MaxPool2d(2)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvReLU8MaxPool;

[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, AvgPool2d(2)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, AvgPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvReLU8AvgPool;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU4BatchNorm;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU8BatchNorm;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Conv2d(8, 3, padding: 1), BatchNorm, ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU12BatchNorm;

[Input(1, 8, 8)]
[Conv2d(16, 3, padding: 1), ReLU]
[Conv2d(16, 3, padding: 1), ReLU]
[Conv2d(16, 3, padding: 1), ReLU]
[Conv2d(16, 3, padding: 1), ReLU]
[Conv2d(16, 3, padding: 1), ReLU]
[Conv2d(16, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU6Wide;

[Input(2, 32)]
[Conv1d(8, 3, padding: 1), ReLU]
[Conv1d(8, 3, padding: 1), ReLU]
[Conv1d(8, 3, padding: 1), ReLU]
[Conv1d(8, 3, padding: 1), ReLU]
[Conv1d(8, 3, padding: 1), ReLU]
[Conv1d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class Conv1dReLU6;

[XavierInit]
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh4Xavier;

[XavierInit]
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid4Xavier;

[XavierInit]
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Conv2d(8, 3, padding: 1), Tanh]
[Flatten, Linear(10)]
public partial class ConvTanh8Xavier;

[XavierInit]
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid8Xavier;

[KaimingInit]
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU4Kaiming;

[KaimingInit]
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU8Kaiming;

[KaimingInit]
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU12Kaiming;

[KaimingInit]
[Input(1, 16, 16)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, MaxPool2d(2)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvReLU8KaimingMaxPool;

[Input(1, 28, 28)]
[Conv2d(6, 5, padding: 2), Sigmoid, MaxPool2d(2)]
[Conv2d(16, 5), Sigmoid, MaxPool2d(2)]
[Flatten, Linear(120), Sigmoid]
[Linear(84), Sigmoid]
[Linear(10)]
public partial class LeNetSigmoidMaxPool;

[Input(1, 28, 28)]
[Conv2d(6, 5, padding: 2), Sigmoid, AvgPool2d(2)]
[Conv2d(16, 5), Sigmoid, AvgPool2d(2)]
[Flatten, Linear(120), Sigmoid]
[Linear(84), Sigmoid]
[Linear(10)]
public partial class LeNetSigmoidAvgPool;

[Input(1, 28, 28)]
[Conv2d(6, 5, padding: 2), Tanh, MaxPool2d(2)]
[Conv2d(16, 5), Tanh, MaxPool2d(2)]
[Flatten, Linear(120), Tanh]
[Linear(84), Tanh]
[Linear(10)]
public partial class LeNetTanhMaxPool;

[Input(1, 28, 28)]
[Conv2d(6, 5, padding: 2), Tanh, AvgPool2d(2)]
[Conv2d(16, 5), Tanh, AvgPool2d(2)]
[Flatten, Linear(120), Tanh]
[Linear(84), Tanh]
[Linear(10)]
public partial class LeNetTanhAvgPool;

[Input(1, 28, 28)]
[Conv2d(6, 5, padding: 2), ReLU, MaxPool2d(2)]
[Conv2d(16, 5), ReLU, MaxPool2d(2)]
[Flatten, Linear(120), ReLU]
[Linear(84), ReLU]
[Linear(10)]
public partial class LeNetReLUMaxPool;

[Input(1, 28, 28)]
[Conv2d(6, 5, padding: 2), ReLU, AvgPool2d(2)]
[Conv2d(16, 5), ReLU, AvgPool2d(2)]
[Flatten, Linear(120), ReLU]
[Linear(84), ReLU]
[Linear(10)]
public partial class LeNetReLUAvgPool;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid]
[AdaptiveAvgPool2d(1), Flatten, Linear(10)]
public partial class ConvSigmoid6GlobalPool;

[Input(1, 32, 32)]
[Conv2d(8, 3, stride: 2, padding: 1), Sigmoid]
[Conv2d(8, 3, stride: 2, padding: 1), Sigmoid]
[Conv2d(8, 3, stride: 2, padding: 1), Sigmoid]
[Conv2d(8, 3, stride: 2, padding: 1), Sigmoid]
[Flatten, Linear(10)]
public partial class ConvSigmoid4Strided;

[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[Conv2d(8, 3, padding: 1), ReLU]
[AdaptiveAvgPool2d(1), Flatten, Linear(10)]
public partial class ConvReLU6GlobalPool;

[Input(1, 32, 32)]
[Conv2d(8, 3, stride: 2, padding: 1), ReLU]
[Conv2d(8, 3, stride: 2, padding: 1), ReLU]
[Conv2d(8, 3, stride: 2, padding: 1), ReLU]
[Conv2d(8, 3, stride: 2, padding: 1), ReLU]
[Flatten, Linear(10)]
public partial class ConvReLU4Strided;

