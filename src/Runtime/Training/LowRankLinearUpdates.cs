using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using NetGen.Autograd;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Training
{
    /// <summary>
    /// A Linear weight's gradient as its two factors, dW = Gᵀ·X: <see cref="G"/> (rows × out) is the gradient of the layer's
    /// output and <see cref="X"/> (rows × in) its input, both contiguous float32. Owns both tensors.
    /// </summary>
    internal sealed class LowRankGradient : IDisposable
    {
        public LowRankGradient(string name, Parameter weight, Tensor g, Tensor x)
        {
            Name = name;
            Weight = weight;
            G = g;
            X = x;
            Rows = checked((int)g.shape[0]);
            OutFeatures = checked((int)g.shape[1]);
            InFeatures = checked((int)x.shape[1]);
        }

        /// <summary>The weight's state-dict name (<c>fc2.weight</c>).</summary>
        public string Name { get; }

        public Parameter Weight { get; }

        public Tensor G { get; }

        public Tensor X { get; }

        public int Rows { get; }

        public int OutFeatures { get; }

        public int InFeatures { get; }

        /// <summary>
        /// ‖Gᵀ·X‖²_F without forming the product: Σ_ab (G·Gᵀ)_ab (X·Xᵀ)_ab, two rows × rows Gram matrices in float64. Not
        /// finite when G or X holds NaN or infinity (0·∞ and ∞ − ∞ give NaN).
        /// </summary>
        public double SquaredNorm()
        {
            if (Rows == 0)
            {
                return 0;
            }

            var sum = LowRankKernels.SquaredNorm(Floats(G), Floats(X), Rows, OutFeatures, InFeatures);

            // The exact value is a sum of squares; rounding may leave a tiny negative number for a gradient near zero.
            return sum < 0 ? 0 : sum;
        }

        /// <summary>Writes Gᵀ·X into the weight's <c>.grad</c> (for the steps that need the gradient after all).</summary>
        public void Materialize()
        {
            using var noGrad = torch.no_grad();
            using var product = G.t().mm(X);
            Weight.grad = product;
        }

        private static ReadOnlySpan<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

        public void Dispose()
        {
            G.Dispose();
            X.Dispose();
        }
    }

    /// <summary>
    /// The low-rank path of <see cref="TrainingStep"/> (<see cref="TrainStepOptions.LowRankUpdates"/>): which Linear layers
    /// take it, and, per step, the forward hooks that capture each layer's input X and output gradient G while its weight is
    /// out of autograd.
    /// </summary>
    /// <remarks>
    /// <para>During the step the chosen weights have <c>requires_grad</c> off, so the backward pass computes neither dW (a
    /// matrix product writing out × in floats) nor adds it into <c>.grad</c> (reading two such arrays and writing one). A
    /// forward hook on each chosen layer keeps a handle on its input and adds a zero leaf z (rows × out, requiring grad) to
    /// its output; after backward z's gradient is G. Biases stay in autograd. <c>requires_grad</c> is restored and the hooks
    /// removed when the backward pass ends, whether or not it threw.</para>
    /// <para>Before a layer takes the path, one step runs with the hooks in place and the weights in autograd, and the
    /// layer's materialised gradient is compared with Gᵀ·X: a layer that a custom <c>forward</c> calls without <c>call()</c>
    /// (hooks then do not fire), or twice in a way the hook does not see, stays on the normal path.</para>
    /// </remarks>
    internal sealed class LowRankLinearUpdates
    {
        private static readonly FieldInfo[] HookFields = typeof(nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>)
            .GetFields(BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(f => f.Name is "pre_hooks" or "post_hooks" or "module_pre_hooks" or "module_post_hooks")
            .ToArray();

        private readonly List<Layer> layers;

        public LowRankLinearUpdates(nn.Module<Tensor, Tensor> model)
        {
            layers = model.named_modules()
                .Where(m => m.module is Linear)
                .Select(m => new Layer(m.name, (Linear)m.module))
                .ToList();
        }

        /// <summary>Whether the model has a Linear layer at all (otherwise the step never asks again).</summary>
        public bool Any => layers.Count > 0;

        /// <summary>
        /// Starts the step's capture, or returns null when no layer takes the path this step (the normal path then runs
        /// untouched). <paramref name="gradientsAreZero"/>: the step will not call <c>zero_grad()</c>, because the fused
        /// optimiser's last update left the gradients at zero.
        /// </summary>
        public Capture? Begin(ILowRankOptimizer optimizer, Tensor input, bool gradientsAreZero, int maxRows, long minElements)
        {
            if (input.dim() == 0 || input.shape[0] > maxRows || HookFields.Length != 4)
            {
                return null;
            }

            var chosen = new List<Layer>();
            var verifying = new List<Layer>();
            foreach (var layer in layers)
            {
                if (layer.Rejected || !IsCandidate(layer, optimizer, minElements))
                {
                    continue;
                }

                // A weight this path left without .grad has one now: a backward pass of the caller's own ran since, whose
                // gradient the normal path adds in. The whole step takes the normal path.
                if (layer.LeftWithoutGradient && gradientsAreZero)
                {
                    using var grad = layer.Module.weight.grad;
                    if (grad is not null)
                    {
                        return null;
                    }
                }

                (layer.Verified ? chosen : verifying).Add(layer);
            }

            if (chosen.Count == 0 && verifying.Count == 0)
            {
                return null;
            }

            // One kind of step at a time: while any layer is unverified, the step verifies (the weights stay in autograd).
            return verifying.Count > 0 ? new Capture(verifying, verify: true) : new Capture(chosen, verify: false);
        }

        /// <summary>Records that the step left these weights without <c>.grad</c> (and all others as the fused path does).</summary>
        public void LeftWithoutGradient(IEnumerable<LowRankGradient> gradients)
        {
            var handles = gradients.Select(g => g.Weight.Handle).ToHashSet();
            foreach (var layer in layers)
            {
                layer.LeftWithoutGradient = handles.Contains(layer.Module.weight.Handle);
            }
        }

        private static bool IsCandidate(Layer layer, ILowRankOptimizer optimizer, long minElements)
        {
            var weight = layer.Module.weight;
            return weight.requires_grad
                && weight.dim() == 2
                && weight.numel() >= minElements
                && weight.device_type == DeviceType.CPU
                && weight.dtype == ScalarType.Float32
                && weight.is_contiguous()
                && !HasHooks(layer.Module)
                && optimizer.CanUpdateLowRank(weight);
        }

        private static bool HasHooks(Linear module) => HookFields.Any(f => f.GetValue(module) is ICollection { Count: > 0 });

        /// <summary>A Linear layer of the model and what the path knows about it.</summary>
        internal sealed class Layer
        {
            public Layer(string name, Linear module)
            {
                Name = name;
                Module = module;
            }

            public string Name { get; }

            public Linear Module { get; }

            /// <summary>A verifying step found its gradient equal to Gᵀ·X.</summary>
            public bool Verified { get; set; }

            /// <summary>A verifying step found it different (or unseen by the hook): the layer keeps the normal path.</summary>
            public bool Rejected { get; set; }

            /// <summary>The last step took this weight on the low-rank path and left it without <c>.grad</c>.</summary>
            public bool LeftWithoutGradient { get; set; }

            /// <summary>
            /// Per batch (rows): whether NetGen's kernel gave libtorch's input gradient dX = G·W bit for bit at the first
            /// backward that could tell (<see cref="LowRankLinearFunction"/>).
            /// </summary>
            public Dictionary<int, bool> InputGradientSameAsLibTorch { get; } = new();
        }

        /// <summary>One step's capture: hooks, switched-off weights, and what the hooks saw.</summary>
        internal sealed class Capture : IDisposable
        {
            private readonly List<Layer> layers;
            private readonly List<nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover> removers = new();
            private readonly Dictionary<Layer, List<LowRankLinearCall>> seen = new();
            private readonly Dictionary<Layer, (Tensor Input, Tensor Detached, bool ViaFunction)> inputs = new();
            private bool ended;

            public Capture(List<Layer> layers, bool verify)
            {
                this.layers = layers;
                Verifying = verify;
            }

            /// <summary>This step keeps the weights in autograd and checks the captured factors against their gradients.</summary>
            public bool Verifying { get; }

            /// <summary>
            /// Registers the hooks and, unless verifying, takes the weights out of autograd (their <c>.grad</c> is dropped) and
            /// hands each layer's product and backward to <see cref="LowRankLinearFunction"/>.
            /// </summary>
            public void Start()
            {
                foreach (var layer in layers)
                {
                    seen[layer] = new List<LowRankLinearCall>();
                    if (Verifying)
                    {
                        removers.Add(layer.Module.register_forward_hook((module, input, output) => AddZeroLeaf(layer, input, output)));
                        continue;
                    }

                    removers.Add(layer.Module.register_forward_pre_hook((module, input) => DetachInput(layer, input)!));
                    removers.Add(layer.Module.register_forward_hook((module, input, output) => RouteGradient(layer, output)));
                    var weight = layer.Module.weight;
                    weight.grad = null;
                    weight.requires_grad = false;
                }
            }

            private Tensor AddZeroLeaf(Layer layer, Tensor input, Tensor output)
            {
                // A handle of our own on the input (the generated forward disposes its handle once the next layer has used it).
                var x = input.detach().DetachFromDisposeScope();
                var z = torch.zeros(output.shape, dtype: output.dtype, device: output.device, requires_grad: true).DetachFromDisposeScope();
                seen[layer].Add(new LowRankLinearCall(x, z));
                return output + z;
            }

            /// <summary>
            /// Before the layer: a two-dimensional input that autograd reaches through the input or the bias takes
            /// <see cref="LowRankLinearFunction"/>, and the layer itself runs on none of its rows; any other keeps its input and
            /// gets the zero leaf.
            /// </summary>
            private Tensor? DetachInput(Layer layer, Tensor input)
            {
                var detached = input.detach().DetachFromDisposeScope();
                var viaFunction = input.dim() == 2 && detached.is_contiguous() && input.dtype == ScalarType.Float32
                    && (input.requires_grad || layer.Module.bias is { requires_grad: true });
                inputs[layer] = (input, detached, viaFunction);
                return viaFunction ? detached.narrow(0, 0, 0) : null;
            }

            private Tensor RouteGradient(Layer layer, Tensor output)
            {
                var (input, detached, viaFunction) = inputs[layer];
                inputs.Remove(layer);
                if (!viaFunction)
                {
                    // The layer ran on the input itself.
                    detached.Dispose();
                    return AddZeroLeaf(layer, input, output);
                }

                var call = new LowRankLinearCall(detached, null);
                seen[layer].Add(call);
                var state = new LowRankLinearFunction.State(layer.Module, call, layer);
                var bias = layer.Module.bias;
                return CustomFunctionTensors.Apply(() => bias is null
                    ? LowRankLinearFunction.apply(input, state)
                    : LowRankLinearFunction.apply(input, bias, state));
            }

            /// <summary>Removes the hooks and puts the weights back into autograd; safe to call more than once.</summary>
            public void End()
            {
                if (ended)
                {
                    return;
                }

                ended = true;
                foreach (var remover in removers)
                {
                    remover.remove();
                }

                if (!Verifying)
                {
                    foreach (var layer in layers)
                    {
                        layer.Module.weight.requires_grad = true;
                    }
                }
            }

            /// <summary>
            /// After backward: the factors of every captured layer. A layer the forward pass did not reach has rank 0 (its
            /// gradient is zero, as a zeroed <c>.grad</c> the backward pass does not touch would be).
            /// </summary>
            public List<LowRankGradient> Factors()
            {
                var result = new List<LowRankGradient>();
                foreach (var layer in layers)
                {
                    var calls = seen[layer];
                    var inFeatures = layer.Module.in_features;
                    var outFeatures = layer.Module.out_features;
                    var xs = new List<Tensor>();
                    var gs = new List<Tensor>();
                    foreach (var call in calls)
                    {
                        xs.Add(call.X.reshape(-1, inFeatures));
                        var g = call.OutputGradient();
                        gs.Add(g is null ? torch.zeros(call.X.numel() / inFeatures, outFeatures) : g.reshape(-1, outFeatures));
                    }

                    var xAll = xs.Count == 0 ? torch.zeros(0, inFeatures) : xs.Count == 1 ? xs[0] : torch.cat(xs, 0);
                    var gAll = gs.Count == 0 ? torch.zeros(0, outFeatures) : gs.Count == 1 ? gs[0] : torch.cat(gs, 0);
                    result.Add(new LowRankGradient(layer.Name.Length == 0 ? "weight" : layer.Name + ".weight", layer.Module.weight,
                        gAll.contiguous().DetachFromDisposeScope(), xAll.contiguous().DetachFromDisposeScope()));
                }

                return result;
            }

            /// <summary>
            /// The verifying step: each layer whose materialised gradient equals Gᵀ·X (to float32 rounding of the two products)
            /// becomes verified; any other is rejected for good.
            /// </summary>
            public void Verify(List<LowRankGradient> factors)
            {
                using var noGrad = torch.no_grad();
                foreach (var (layer, factor) in layers.Zip(factors))
                {
                    using var scope = torch.NewDisposeScope();
                    var grad = layer.Module.weight.grad;
                    var product = factor.G.t().mm(factor.X);
                    var scale = grad is null ? 0f : grad.abs().max().item<float>();
                    var difference = grad is null ? product.abs().max().item<float>() : (grad - product).abs().max().item<float>();
                    if (grad is null ? factor.Rows == 0 : !(scale > 0) || !float.IsFinite(scale))
                    {
                        // Nothing to compare (the layer had no gradient this step, or a zero or non-finite one): ask again.
                        continue;
                    }

                    var same = grad is not null && difference <= 1e-4f * scale;
                    layer.Verified = same;
                    layer.Rejected = !same;
                }
            }

            public void Dispose()
            {
                End();
                foreach (var calls in seen.Values)
                {
                    foreach (var call in calls)
                    {
                        call.Dispose();
                    }
                }

                // A forward that threw between a layer's pre-hook and its hook.
                foreach (var (_, detached, _) in inputs.Values)
                {
                    detached.Dispose();
                }
            }
        }
    }
}
