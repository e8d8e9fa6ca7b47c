using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Layers;

/// <summary>
/// A transformer encoder layer over batch-first sequences, with PyTorch's <c>nn.TransformerEncoderLayer(batch_first=True)</c>
/// structure and state-dict names: <c>self_attn</c> (<see cref="SelfAttention"/>), <c>linear1</c>, <c>linear2</c>,
/// <c>norm1</c>, <c>norm2</c>; ReLU in the feed-forward block, LayerNorm eps 1e-5. Post-norm by default
/// (<c>x = norm1(x + attention(x))</c>), pre-norm with <c>normFirst</c> (<c>x = x + attention(norm1(x))</c>).
/// TorchSharp's own <c>TransformerEncoderLayer</c> is sequence-first and has no pre-norm variant.
/// </summary>
public sealed class TransformerEncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly double _dropout;
    private readonly bool _normFirst;

    /// <summary>Creates the layer.</summary>
    /// <param name="features">The model size; a multiple of <paramref name="heads"/>.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="feedForward">The feed-forward block's hidden size.</param>
    /// <param name="dropout">Dropout on attention weights, after each sub-block and inside the feed-forward block (PyTorch's default 0.1).</param>
    /// <param name="normFirst">Pre-norm instead of post-norm.</param>
    public TransformerEncoderLayer(long features, long heads, long feedForward, double dropout = 0.1, bool normFirst = false)
        : base(nameof(TransformerEncoderLayer))
    {
        _dropout = dropout;
        _normFirst = normFirst;
        self_attn = new SelfAttention(features, heads, dropout);
        linear1 = nn.Linear(features, feedForward);
        linear2 = nn.Linear(feedForward, features);
        norm1 = nn.LayerNorm(features);
        norm2 = nn.LayerNorm(features);
        register_module("self_attn", self_attn);
        register_module("linear1", linear1);
        register_module("linear2", linear2);
        register_module("norm1", norm1);
        register_module("norm2", norm2);
    }

    /// <summary>The self-attention block.</summary>
    public readonly SelfAttention self_attn;

    /// <summary>The feed-forward block's first Linear (features to feedForward).</summary>
    public readonly Linear linear1;

    /// <summary>The feed-forward block's second Linear (feedForward to features).</summary>
    public readonly Linear linear2;

    /// <summary>The LayerNorm of the attention block.</summary>
    public readonly LayerNorm norm1;

    /// <summary>The LayerNorm of the feed-forward block.</summary>
    public readonly LayerNorm norm2;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor x;
        if (_normFirst)
        {
            x = input + Drop(self_attn.call(norm1.call(input)));
            x = x + Drop(FeedForward(norm2.call(x)));
        }
        else
        {
            x = norm1.call(input + Drop(self_attn.call(input)));
            x = norm2.call(x + Drop(FeedForward(x)));
        }

        return x.MoveToOuterDisposeScope();
    }

    private Tensor FeedForward(Tensor x) => linear2.call(Drop(nn.functional.relu(linear1.call(x))));

    private Tensor Drop(Tensor x) => _dropout > 0 ? nn.functional.dropout(x, _dropout, training) : x;
}
