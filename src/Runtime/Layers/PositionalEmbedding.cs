using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Layers;

/// <summary>
/// A learned positional embedding: adds one trained vector per step to a batch-first sequence [batch, steps, features].
/// Its parameter is <c>weight</c> [steps, features], initialised from N(0, 1) as PyTorch's <c>nn.Embedding</c>; the
/// PyTorch equivalent is <c>x + nn.Embedding(steps, features).weight</c>, with the same state-dict name.
/// </summary>
public sealed class PositionalEmbedding : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="steps">The sequence length.</param>
    /// <param name="features">The embedding size.</param>
    public PositionalEmbedding(long steps, long features)
        : base(nameof(PositionalEmbedding))
    {
        weight = nn.Parameter(torch.randn(steps, features));
        register_parameter("weight", weight);
    }

    /// <summary>One vector per step: [steps, features].</summary>
    public readonly Parameter weight;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => input + weight;
}
