using NetGen;

namespace NetGen.GradientLab;

// The networks Gradient Lab trains, declared with NetGen attributes. Everything the lab reports about a
// variant's architecture (layer names, shapes, which layers are ReLU, the compile-time warnings) comes
// from these declarations; this file is also embedded in the program so the lab can run NetGen's
// analyzers on it at run time (see Analysis/CompileTimeDiagnostics.cs).
//
// The spiral networks share one shape: 2 inputs, 10 Linear layers (the first 2 -> 64, eight 64 -> 64,
// the last 64 -> 3), an activation after every hidden Linear. Only the activation, normalisation,
// residual connections or initialisation change, so differences in gradient flow come from those alone.
//
// [GradientMonitor(SampleEvery = 1)] gives each network NetGen's runtime gradient monitor (its generated Monitor
// property), sampling every training step so the lab can draw per-step curves; the lab's verdicts are that
// monitor's verdicts (see Measurement/MonitorGradientProbe.cs). Its thresholds are the published defaults.

/// <summary>Ten Linear layers with Sigmoid: the textbook vanishing-gradient network.</summary>
[Input(2)]
[Linear(64), Sigmoid]
[Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid]
[Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid]
[Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class SigmoidNet;

/// <summary>The same network with Tanh.</summary>
[Input(2)]
[Linear(64), Tanh]
[Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh]
[Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh]
[Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class TanhNet;

/// <summary>The same network with ReLU, at PyTorch's default initialisation.</summary>
[Input(2)]
[Linear(64), ReLU]
[Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU]
[Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU]
[Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class ReluNet;

/// <summary>The same network with LeakyReLU (slope 0.01).</summary>
[Input(2)]
[Linear(64), LeakyReLU]
[Linear(64), LeakyReLU, Linear(64), LeakyReLU, Linear(64), LeakyReLU, Linear(64), LeakyReLU]
[Linear(64), LeakyReLU, Linear(64), LeakyReLU, Linear(64), LeakyReLU, Linear(64), LeakyReLU]
[Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class LeakyReluNet;

/// <summary>ReLU followed by BatchNorm after every hidden Linear, in the order of the seed's SimpleNet.</summary>
[Input(2)]
[Linear(64), ReLU, BatchNorm]
[Linear(64), ReLU, BatchNorm, Linear(64), ReLU, BatchNorm, Linear(64), ReLU, BatchNorm, Linear(64), ReLU, BatchNorm]
[Linear(64), ReLU, BatchNorm, Linear(64), ReLU, BatchNorm, Linear(64), ReLU, BatchNorm, Linear(64), ReLU, BatchNorm]
[Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class ReluBatchNormNet;

/// <summary>One residual block: x -> ReLU(Linear(x)); the residual connection adds x around it.</summary>
[Linear(64, 64), ReLU]
public partial class ResidualBlock;

/// <summary>The ReLU network with a residual connection around each of the eight hidden layers.</summary>
[Input(2)]
[Linear(64), ReLU]
[Residual(typeof(ResidualBlock), Repeat = 8)]
[Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class ResidualNet;

/// <summary>The Tanh network, initialised with Xavier (Glorot) uniform, gain 5/3 as calculate_gain("tanh") gives.</summary>
[Input(2)]
[Linear(64), Tanh]
[Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh]
[Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh, Linear(64), Tanh]
[Linear(3)]
[XavierInit]
[GradientMonitor(SampleEvery = 1)]
public partial class TanhXavierNet;

/// <summary>The ReLU network, initialised with Kaiming (He) uniform, fan-in mode, gain √2 for ReLU.</summary>
[Input(2)]
[Linear(64), ReLU]
[Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU]
[Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU, Linear(64), ReLU]
[Linear(3)]
[KaimingInit]
[GradientMonitor(SampleEvery = 1)]
public partial class ReluKaimingNet;

/// <summary>The seed's DeepNet without gradient clipping.</summary>
[Linear(100, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1)]
[GradientMonitor(SampleEvery = 1)]
public partial class DeepNet;

/// <summary>The seed's DeepNet, with gradient clipping declared on the class as in the seed.</summary>
[Linear(100, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1)]
[ClipGradNorm(1.0)]
[GradientMonitor(SampleEvery = 1)]
public partial class ClippedDeepNet;

// The convolutional pair: six 3×3 convolutions of 8 channels on 1×8×8 images, each followed by Sigmoid, then a
// Linear classifier; the second adds BatchNorm (BatchNorm2d) after every convolution and changes nothing else.

/// <summary>Six Sigmoid convolutions: the LeNet-era stack whose gradient vanishes before it reaches the first layers.</summary>
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), Sigmoid, Conv2d(8, 3, padding: 1), Sigmoid, Conv2d(8, 3, padding: 1), Sigmoid]
[Conv2d(8, 3, padding: 1), Sigmoid, Conv2d(8, 3, padding: 1), Sigmoid, Conv2d(8, 3, padding: 1), Sigmoid]
[Flatten, Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class ConvSigmoidNet;

/// <summary>The same convolutions with BatchNorm after each one.</summary>
[Input(1, 8, 8)]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid, Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid, Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid, Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid, Conv2d(8, 3, padding: 1), BatchNorm, Sigmoid]
[Flatten, Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class ConvSigmoidBatchNormNet;

// The recurrent pair: one RNN(32) (tanh) over 30 steps of 3 features, its last step classified by a Linear layer;
// the second declares [ClipGradNorm(1.0)] and changes nothing else.

/// <summary>A plain RNN over a long sequence, without gradient clipping.</summary>
[Input(30, 3)]
[RNN(32), LastStep, Linear(3)]
[GradientMonitor(SampleEvery = 1)]
public partial class LongRnnNet;

/// <summary>The same RNN with gradient clipping declared on the class.</summary>
[Input(30, 3)]
[RNN(32), LastStep, Linear(3)]
[ClipGradNorm(1.0)]
[GradientMonitor(SampleEvery = 1)]
public partial class ClippedLongRnnNet;
