using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using NetGen.Autograd;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Training
{
    /// <summary>
    /// One call of a Linear layer on the low-rank path: its input X, and the gradient of its output G once backward has run
    /// (through <see cref="LowRankLinearFunction"/>, or as the gradient of the zero leaf <see cref="Z"/> added to the output).
    /// Owns X, G and Z.
    /// </summary>
    internal sealed class LowRankLinearCall : IDisposable
    {
        public LowRankLinearCall(Tensor x, Tensor? z)
        {
            X = x;
            Z = z;
        }

        /// <summary>The layer's input, detached (a handle of the path's own on the caller's tensor).</summary>
        public Tensor X { get; }

        /// <summary>The zero leaf added to the output when the layer's gradient comes through autograd (verifying steps).</summary>
        public Tensor? Z { get; }

        /// <summary>The gradient of the layer's output, set by <see cref="LowRankLinearFunction"/>'s backward.</summary>
        public Tensor? G { get; set; }

        /// <summary>G as backward left it: the function's copy, or the zero leaf's gradient; null when backward did not reach the call.</summary>
        public Tensor? OutputGradient() => G is not null ? G.alias() : Z?.grad;

        public void Dispose()
        {
            X.Dispose();
            Z?.Dispose();
            G?.Dispose();
        }
    }

    /// <summary>
    /// A Linear layer on the low-rank path, forward and backward: the layer itself ran on none of the input's rows, and this
    /// function computes its output y = X·Wᵀ + b with libtorch's <c>linear</c>, and in backward routes the gradient of the
    /// output G to the bias (libtorch's sum over rows), to the input as dX = G·W, and into <see cref="LowRankLinearCall.G"/>
    /// for the weight's update. dX comes from <see cref="LowRankKernels.InputGradient"/> at a batch where the first backward
    /// found it bit-identical to libtorch's <c>mm</c>, and from libtorch's <c>mm</c> otherwise.
    /// </summary>
    internal sealed class LowRankLinearFunction : torch.autograd.SingleTensorFunction<LowRankLinearFunction>
    {
        private const string StateKey = "lowRankLinear";

        public override string Name => "NetGenLowRankLinear";

        /// <summary>vars: the layer's input (rows × in), its bias when it has one, the <see cref="State"/>.</summary>
        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var state = (State)vars[^1];
            state.InputRequiresGrad = input.requires_grad;
            ctx.save_data(StateKey, state);

            // Without materialised gradients TorchSharp never reads the output cache CustomFunctionTensors.Apply disposes.
            ctx.set_materialize_grads(false);
            return torch.nn.functional.linear(state.Call.X, state.Weight, state.Bias);
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            CustomFunctionTensors.Release();
            var state = (State)ctx.get_data(StateKey);
            var count = state.Bias is null ? 2 : 3;
            var gradients = new List<Tensor>(new Tensor[count]);
            if (grad_output is null || grad_output.IsInvalid)
            {
                return gradients;
            }

            state.Call.G?.Dispose();
            state.Call.G = OwnRows(grad_output);
            if (state.InputRequiresGrad)
            {
                gradients[0] = InputGradient(state, state.Call.G);
                CustomFunctionTensors.Hold(gradients[0]);
            }

            if (state.Bias is { requires_grad: true })
            {
                // libtorch's own reduction, as autograd sums the bias's broadcast gradient.
                gradients[1] = grad_output.sum(0L);
                CustomFunctionTensors.Hold(gradients[1]);
            }

            grad_output.Dispose();
            return gradients;
        }

        /// <summary>dX = G·W (rows × in) for G (rows × out, contiguous).</summary>
        private static Tensor InputGradient(State state, Tensor g)
        {
            var weight = state.Weight;
            if (torch.is_grad_enabled())
            {
                // backward(create_graph: true): the gradient must itself be differentiable.
                return g.mm(weight);
            }

            var rows = checked((int)g.shape[0]);
            var outFeatures = checked((int)weight.shape[0]);
            var inFeatures = checked((int)weight.shape[1]);
            if (state.Layer.InputGradientSameAsLibTorch.TryGetValue(rows, out var same))
            {
                return same ? Kernel(g, weight, rows, outFeatures, inFeatures) : g.mm(weight);
            }

            // The first backward at this batch: libtorch's product as well, compared bit for bit. A comparison decides only on a
            // gradient that exercises the sums (finite, most elements non-zero); until then libtorch's product is used.
            var result = Kernel(g, weight, rows, outFeatures, inFeatures);
            var reference = g.mm(weight);
            if (Decisive(Floats(reference)))
            {
                state.Layer.InputGradientSameAsLibTorch[rows] = SameBits(result, reference);
            }

            result.Dispose();
            return reference;
        }

        private static Tensor Kernel(Tensor g, Tensor weight, int rows, int outFeatures, int inFeatures)
        {
            var result = torch.empty(rows, inFeatures);
            LowRankKernels.InputGradient(Floats(g), Floats(weight), Floats(result), rows, outFeatures, inFeatures);
            return result;
        }

        private static bool SameBits(Tensor a, Tensor b) =>
            MemoryMarshal.Cast<float, int>(Floats(a)).SequenceEqual(MemoryMarshal.Cast<float, int>(Floats(b)));

        /// <summary>A contiguous copy of the gradient, owned by the caller (outside any dispose scope).</summary>
        private static Tensor OwnRows(Tensor gradient)
        {
            var copy = gradient.clone();
            if (!copy.is_contiguous())
            {
                var contiguous = copy.contiguous();
                copy.Dispose();
                copy = contiguous;
            }

            return copy.DetachFromDisposeScope();
        }

        private static bool Decisive(ReadOnlySpan<float> values)
        {
            var nonZero = 0;
            foreach (var value in values)
            {
                if (!float.IsFinite(value))
                {
                    return false;
                }

                nonZero += value != 0 ? 1 : 0;
            }

            return nonZero * 2 > values.Length;
        }

        private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

        /// <summary>What one call needs: the layer's weight and bias, the call to fill in, the layer's record of batches checked.</summary>
        internal sealed class State
        {
            public State(Linear layer, LowRankLinearCall call, LowRankLinearUpdates.Layer record)
            {
                Weight = layer.weight!;
                Bias = layer.bias;
                Call = call;
                Layer = record;
            }

            public Parameter Weight { get; }

            public Parameter? Bias { get; }

            public LowRankLinearCall Call { get; }

            /// <summary>Which batches the kernels serve (<see cref="LowRankLinearUpdates.Layer"/>).</summary>
            public LowRankLinearUpdates.Layer Layer { get; }

            public bool InputRequiresGrad { get; set; }
        }
    }
}
