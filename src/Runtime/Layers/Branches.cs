using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Layers;

/// <summary>
/// Parallel branches, generated for <c>[Branches(...)]</c>: every branch gets the same input, and the outputs are
/// concatenated along dimension 1 (features or channels) or added. The branches are registered as <c>0</c>, <c>1</c>, ...
/// </summary>
public sealed class Branches : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>[] _branches;
    private readonly BranchMerge _merge;

    /// <summary>Creates the layer.</summary>
    /// <param name="merge">How the outputs are merged.</param>
    /// <param name="branches">The branches, in order.</param>
    public Branches(BranchMerge merge, params nn.Module<Tensor, Tensor>[] branches)
        : base(nameof(Branches))
    {
        ArgumentNullException.ThrowIfNull(branches);
        _merge = merge;
        _branches = branches;
        for (var i = 0; i < branches.Length; i++)
        {
            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), branches[i]);
        }
    }

    /// <summary>The branch at <paramref name="index"/>.</summary>
    /// <param name="index">0-based, in declaration order.</param>
    public nn.Module<Tensor, Tensor> this[int index] => _branches[index];

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var outputs = _branches.Select(b => b.call(input)).ToArray();
        try
        {
            if (_merge == BranchMerge.Concat)
            {
                return torch.cat(outputs, 1);
            }

            var sum = outputs[0] + outputs[1];
            for (var i = 2; i < outputs.Length; i++)
            {
                sum.add_(outputs[i]);
            }

            return sum;
        }
        finally
        {
            foreach (var output in outputs)
            {
                output.Dispose();
            }
        }
    }
}
