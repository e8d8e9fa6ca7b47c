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
    /// The output of a Linear layer on the low-rank path, with the layer's backward: the layer ran on a detached input (so
    /// libtorch's graph holds only the bias), and this function routes the gradient of the output G to the bias, to the
    /// layer's input as dX = G·W, and into <see cref="LowRankLinearCall.G"/> for the weight's update. dX comes from
    /// <see cref="LowRankKernels.InputGradient"/> at a batch where the first backward found it bit-identical to libtorch's
    /// product, and from libtorch's <c>mm</c> otherwise.
    /// </summary>
    internal sealed class LowRankLinearFunction : torch.autograd.SingleTensorFunction<LowRankLinearFunction>
    {
        private const string StateKey = "lowRankLinear";

        public override string Name => "NetGenLowRankLinear";

        /// <summary>vars: the layer's output (computed from the detached input), the layer's input, the <see cref="State"/>.</summary>
        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var output = (Tensor)vars[0];
            var state = (State)vars[2];
            state.OutputRequiresGrad = output.requires_grad;
            state.InputRequiresGrad = ((Tensor)vars[1]).requires_grad;
            state.InputShape = ((Tensor)vars[1]).shape;
            ctx.save_data(StateKey, state);

            // Without materialised gradients TorchSharp never reads the output cache CustomFunctionTensors.Apply disposes.
            ctx.set_materialize_grads(false);

            // A tensor of its own: the caller may change it in place (the generated module's ReLU does).
            return output.clone();
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            CustomFunctionTensors.Release();
            var state = (State)ctx.get_data(StateKey);
            if (grad_output is null || grad_output.IsInvalid)
            {
                return new List<Tensor> { null!, null!, null! };
            }

            var outFeatures = state.Weight.shape[0];
            state.Call.G?.Dispose();
            state.Call.G = OwnRows(grad_output, outFeatures);

            Tensor? gradInput = null;
            if (state.InputRequiresGrad)
            {
                using var rows = InputGradient(state, state.Call.G);
                gradInput = rows.reshape(state.InputShape);
                CustomFunctionTensors.Hold(gradInput);
            }

            if (state.OutputRequiresGrad)
            {
                CustomFunctionTensors.Hold(grad_output);
            }
            else
            {
                grad_output.Dispose();
            }

            return new List<Tensor> { state.OutputRequiresGrad ? grad_output : null!, gradInput!, null! };
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
            if (state.SameAsLibTorch.TryGetValue(rows, out var same))
            {
                return same ? Kernel(g, weight, rows, outFeatures, inFeatures) : g.mm(weight);
            }

            // The first backward at this batch: libtorch's product as well, compared bit for bit. A comparison decides only on a
            // gradient that exercises the sums (finite, most elements non-zero); until then libtorch's product is used.
            var result = Kernel(g, weight, rows, outFeatures, inFeatures);
            var reference = g.mm(weight);
            var mine = MemoryMarshal.Cast<float, int>(Floats(result));
            var theirs = MemoryMarshal.Cast<float, int>(Floats(reference));
            if (Decisive(Floats(reference)))
            {
                state.SameAsLibTorch[rows] = mine.SequenceEqual(theirs);
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

        /// <summary>A contiguous copy of the gradient as rows × out, owned by the caller (outside any dispose scope).</summary>
        private static Tensor OwnRows(Tensor gradient, long outFeatures)
        {
            using var rows = gradient.reshape(-1, outFeatures);
            var copy = rows.clone();
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

        /// <summary>What one call's backward needs: the weight, the call to fill in, the layer's record of batches checked.</summary>
        internal sealed class State
        {
            public State(Parameter weight, LowRankLinearCall call, Dictionary<int, bool> sameAsLibTorch)
            {
                Weight = weight;
                Call = call;
                SameAsLibTorch = sameAsLibTorch;
            }

            public Parameter Weight { get; }

            public LowRankLinearCall Call { get; }

            /// <summary>Per batch (rows of G): whether <see cref="LowRankKernels.InputGradient"/> equals libtorch's product.</summary>
            public Dictionary<int, bool> SameAsLibTorch { get; }

            public bool OutputRequiresGrad { get; set; }

            public bool InputRequiresGrad { get; set; }

            public long[] InputShape { get; set; } = Array.Empty<long>();
        }
    }
}
