using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Training;

/// <summary>Weights and optimiser state copied out of TorchSharp, and how far two copies are apart: what the optimiser
/// parity tests compare.</summary>
internal static class OptimizerSnapshots
{
    internal static List<float[]> Snapshot(nn.Module<Tensor, Tensor> model)
    {
        using var scope = torch.NewDisposeScope();
        return model.parameters().Select(p => p.detach().to(ScalarType.Float32).flatten().data<float>().ToArray()).ToList();
    }

    /// <summary>Every state tensor of the optimiser (Adam's two moments, SGD's momentum buffer), in parameter order.</summary>
    internal static List<float[]> StateSnapshot(optim.Optimizer optimizer)
    {
        using var scope = torch.NewDisposeScope();
        var tensors = new List<Tensor>();
        foreach (var state in ((OptimizerHelper)optimizer).state_dict().State)
        {
            switch (state)
            {
                case Adam.State a:
                    tensors.Add(a.exp_avg);
                    tensors.Add(a.exp_avg_sq);
                    break;
                case AdamW.State w:
                    tensors.Add(w.exp_avg);
                    tensors.Add(w.exp_avg_sq);
                    break;
                case SGD.State s when s.momentum_buffer is not null:
                    tensors.Add(s.momentum_buffer);
                    break;
            }
        }

        return tensors.Select(t => t.detach().to(ScalarType.Float32).flatten().data<float>().ToArray()).ToList();
    }

    /// <summary>The largest |a − b| over every element of every tensor: 0 when the two are equal element for element.</summary>
    internal static double MaxAbsoluteDifference(List<float[]> a, List<float[]> b)
    {
        Assert.Equal(a.Count, b.Count);
        var worst = 0.0;
        for (var t = 0; t < a.Count; t++)
        {
            Assert.Equal(a[t].Length, b[t].Length);
            for (var i = 0; i < a[t].Length; i++)
            {
                var difference = Math.Abs((double)a[t][i] - b[t][i]);
                worst = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(worst, difference);
            }
        }

        return worst;
    }

    /// <summary>The worst tensor's max |a − b| / max |a|.</summary>
    internal static double RelativeDifference(List<float[]> a, List<float[]> b)
    {
        Assert.Equal(a.Count, b.Count);
        var worst = 0.0;
        for (var t = 0; t < a.Count; t++)
        {
            Assert.Equal(a[t].Length, b[t].Length);
            double scale = 0, difference = 0;
            for (var i = 0; i < a[t].Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(a[t][i]));
                difference = Math.Max(difference, Math.Abs((double)a[t][i] - b[t][i]));
            }

            worst = Math.Max(worst, scale == 0 ? difference : difference / scale);
        }

        return worst;
    }
}
