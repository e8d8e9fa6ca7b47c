using System;

namespace NetGen
{
    /// <summary>
    /// A lookup table of learned vectors for token ids (PyTorch's <c>nn.Embedding</c>), named <c>emb{k}</c>: the input is
    /// integer token ids <c>[steps]</c> per sample (declare <c>[Input(steps)]</c> and pass an int64 tensor
    /// <c>[batch, steps]</c>), the output <c>[steps, dim]</c>. The generated forward checks at run time that the ids are integers.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class EmbeddingAttribute : LayerAttribute
    {
        /// <summary>Declares an embedding.</summary>
        /// <param name="numEmbeddings">The vocabulary size: token ids run from 0 to numEmbeddings - 1.</param>
        /// <param name="dim">The size of each vector.</param>
        public EmbeddingAttribute(long numEmbeddings, long dim)
        {
            NumEmbeddings = numEmbeddings;
            Dim = dim;
        }

        /// <summary>The vocabulary size.</summary>
        public long NumEmbeddings { get; }

        /// <summary>The size of each vector.</summary>
        public long Dim { get; }

        /// <summary>A token id whose vector starts at zero and gets no gradient (padding); -1 (the default) for none.</summary>
        public long PaddingIdx { get; set; } = -1;
    }

    /// <summary>
    /// A learned positional embedding, named <c>pos{k}</c>: adds one trained vector per step to a <c>[steps, features]</c>
    /// sequence. Its parameter <c>weight</c> is <c>[steps, features]</c>, as PyTorch's <c>nn.Embedding(steps, features)</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class PositionalEmbeddingAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Multi-head self-attention over a <c>[steps, features]</c> sequence (PyTorch's <c>nn.MultiheadAttention</c> with
    /// query = key = value, batch-first), named <c>attn{k}</c>; the shape is unchanged.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MultiheadAttentionAttribute : LayerAttribute
    {
        /// <summary>Declares self-attention.</summary>
        /// <param name="heads">The number of heads; the feature size must be a multiple of it.</param>
        public MultiheadAttentionAttribute(long heads)
        {
            Heads = heads;
        }

        /// <summary>The number of heads.</summary>
        public long Heads { get; }

        /// <summary>Whether each step attends only to itself and earlier steps (a causal mask).</summary>
        public bool Causal { get; set; }

        /// <summary>Dropout on the attention weights in training mode (default 0).</summary>
        public double Dropout { get; set; }
    }

    /// <summary>
    /// A transformer encoder layer (Vaswani et al., 2017) over a <c>[steps, features]</c> sequence, with PyTorch's
    /// <c>nn.TransformerEncoderLayer(batch_first=True)</c> structure and names (<c>self_attn</c>, <c>linear1</c>,
    /// <c>linear2</c>, <c>norm1</c>, <c>norm2</c>), named <c>enc{k}</c>; the shape is unchanged.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class TransformerEncoderLayerAttribute : LayerAttribute
    {
        /// <summary>Declares an encoder layer.</summary>
        /// <param name="heads">The number of attention heads; the feature size must be a multiple of it.</param>
        /// <param name="feedForward">The hidden size of the feed-forward block.</param>
        public TransformerEncoderLayerAttribute(long heads, long feedForward)
        {
            Heads = heads;
            FeedForward = feedForward;
        }

        /// <summary>The number of attention heads.</summary>
        public long Heads { get; }

        /// <summary>The hidden size of the feed-forward block.</summary>
        public long FeedForward { get; }

        /// <summary>Dropout in training mode (PyTorch's default 0.1).</summary>
        public double Dropout { get; set; } = 0.1;

        /// <summary>Pre-norm (LayerNorm before each block) instead of PyTorch's default post-norm.</summary>
        public bool NormFirst { get; set; }
    }

    /// <summary>Mean over the steps of a <c>[steps, features]</c> sequence: <c>[features]</c> (<c>x.mean(1)</c>).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MeanPoolAttribute : LayerAttribute
    {
    }
}
