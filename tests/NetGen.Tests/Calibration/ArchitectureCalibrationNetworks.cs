using NetGen;

namespace NetGen.Tests.Calibration.Architecture;

// NG0001's calibration for residual connections with a projection shortcut (ResNet's downsample): y = P(x) + B(x).
// Each network has a Linear stem, one block that narrows 64 to 32 features, then k same-width projected blocks, and a
// Linear(10) head. The shortcut's gradient gain (a Linear at PyTorch's default initialisation passes about 1/3 of the
// gradient's second moment; with BatchNorm about 1 / its input's variance) decides whether deep stacks vanish.
// CalibrationTests measures every class not used as a block.

[Linear(64, 32), Sigmoid, Linear(32, 32), Sigmoid]
public partial class SigmoidDown;

[Linear(64, 32)]
public partial class LinearDown;

[Linear(64, 32), BatchNorm]
public partial class NormDown;

[Linear(32, 32), Sigmoid, Linear(32, 32), Sigmoid]
public partial class SigmoidPair32;

[Linear(32, 32), Tanh, Linear(32, 32), Tanh]
public partial class TanhPair32;

[Linear(64, 32), ReLU, Linear(32, 32)]
public partial class ReLUDown;

[Linear(32, 32), ReLU, Linear(32, 32)]
public partial class ReLUPair32;

[Linear(32, 32)]
public partial class Linear32;

[Linear(32, 32), BatchNorm]
public partial class Norm32;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Linear(10)]
public partial class ProjectedSigmoid1;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Linear32), Repeat = 2), Linear(10)]
public partial class ProjectedSigmoid3;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Linear32), Repeat = 4), Linear(10)]
public partial class ProjectedSigmoid5;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Linear32), Repeat = 6), Linear(10)]
public partial class ProjectedSigmoid7;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Linear32), Repeat = 9), Linear(10)]
public partial class ProjectedSigmoid10;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Linear32), Repeat = 13), Linear(10)]
public partial class ProjectedSigmoid14;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Linear32), Repeat = 19), Linear(10)]
public partial class ProjectedSigmoid20;

[Linear(64, 64), Tanh, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(TanhPair32), Shortcut = typeof(Linear32), Repeat = 5), Linear(10)]
public partial class ProjectedTanh6;

[Linear(64, 64), Tanh, Residual(typeof(SigmoidDown), Shortcut = typeof(LinearDown)), Residual(typeof(TanhPair32), Shortcut = typeof(Linear32), Repeat = 11), Linear(10)]
public partial class ProjectedTanh12;

[Linear(64, 64), ReLU, Residual(typeof(ReLUDown), Shortcut = typeof(LinearDown)), Residual(typeof(ReLUPair32), Shortcut = typeof(Linear32), Repeat = 3), Linear(10)]
public partial class ProjectedReLU4;

[Linear(64, 64), ReLU, Residual(typeof(ReLUDown), Shortcut = typeof(LinearDown)), Residual(typeof(ReLUPair32), Shortcut = typeof(Linear32), Repeat = 7), Linear(10)]
public partial class ProjectedReLU8;

[Linear(64, 64), ReLU, Residual(typeof(ReLUDown), Shortcut = typeof(LinearDown)), Residual(typeof(ReLUPair32), Shortcut = typeof(Linear32), Repeat = 15), Linear(10)]
public partial class ProjectedReLU16;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(NormDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Norm32), Repeat = 9), Linear(10)]
public partial class NormProjectedSigmoid10;

[Linear(64, 64), Sigmoid, Residual(typeof(SigmoidDown), Shortcut = typeof(NormDown)), Residual(typeof(SigmoidPair32), Shortcut = typeof(Norm32), Repeat = 3), Linear(10)]
public partial class NormProjectedSigmoid4;

[Linear(64, 64), ReLU, Residual(typeof(ReLUDown), Shortcut = typeof(NormDown)), Residual(typeof(ReLUPair32), Shortcut = typeof(Norm32), Repeat = 7), Linear(10)]
public partial class NormProjectedReLU8;

// Token sequences: an Embedding of 16 token ids drawn uniformly from the vocabulary, with or without a learned positional
// embedding, mean pooling over the steps, then a Linear stack. Pooling 16 steps leaves each feature a sixteenth of the
// lookup's variance (plus a sixteenth of the positions'), which the first Linear layer's weight gradient is proportional to.

[Input(16), Embedding(64, 32), MeanPool, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(10)]
public partial class TextSigmoid2;

[Input(16), Embedding(64, 32), MeanPool, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(10)]
public partial class TextSigmoid3;

[Input(16), Embedding(64, 32), MeanPool, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(10)]
public partial class TextSigmoid4;

[Input(16), Embedding(64, 32), MeanPool, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(10)]
public partial class TextSigmoid6;

[Input(16), Embedding(1000, 64, PaddingIdx = 0), PositionalEmbedding, MeanPool, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(10)]
public partial class TextPositionalSigmoid2;

[Input(16), Embedding(1000, 64, PaddingIdx = 0), PositionalEmbedding, MeanPool, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(10)]
public partial class TextPositionalSigmoid3;

[Input(16), Embedding(1000, 64, PaddingIdx = 0), PositionalEmbedding, MeanPool, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(64), Sigmoid, Linear(10)]
public partial class TextPositionalSigmoid5;

[Input(16), Embedding(64, 32), PositionalEmbedding, Tanh, MeanPool, Linear(32), Tanh, Linear(32), Tanh, Linear(32), Tanh, Linear(10)]
public partial class TextTanhBeforePool;

[Input(16), Embedding(64, 32), PositionalEmbedding, MeanPool, LayerNorm, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(32), Sigmoid, Linear(10)]
public partial class TextLayerNormSigmoid4;

[Input(16), Embedding(64, 32), Dropout(0.1), MeanPool, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(10)]
public partial class TextReLU4;

[Input(16), Embedding(64, 32), MeanPool, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(10)]
public partial class TextReLU8;

[Input(16), Embedding(64, 32), PositionalEmbedding, MeanPool, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(32), ReLU, Linear(10)]
public partial class TextPositionalReLU12;
