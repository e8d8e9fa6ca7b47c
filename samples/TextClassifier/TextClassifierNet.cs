using NetGen;

namespace NetGen.Samples;

/// <summary>
/// A transformer text classifier: 16 token ids (vocabulary 64, id 0 is padding) to learned vectors with learned
/// positions, two post-norm encoder layers (4 heads, feed-forward 64), the mean over the steps, and 4 classes.
/// </summary>
[Input(16), Embedding(64, 32, PaddingIdx = 0), PositionalEmbedding]
[TransformerEncoderLayer(4, 64, Dropout = 0.1), TransformerEncoderLayer(4, 64, Dropout = 0.1)]
[MeanPool, Linear(4)]
[Loss(LossFunction.CrossEntropy)]
public partial class TextClassifierNet;
