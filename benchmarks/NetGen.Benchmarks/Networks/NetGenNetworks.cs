using NetGen;

namespace NetGen.Benchmarks.Networks;

// The networks as a NetGen user writes them; this project references the generator as an analyzer, so
// the modules measured here are the ones the real compiler generated.

/// <summary>The seed's SimpleNet: Linear -> ReLU -> BatchNorm, twice, then the output layer.</summary>
[Linear(784, 300), ReLU, BatchNorm]
[Linear(300, 100), ReLU, BatchNorm]
[Linear(100, 10)]
public partial class SimpleNet;

/// <summary>The seed's DeepNet, with gradient clipping declared on the class.</summary>
[Linear(100, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1)]
[ClipGradNorm(1.0)]
public partial class DeepNet;

/// <summary>A 20-layer MLP, 256 wide: many small layers, so per-layer overhead (dispatch, disposal, hooks) shows.</summary>
/// <remarks>It measures speed, not training: NetGen's analyzers rightly predict vanishing gradients for it.</remarks>
#pragma warning disable NG0001, NG0002
[Linear(256, 256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(256), ReLU]
[Linear(10)]
public partial class Mlp20;
#pragma warning restore NG0001, NG0002

/// <summary>
/// A small MNIST-sized convolutional network: two 3x3 convolutions with ReLU and 2x2 max pooling, then the
/// classifier. [1, 28, 28] -> [16, 28, 28] -> [16, 14, 14] -> [32, 12, 12] -> [32, 6, 6] -> 1,152 -> 10.
/// </summary>
[Input(1, 28, 28)]
[Conv2d(16, 3, padding: 1), ReLU, MaxPool2d(2)]
[Conv2d(32, 3), ReLU, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvNet;
