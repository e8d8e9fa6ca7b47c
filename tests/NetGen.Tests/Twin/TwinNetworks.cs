using NetGen;

namespace NetGen.Tests.Twin;

// Networks that declare what the catalogue networks leave out: initialisation (class-level and per layer, with
// gains from LeakyReLU, Tanh, ReLU and Sigmoid), a loss and clipping. The twin must carry all of it.

/// <summary>A classifier with Kaiming initialisation, a Xavier layer, cross-entropy and norm clipping.</summary>
[Input(6), Linear(8), LeakyReLU(0.2), Linear(8, Init = Init.XavierNormal), Tanh, Linear(3)]
[KaimingInit]
[Loss(LossFunction.CrossEntropy)]
[ClipGradNorm(0.5)]
public partial class TwinClassifier;

/// <summary>A regressor with Xavier initialisation keeping the default bias, MSE and both kinds of clipping.</summary>
[Input(2, 8, 8), Conv2d(3, 3, padding: 1), ReLU, Flatten, Linear(4), Sigmoid, Linear(2)]
[XavierInit(ZeroBias = false)]
[Loss(LossFunction.MeanSquaredError)]
[ClipGradValue(0.05)]
[ClipGradNorm(1.0, NormType = 1.0)]
public partial class TwinRegressor;

/// <summary>V01Mlp's layers with three outputs instead of five: the same state-dict keys, one shape different.</summary>
[Linear(10, 20), ReLU, Linear(20, 3)]
public partial class MlpWithThreeOutputs;

/// <summary>A block whose class name is one the twin module uses itself (torch.nn.functional is imported as F).</summary>
[Linear(3, 3), Tanh]
public partial class F;

/// <summary>Layer names that are Python keywords, and a block class named F: the twin must still import and load.</summary>
[Linear(4, 3, Name = "pass"), ReLU, Residual(typeof(F), Name = "lambda"), Linear(3, 2, Name = "_private")]
public partial class TwinReservedNames;

/// <summary>
/// Declared initialisation of a transposed and a 3-D convolution: PyTorch's fans of the transposed weight
/// [in, out / groups, k, k] (fan-in = out / groups · k²) and the gain of the LeakyReLU after it, Xavier from the class.
/// </summary>
[Input(2, 3, 3, 3), Conv3d(4, 2, padding: 1, Groups = 2), Flatten, Linear(18), Tanh]
[XavierInit(ZeroBias = false)]
public partial class TwinVolumeInit;

/// <summary>Kaiming on a transposed convolution followed by LeakyReLU(0.2), then bilinear upsampling.</summary>
[Input(4, 3, 3), ConvTranspose2d(6, 3, stride: 2, Groups = 2, Init = Init.KaimingUniform), LeakyReLU(0.2)]
[Upsample(2, Mode = Interpolation.Bilinear), Flatten, Linear(3)]
public partial class TwinTransposedInit;
