using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Layers;

/// <summary>
/// Multi-head self-attention over batch-first sequences [batch, steps, features], with the parameters and state-dict
/// names of PyTorch's <c>nn.MultiheadAttention</c> (<c>in_proj_weight</c>, <c>in_proj_bias</c>, <c>out_proj.weight</c>,
/// <c>out_proj.bias</c>) and its initialisation (Xavier-uniform input projection, zero biases), so a PyTorch state
/// dict loads unchanged. Queries, keys and values are the same input; a causal mask hides later steps.
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly long _heads;
    private readonly double _dropout;
    private readonly bool _causal;

    /// <summary>Creates the layer.</summary>
    /// <param name="features">The embedding size; a multiple of <paramref name="heads"/>.</param>
    /// <param name="heads">The number of attention heads.</param>
    /// <param name="dropout">Dropout on the attention weights in training mode.</param>
    /// <param name="causal">Whether step t may attend only to steps up to t.</param>
    public SelfAttention(long features, long heads, double dropout = 0.0, bool causal = false)
        : base(nameof(SelfAttention))
    {
        if (heads < 1 || features % heads != 0)
        {
            throw new ArgumentException($"features ({features}) must be a positive multiple of heads ({heads}).", nameof(heads));
        }

        _heads = heads;
        _dropout = dropout;
        _causal = causal;
        in_proj_weight = nn.Parameter(torch.empty(3 * features, features));
        in_proj_bias = nn.Parameter(torch.zeros(3 * features));
        out_proj = nn.Linear(features, features);
        register_parameter("in_proj_weight", in_proj_weight);
        register_parameter("in_proj_bias", in_proj_bias);
        register_module("out_proj", out_proj);
        using (torch.no_grad())
        {
            nn.init.xavier_uniform_(in_proj_weight);
            out_proj.bias!.zero_();
        }
    }

    /// <summary>The query, key and value projections stacked: [3·features, features].</summary>
    public readonly Parameter in_proj_weight;

    /// <summary>Their biases: [3·features].</summary>
    public readonly Parameter in_proj_bias;

    /// <summary>The output projection.</summary>
    public readonly Linear out_proj;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var (batch, steps, features) = (input.shape[0], input.shape[1], input.shape[2]);
        var headSize = features / _heads;
        var qkv = nn.functional.linear(input, in_proj_weight, in_proj_bias).chunk(3, -1);
        Tensor Heads(Tensor t) => t.reshape(batch, steps, _heads, headSize).transpose(1, 2);
        var (q, k, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headSize);
        if (_causal)
        {
            var later = torch.ones(steps, steps, dtype: ScalarType.Bool, device: input.device).triu(1);
            scores = scores.masked_fill(later, double.NegativeInfinity);
        }

        var weights = nn.functional.softmax(scores, -1);
        if (_dropout > 0)
        {
            weights = nn.functional.dropout(weights, _dropout, training);
        }

        var heads = weights.matmul(v).transpose(1, 2).reshape(batch, steps, features);
        return out_proj.call(heads).MoveToOuterDisposeScope();
    }
}
