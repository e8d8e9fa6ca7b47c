using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace NetGen.Benchmarks.Memory;

/// <summary>
/// Two half-way Adams for the memory investigation (<c>--memory --adam finalized-scalars|temporaries</c>):
/// each keeps one of the two habits of TorchSharp's Adam that InPlaceAdam drops, so a long run shows which
/// habit makes the resident set grow. Same arithmetic as TorchSharp's Adam; not for use outside this
/// experiment.
/// </summary>
public sealed class AdamVariant : TorchSharp.Modules.Adam
{
    private readonly bool _disposeScalars;
    private readonly bool _reuseDenominator;
    private readonly Dictionary<IntPtr, Tensor> _denominators = new();

    /// <param name="disposeScalars">false: pass doubles, so every scalar is a native object freed by the finalizer (TorchSharp's habit).</param>
    /// <param name="reuseDenominator">false: allocate sqrt(v) and its quotient afresh for every parameter and step (TorchSharp's habit), disposed at once.</param>
    public AdamVariant(IEnumerable<Parameter> parameters, bool disposeScalars, bool reuseDenominator)
        : base(parameters, lr: 1e-3)
    {
        _disposeScalars = disposeScalars;
        _reuseDenominator = reuseDenominator;
    }

    public override Tensor step(Func<Tensor>? closure = null)
    {
        using var _ = torch.no_grad();
        foreach (var g in _parameter_groups)
        {
            var options = (Options)g.Options;
            double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value, lr = options.LearningRate!.Value;
            foreach (var param in g.Parameters)
            {
                using var grad = param.grad;
                if (grad is null)
                {
                    continue;
                }

                var state = (State)_state[param.Handle];
                state.step += 1;
                var bc1 = 1 - Math.Pow(beta1, state.step);
                var bc2 = 1 - Math.Pow(beta2, state.step);
                var scalars = new List<Scalar>();
                Scalar S(double value)
                {
                    var s = value.ToScalar();
                    if (_disposeScalars)
                    {
                        scalars.Add(s);
                    }

                    return s;
                }

                state.exp_avg.mul_(S(beta1)).add_(grad, S(1 - beta1));
                state.exp_avg_sq.mul_(S(beta2)).addcmul_(grad, grad, S(1 - beta2));
                if (_reuseDenominator)
                {
                    if (!_denominators.TryGetValue(param.Handle, out var denominator))
                    {
                        denominator = torch.empty_like(param).DetachFromDisposeScope();
                        _denominators[param.Handle] = denominator;
                    }

                    denominator.copy_(state.exp_avg_sq).sqrt_().div_(S(Math.Sqrt(bc2))).add_(S(eps));
                    param.addcdiv_(state.exp_avg, denominator, S(-(lr / bc1)));
                }
                else
                {
                    using var root = state.exp_avg_sq.sqrt();
                    using var denominator = root.div(S(Math.Sqrt(bc2))).add_(S(eps));
                    param.addcdiv_(state.exp_avg, denominator, S(-(lr / bc1)));
                }

                scalars.ForEach(s => s.Dispose());
            }
        }

        return null!;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var t in _denominators.Values)
            {
                t.Dispose();
            }

            _denominators.Clear();
        }

        base.Dispose(disposing);
    }
}
