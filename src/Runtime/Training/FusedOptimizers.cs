using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Training
{
    /// <summary>
    /// An optimiser whose update runs as one pass over each parameter's memory and can take the clipping coefficient and
    /// the zeroing of the gradient into that pass. <see cref="TrainingStep"/> (a generated network's <c>TrainStep</c>)
    /// uses <see cref="Step"/> when the optimiser implements this; <see cref="FusedAdam"/>, <see cref="FusedAdamW"/> and
    /// <see cref="FusedSGD"/> do.
    /// </summary>
    public interface IFusedOptimizer
    {
        /// <summary>
        /// Counts every update and every <c>zero_grad()</c>: a caller that zeroed the gradients through <see cref="Step"/>
        /// knows they are still zero (as far as the optimiser can tell) while this number has not changed.
        /// </summary>
        long Updates { get; }

        /// <summary>
        /// Updates every parameter that has a gradient, with the gradient multiplied by <paramref name="gradientScale"/>
        /// first (the clipping coefficient; 1 for none), and with <paramref name="zeroGradients"/> leaves every gradient it
        /// used at zero for the next backward. The gradients themselves are not scaled in memory.
        /// </summary>
        /// <param name="gradientScale">The factor applied to every gradient before the update, in (0, 1].</param>
        /// <param name="zeroGradients">Whether to zero each gradient in the same pass.</param>
        void Step(double gradientScale, bool zeroGradients);
    }

    /// <summary>
    /// A fused optimiser that can also update Linear weights from their low-rank gradient factors (<see cref="LowRankGradient"/>)
    /// instead of a materialised gradient: what <see cref="TrainingStep"/> uses for <see cref="TrainStepOptions.LowRankUpdates"/>.
    /// </summary>
    internal interface ILowRankOptimizer : IFusedOptimizer
    {
        /// <summary>Whether <paramref name="parameter"/> is one this optimiser updates, with a state the fused pass can take.</summary>
        bool CanUpdateLowRank(Parameter parameter);

        /// <summary>
        /// As <see cref="IFusedOptimizer.Step"/> with gradients zeroed, except that the parameters in <paramref name="lowRank"/> take
        /// their gradient from its factors (their <c>.grad</c> is not read). False, with nothing changed, when some parameter
        /// cannot take the fused pass.
        /// </summary>
        bool StepLowRank(double gradientScale, IReadOnlyDictionary<IntPtr, LowRankGradient> lowRank);
    }

    /// <summary>
    /// TorchSharp's Adam (<see cref="Adam"/>: same options, parameter groups, state and <c>state_dict()</c> layout, learning
    /// rate schedulers) with the update fused: for contiguous float32 CPU parameters, one pass per parameter reads the
    /// parameter, gradient and both moments once and writes them once, instead of the six to eight tensor operations
    /// (and two temporaries) TorchSharp's step runs per parameter. Anything else (another device or dtype, a sparse or
    /// strided gradient, <c>amsgrad</c>) takes TorchSharp's own step for the whole call, so results never depend on
    /// which path ran beyond rounding.
    /// </summary>
    /// <example><code>
    /// using var optimizer = new NetGen.Training.FusedAdam(model.parameters(), lr: 1e-3);
    /// var result = model.TrainStep(optimizer, torch.nn.MSELoss(), input, target);
    /// </code></example>
    public sealed class FusedAdam : Adam, IFusedOptimizer, ILowRankOptimizer
    {
        /// <summary>Creates the optimiser over <paramref name="parameters"/>, with PyTorch's defaults.</summary>
        /// <param name="parameters">The parameters to update, typically <c>module.parameters()</c>.</param>
        /// <param name="lr">Learning rate (default 1e-3).</param>
        /// <param name="beta1">Decay of the running mean of gradients (default 0.9).</param>
        /// <param name="beta2">Decay of the running mean of squared gradients (default 0.999).</param>
        /// <param name="eps">Added to the denominator for numerical stability (default 1e-8).</param>
        /// <param name="weight_decay">L2 penalty added to the gradient (default 0).</param>
        /// <param name="amsgrad">The AMSGrad variant (default false; runs TorchSharp's step).</param>
        /// <param name="maximize">Maximise the objective instead of minimising it (default false).</param>
        /// <param name="square_root">The square root the fused pass takes of the second moment (<see cref="SquareRoot"/>; default <see cref="AdamSquareRoot.CorrectlyRounded"/>).</param>
        /// <exception cref="ArgumentException">A learning rate, ε, β or weight decay outside its valid range (TorchSharp's checks).</exception>
        /// <exception cref="NotSupportedException"><paramref name="square_root"/> is <see cref="AdamSquareRoot.LibTorchMkl"/> and the loaded libtorch exports no <c>vmsSqrt</c>.</exception>
        public FusedAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false, AdamSquareRoot square_root = AdamSquareRoot.CorrectlyRounded)
            : base(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
        {
            SquareRoot = MklSquareRoot.Checked(square_root, nameof(square_root));
        }

        /// <summary>Creates the optimiser over parameter groups, each with its own options.</summary>
        /// <param name="groups">The parameter groups; options a group leaves unset take these defaults.</param>
        /// <param name="lr">Default learning rate (1e-3).</param>
        /// <param name="beta1">Default β₁ (0.9).</param>
        /// <param name="beta2">Default β₂ (0.999).</param>
        /// <param name="eps">Default ε (1e-8).</param>
        /// <param name="weight_decay">Default L2 penalty (0).</param>
        /// <param name="amsgrad">Default AMSGrad (false).</param>
        /// <param name="maximize">Default maximise (false).</param>
        /// <param name="square_root">The square root the fused pass takes of the second moment, for every group (<see cref="SquareRoot"/>; default <see cref="AdamSquareRoot.CorrectlyRounded"/>).</param>
        /// <exception cref="NotSupportedException"><paramref name="square_root"/> is <see cref="AdamSquareRoot.LibTorchMkl"/> and the loaded libtorch exports no <c>vmsSqrt</c>.</exception>
        public FusedAdam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false, AdamSquareRoot square_root = AdamSquareRoot.CorrectlyRounded)
            : base(groups, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
        {
            SquareRoot = MklSquareRoot.Checked(square_root, nameof(square_root));
        }

        /// <summary>
        /// The square root this optimiser's fused pass takes of the second moment, chosen at construction:
        /// <see cref="AdamSquareRoot.CorrectlyRounded"/> by default, the faster pass, whose root is one ulp away from
        /// libtorch's MKL root on some elements; <see cref="AdamSquareRoot.LibTorchMkl"/> where the loaded libtorch exports
        /// MKL's <c>vmsSqrt</c> (the Linux x64 build does) for results equal to TorchSharp's Adam bit for bit (MKL's root
        /// costs about 0.4 ns per element more on the 2-core AMD EPYC the project measures on). Each optimiser keeps its own.
        /// </summary>
        public AdamSquareRoot SquareRoot { get; }

        /// <inheritdoc/>
        public long Updates { get; private set; }

        /// <summary>One Adam update of every parameter with a gradient (the gradients are left as they are).</summary>
        /// <param name="closure">Optional: re-evaluates the model and returns the loss, which is returned.</param>
        /// <returns>The closure's loss, or <c>null</c> without a closure.</returns>
        public override Tensor step(Func<Tensor>? closure = null)
        {
            var loss = FusedStep.Closure(closure);
            Step(1.0, zeroGradients: false);
            return loss;
        }

        /// <inheritdoc/>
        public void Step(double gradientScale, bool zeroGradients)
        {
            Updates++;
            if (!FusedStep.Adam(_parameter_groups, _state, SquareRoot, gradientScale, zeroGradients))
            {
                FusedStep.Fallback(_parameter_groups, gradientScale, zeroGradients, () => base.step());
            }
        }

        bool ILowRankOptimizer.CanUpdateLowRank(Parameter parameter) => FusedStep.CanUpdateLowRank(_parameter_groups, _state, parameter);

        bool ILowRankOptimizer.StepLowRank(double gradientScale, IReadOnlyDictionary<IntPtr, LowRankGradient> lowRank)
        {
            if (!FusedStep.Adam(_parameter_groups, _state, SquareRoot, gradientScale, zeroGradients: true, lowRank))
            {
                return false;
            }

            Updates++;
            return true;
        }

        /// <inheritdoc/>
        public override void zero_grad()
        {
            Updates++;
            base.zero_grad();
        }
    }

    /// <summary>
    /// TorchSharp's AdamW (<see cref="AdamW"/>: decoupled weight decay; same options, groups, state layout) with the update
    /// fused as <see cref="FusedAdam"/> describes.
    /// </summary>
    public sealed class FusedAdamW : AdamW, IFusedOptimizer, ILowRankOptimizer
    {
        /// <summary>Creates the optimiser over <paramref name="parameters"/>.</summary>
        /// <param name="parameters">The parameters to update, typically <c>module.parameters()</c>.</param>
        /// <param name="lr">Learning rate (default 1e-3).</param>
        /// <param name="beta1">β₁ (default 0.9).</param>
        /// <param name="beta2">β₂ (default 0.999).</param>
        /// <param name="eps">ε (default 1e-8).</param>
        /// <param name="weight_decay">Decoupled weight decay: each step multiplies the parameter by 1 − lr·weight_decay (default 0.01, PyTorch's).</param>
        /// <param name="amsgrad">The AMSGrad variant (default false; runs TorchSharp's step).</param>
        /// <param name="maximize">Maximise the objective instead of minimising it (default false).</param>
        /// <param name="square_root">The square root the fused pass takes of the second moment (<see cref="SquareRoot"/>; default <see cref="AdamSquareRoot.CorrectlyRounded"/>).</param>
        /// <exception cref="NotSupportedException"><paramref name="square_root"/> is <see cref="AdamSquareRoot.LibTorchMkl"/> and the loaded libtorch exports no <c>vmsSqrt</c>.</exception>
        public FusedAdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false, AdamSquareRoot square_root = AdamSquareRoot.CorrectlyRounded)
            : base(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
        {
            SquareRoot = MklSquareRoot.Checked(square_root, nameof(square_root));
        }

        /// <summary>Creates the optimiser over parameter groups, each with its own options.</summary>
        /// <param name="groups">The parameter groups; options a group leaves unset take these defaults.</param>
        /// <param name="lr">Default learning rate (1e-3).</param>
        /// <param name="beta1">Default β₁ (0.9).</param>
        /// <param name="beta2">Default β₂ (0.999).</param>
        /// <param name="eps">Default ε (1e-8).</param>
        /// <param name="weight_decay">Default decoupled weight decay (0.01).</param>
        /// <param name="amsgrad">Default AMSGrad (false).</param>
        /// <param name="maximize">Default maximise (false).</param>
        /// <param name="square_root">The square root the fused pass takes of the second moment, for every group (<see cref="SquareRoot"/>; default <see cref="AdamSquareRoot.CorrectlyRounded"/>).</param>
        /// <exception cref="NotSupportedException"><paramref name="square_root"/> is <see cref="AdamSquareRoot.LibTorchMkl"/> and the loaded libtorch exports no <c>vmsSqrt</c>.</exception>
        public FusedAdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false, AdamSquareRoot square_root = AdamSquareRoot.CorrectlyRounded)
            : base(groups, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
        {
            SquareRoot = MklSquareRoot.Checked(square_root, nameof(square_root));
        }

        /// <summary>The square root this optimiser's fused pass takes of the second moment, chosen at construction (as <see cref="FusedAdam.SquareRoot"/> describes).</summary>
        public AdamSquareRoot SquareRoot { get; }

        /// <inheritdoc/>
        public long Updates { get; private set; }

        /// <summary>One AdamW update of every parameter with a gradient (the gradients are left as they are).</summary>
        /// <param name="closure">Optional: re-evaluates the model and returns the loss, which is returned.</param>
        /// <returns>The closure's loss, or <c>null</c> without a closure.</returns>
        public override Tensor step(Func<Tensor>? closure = null)
        {
            var loss = FusedStep.Closure(closure);
            Step(1.0, zeroGradients: false);
            return loss;
        }

        /// <inheritdoc/>
        public void Step(double gradientScale, bool zeroGradients)
        {
            Updates++;
            if (!FusedStep.Adam(_parameter_groups, _state, SquareRoot, gradientScale, zeroGradients))
            {
                FusedStep.Fallback(_parameter_groups, gradientScale, zeroGradients, () => base.step());
            }
        }

        bool ILowRankOptimizer.CanUpdateLowRank(Parameter parameter) => FusedStep.CanUpdateLowRank(_parameter_groups, _state, parameter);

        bool ILowRankOptimizer.StepLowRank(double gradientScale, IReadOnlyDictionary<IntPtr, LowRankGradient> lowRank)
        {
            if (!FusedStep.Adam(_parameter_groups, _state, SquareRoot, gradientScale, zeroGradients: true, lowRank))
            {
                return false;
            }

            Updates++;
            return true;
        }

        /// <inheritdoc/>
        public override void zero_grad()
        {
            Updates++;
            base.zero_grad();
        }
    }

    /// <summary>
    /// TorchSharp's SGD (<see cref="SGD"/>: momentum, dampening, Nesterov, weight decay; same state layout) with the update
    /// fused as <see cref="FusedAdam"/> describes.
    /// </summary>
    public sealed class FusedSGD : SGD, IFusedOptimizer, ILowRankOptimizer
    {
        /// <summary>Creates the optimiser over <paramref name="parameters"/>.</summary>
        /// <param name="parameters">The parameters to update, typically <c>module.parameters()</c>.</param>
        /// <param name="lr">Learning rate.</param>
        /// <param name="momentum">Momentum factor (default 0).</param>
        /// <param name="dampening">Dampening for momentum (default 0).</param>
        /// <param name="weight_decay">L2 penalty added to the gradient (default 0).</param>
        /// <param name="nesterov">Nesterov momentum (default false).</param>
        /// <param name="maximize">Maximise the objective instead of minimising it (default false).</param>
        public FusedSGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
            : base(parameters, lr, momentum, dampening, weight_decay, nesterov, maximize)
        {
        }

        /// <summary>Creates the optimiser over parameter groups, each with its own options.</summary>
        /// <param name="groups">The parameter groups; options a group leaves unset take these defaults.</param>
        /// <param name="lr">Default learning rate.</param>
        /// <param name="momentum">Default momentum (0).</param>
        /// <param name="dampening">Default dampening (0).</param>
        /// <param name="weight_decay">Default L2 penalty (0).</param>
        /// <param name="nesterov">Default Nesterov (false).</param>
        /// <param name="maximize">Default maximise (false).</param>
        public FusedSGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
            : base(groups, lr, momentum, dampening, weight_decay, nesterov, maximize)
        {
        }

        /// <inheritdoc/>
        public long Updates { get; private set; }

        /// <summary>One SGD update of every parameter with a gradient (the gradients are left as they are).</summary>
        /// <param name="closure">Optional: re-evaluates the model and returns the loss, which is returned.</param>
        /// <returns>The closure's loss, or <c>null</c> without a closure.</returns>
        public override Tensor step(Func<Tensor>? closure = null)
        {
            var loss = FusedStep.Closure(closure);
            Step(1.0, zeroGradients: false);
            return loss;
        }

        /// <inheritdoc/>
        public void Step(double gradientScale, bool zeroGradients)
        {
            Updates++;
            if (!FusedStep.Sgd(_parameter_groups, _state, gradientScale, zeroGradients))
            {
                FusedStep.Fallback(_parameter_groups, gradientScale, zeroGradients, () => base.step());
            }
        }

        bool ILowRankOptimizer.CanUpdateLowRank(Parameter parameter) => FusedStep.CanUpdateLowRank(_parameter_groups, _state, parameter);

        bool ILowRankOptimizer.StepLowRank(double gradientScale, IReadOnlyDictionary<IntPtr, LowRankGradient> lowRank)
        {
            if (!FusedStep.Sgd(_parameter_groups, _state, gradientScale, zeroGradients: true, lowRank))
            {
                return false;
            }

            Updates++;
            return true;
        }

        /// <inheritdoc/>
        public override void zero_grad()
        {
            Updates++;
            base.zero_grad();
        }
    }

    /// <summary>The parameter loops of the fused optimisers: which parameters can take the fused pass, and the fallback.</summary>
    internal static class FusedStep
    {
        public static Tensor Closure(Func<Tensor>? closure)
        {
            if (closure is null)
            {
                return null!;
            }

            using (torch.enable_grad())
            {
                return closure();
            }
        }

        /// <summary>Adam or AdamW over all groups with <paramref name="root"/> as the square root; false (and nothing changed) when some parameter cannot take the fused pass.</summary>
        public static bool Adam(IList<TorchSharp.Modules.ParamGroup> groups, TorchSharp.Utils.OrderedDict<IntPtr, OptimizerState> states, AdamSquareRoot root, double gradientScale, bool zeroGradients, IReadOnlyDictionary<IntPtr, LowRankGradient>? lowRank = null)
        {
            var work = Collect(groups, states, lowRank, out var fusable);
            try
            {
                if (!fusable)
                {
                    return false;
                }

                using var noGrad = torch.no_grad();
                using var oneThread = root == AdamSquareRoot.LibTorchMkl ? MklSquareRoot.OneThread() : default;
                foreach (var (group, param, grad, state) in work)
                {
                    var (lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled) = group.Options switch
                    {
                        TorchSharp.Modules.Adam.Options a => (a.LearningRate!.Value, a.beta1!.Value, a.beta2!.Value, a.eps!.Value, a.weight_decay!.Value, a.amsgrad!.Value, a.maximize!.Value, false),
                        AdamW.Options w => (w.LearningRate!.Value, w.beta1!.Value, w.beta2!.Value, w.eps!.Value, w.weight_decay!.Value, w.amsgrad!.Value, w.maximize!.Value, true),
                        var other => throw new InvalidOperationException($"not an Adam parameter group: {other?.GetType().Name}"),
                    };
                    _ = amsgrad;
                    var (m, v, step) = state switch
                    {
                        TorchSharp.Modules.Adam.State a => (a.exp_avg, a.exp_avg_sq, ++a.step),
                        AdamW.State w => (w.exp_avg, w.exp_avg_sq, ++w.step),
                        _ => throw new InvalidOperationException($"not an Adam state: {state.GetType().Name}"),
                    };
                    var biasCorrection1 = 1 - Math.Pow(beta1, step);
                    var biasCorrection2 = 1 - Math.Pow(beta2, step);
                    var scalars = new AdamScalars(
                        GradientScale: (float)gradientScale,
                        Maximize: maximize,
                        L2: decoupled ? 0f : (float)weightDecay,
                        Decay: decoupled ? (float)(1 - (lr * weightDecay)) : 1f,
                        Beta1: (float)beta1,
                        OneMinusBeta1: (float)(1 - beta1),
                        Beta2: (float)beta2,
                        OneMinusBeta2: (float)(1 - beta2),
                        SqrtBiasCorrection2: (float)Math.Sqrt(biasCorrection2),
                        Eps: (float)eps,
                        NegativeStepSize: (float)(-(lr / biasCorrection1)));
                    if (lowRank is not null && lowRank.TryGetValue(param.Handle, out var factors))
                    {
                        LowRankKernels.Adam(Floats(param), Floats(m), Floats(v), Floats(factors.G), Floats(factors.X), factors.Rows, factors.OutFeatures, factors.InFeatures, scalars, root);
                    }
                    else
                    {
                        FusedKernels.Adam(Floats(param), Floats(grad!), Floats(m), Floats(v), scalars, zeroGradients, root);
                    }


                    MarkModified(param);
                }

                return true;
            }
            finally
            {
                Dispose(work);
            }
        }

        /// <summary>SGD over all groups; false (and nothing changed) when some parameter cannot take the fused pass.</summary>
        public static bool Sgd(IList<TorchSharp.Modules.ParamGroup> groups, TorchSharp.Utils.OrderedDict<IntPtr, OptimizerState> states, double gradientScale, bool zeroGradients, IReadOnlyDictionary<IntPtr, LowRankGradient>? lowRank = null)
        {
            var work = Collect(groups, states, lowRank, out var fusable);
            try
            {
                if (!fusable)
                {
                    return false;
                }

                using var noGrad = torch.no_grad();
                foreach (var (group, param, grad, state) in work)
                {
                    var options = (SGD.Options)group.Options;
                    var sgdState = (SGD.State)state;
                    var momentum = options.momentum!.Value;
                    var first = false;
                    if (momentum != 0 && sgdState.momentum_buffer is null)
                    {
                        // TorchSharp's first step clones the gradient into the buffer; the kernel writes it in the same pass.
                        sgdState.momentum_buffer = torch.empty_like(param).DetachFromDisposeScope();
                        first = true;
                    }

                    var lr = options.LearningRate!.Value;
                    var scalars = new SgdScalars(
                        GradientScale: (float)gradientScale,
                        WeightDecay: (float)options.weight_decay!.Value,
                        Momentum: (float)momentum,
                        OneMinusDampening: (float)(1 - options.dampening!.Value),
                        Nesterov: options.nesterov!.Value,
                        FirstStep: first,
                        Alpha: (float)(options.maximize!.Value ? lr : -lr));
                    var buffer = momentum != 0 ? Floats(sgdState.momentum_buffer!) : Span<float>.Empty;
                    if (lowRank is not null && lowRank.TryGetValue(param.Handle, out var factors))
                    {
                        LowRankKernels.Sgd(Floats(param), buffer, Floats(factors.G), Floats(factors.X), factors.Rows, factors.OutFeatures, factors.InFeatures, scalars);
                    }
                    else
                    {
                        FusedKernels.Sgd(Floats(param), Floats(grad!), buffer, scalars, zeroGradients);
                    }


                    MarkModified(param);
                }

                return true;
            }
            finally
            {
                Dispose(work);
            }
        }

        /// <summary>
        /// The existing path for what the fused pass does not cover: scale the gradients in place (as clipping does), run
        /// TorchSharp's step, then zero the gradients.
        /// </summary>
        public static void Fallback(IList<TorchSharp.Modules.ParamGroup> groups, double gradientScale, bool zeroGradients, Func<Tensor> step)
        {
            using var noGrad = torch.no_grad();
            if (gradientScale != 1.0)
            {
                using var factor = gradientScale.ToScalar();
                ForEachGradient(groups, g => g.mul_(factor));
            }

            step()?.Dispose();
            if (zeroGradients)
            {
                ForEachGradient(groups, g => g.zero_());
            }
        }

        private static void ForEachGradient(IList<TorchSharp.Modules.ParamGroup> groups, Action<Tensor> action)
        {
            foreach (var group in groups)
            {
                foreach (var param in group.Parameters)
                {
                    using var grad = param.grad;
                    if (grad is not null)
                    {
                        action(grad);
                    }
                }
            }
        }

        /// <summary>Whether the optimiser updates <paramref name="parameter"/> and the fused pass can take it (amsgrad aside, its state's tensors are checked at the step).</summary>
        public static bool CanUpdateLowRank(IList<TorchSharp.Modules.ParamGroup> groups, TorchSharp.Utils.OrderedDict<IntPtr, OptimizerState> states, Parameter parameter)
        {
            foreach (var group in groups)
            {
                if (group.Options is TorchSharp.Modules.Adam.Options { amsgrad: true } or AdamW.Options { amsgrad: true })
                {
                    continue;
                }

                foreach (var param in group.Parameters)
                {
                    if (param.Handle == parameter.Handle)
                    {
                        return states.ContainsKey(param.Handle) && IsFusable(param);
                    }
                }
            }

            return false;
        }

        // The parameters with a gradient, and those whose gradient comes from low-rank factors (Grad null for them).
        private static List<(TorchSharp.Modules.ParamGroup Group, Parameter Param, Tensor? Grad, OptimizerState State)> Collect(
            IList<TorchSharp.Modules.ParamGroup> groups, TorchSharp.Utils.OrderedDict<IntPtr, OptimizerState> states, IReadOnlyDictionary<IntPtr, LowRankGradient>? lowRank, out bool fusable)
        {
            var work = new List<(TorchSharp.Modules.ParamGroup, Parameter, Tensor?, OptimizerState)>();
            fusable = true;
            foreach (var group in groups)
            {
                if (group.Options is TorchSharp.Modules.Adam.Options { amsgrad: true } or AdamW.Options { amsgrad: true })
                {
                    fusable = false;
                }

                foreach (var param in group.Parameters)
                {
                    var fromFactors = lowRank is not null && lowRank.ContainsKey(param.Handle);
                    var grad = fromFactors ? null : param.grad;
                    if (grad is null && !fromFactors)
                    {
                        continue;
                    }

                    var state = states[param.Handle];
                    work.Add((group, param, grad, state));
                    fusable &= IsFusable(param) && (grad is null || (IsFusable(grad) && !grad.is_sparse)) && state switch
                    {
                        TorchSharp.Modules.Adam.State a => IsFusable(a.exp_avg) && IsFusable(a.exp_avg_sq),
                        AdamW.State w => IsFusable(w.exp_avg) && IsFusable(w.exp_avg_sq),
                        SGD.State s => s.momentum_buffer is null || IsFusable(s.momentum_buffer),
                        _ => false,
                    };
                }
            }

            return work;
        }

        private static void Dispose(List<(TorchSharp.Modules.ParamGroup Group, Parameter Param, Tensor? Grad, OptimizerState State)> work)
        {
            foreach (var item in work)
            {
                item.Grad?.Dispose();
            }
        }

        /// <summary>Contiguous float32 in CPU memory, small enough for a span.</summary>
        private static bool IsFusable(Tensor t) =>
            t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous() && t.numel() <= int.MaxValue / sizeof(float);

        /// <summary>
        /// Bumps the parameter's autograd version counter, as libtorch's in-place operations do, so that a graph which saved the
        /// old value for its backward fails there ("modified by an inplace operation") instead of using the new one. Writing
        /// through the span does not count; an in-place operation on an empty view of the parameter does (views share the
        /// counter), without touching a single element.
        /// </summary>
        /// <remarks>Called under <c>no_grad</c>: an in-place operation on a view of a leaf that requires grad is refused otherwise.</remarks>
        private static void MarkModified(Tensor param)
        {
            using var empty = param.as_strided(EmptyShape, UnitStride);
            empty.zero_();
        }

        private static readonly long[] EmptyShape = { 0 };
        private static readonly long[] UnitStride = { 1 };

        /// <summary>The tensor's own memory (TorchSharp's <c>bytes</c> is a span over it, not a copy).</summary>
        private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);
    }
}
