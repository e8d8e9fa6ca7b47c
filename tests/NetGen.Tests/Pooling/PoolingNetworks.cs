using NetGen;

namespace NetGen.Tests.Pooling;

// Networks whose activations sit directly before a max-pooling: the generated forward pools first and activates the
// pooled tensor when nobody observes the pass. PoolingOrderTests runs each both ways and against libtorch's own layers
// in the declared order; the snapshot tests hold ConvNet's and Conv1dLeakyNet's forward to golden files.

/// <summary>The benchmarks' ConvNet: two Conv2d + ReLU + MaxPool2d(2) blocks, then the classifier.</summary>
[Input(1, 28, 28)]
[Conv2d(16, 3, padding: 1), ReLU, MaxPool2d(2)]
[Conv2d(32, 3), ReLU, MaxPool2d(2)]
[Flatten, Linear(10)]
public partial class ConvNet;

/// <summary>ReLU6 before a pooling of odd-sized maps (15 x 15: the last row and column belong to no window).</summary>
[Input(2, 15, 15)]
[Conv2d(6, 3, padding: 1), ReLU6, MaxPool2d(2)]
[Flatten, Linear(4)]
public partial class Relu6OddNet;

/// <summary>LeakyReLU before 2-D pooling, then a pooling of another window (libtorch's kernel) after a ReLU.</summary>
[Input(3, 20, 20)]
[Conv2d(8, 3), LeakyReLU(0.1), MaxPool2d(2)]
[Conv2d(8, 3), ReLU, MaxPool2d(3)]
[Flatten, Linear(5)]
public partial class LeakyConvNet;

/// <summary>1-D: LeakyReLU and ReLU before MaxPool1d(2), on odd and even lengths.</summary>
[Input(3, 41)]
[Conv1d(8, 3, padding: 1), LeakyReLU, MaxPool1d(2)]
[Conv1d(8, 3), ReLU, MaxPool1d(2)]
[Flatten, Linear(3)]
public partial class Conv1dLeakyNet;

/// <summary>ConvNet under a gradient monitor: its probes watch every declared layer, so the declared order always runs.</summary>
[Input(1, 28, 28)]
[Conv2d(16, 3, padding: 1), ReLU, MaxPool2d(2)]
[Conv2d(32, 3), ReLU, MaxPool2d(2)]
[Flatten, Linear(10)]
[GradientMonitor(SampleEvery = 1)]
public partial class MonitoredConvNet;
