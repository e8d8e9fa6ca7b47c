using System;

namespace NetGen
{
    /// <summary>
    /// Rectified linear unit, <c>max(0, x)</c>, applied with <c>torch.nn.functional.relu</c>. Its derivative is
    /// 1 for positive inputs, so stacking it does not shrink gradients the way Sigmoid does.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ReLUAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Logistic sigmoid, <c>1 / (1 + e^-x)</c>, applied with <c>torch.nn.functional.sigmoid</c>. Its derivative
    /// is at most 0.25, so n stacked sigmoids scale a gradient by at most 0.25^n: deep stacks of it vanish.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SigmoidAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Hyperbolic tangent, applied with <c>torch.nn.functional.tanh</c>. Its derivative is at most 1 (at 0) and
    /// decays fast away from 0: it saturates like Sigmoid, more slowly.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class TanhAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Leaky ReLU, <c>max(0, x) + slope · min(0, x)</c>, applied with <c>torch.nn.functional.leaky_relu</c>.
    /// The small negative slope keeps a gradient flowing for negative inputs, so units cannot die.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LeakyReLUAttribute : LayerAttribute
    {
        /// <summary>Declares a leaky ReLU.</summary>
        /// <param name="negativeSlope">Slope for negative inputs; PyTorch's default 0.01. Must not be negative.</param>
        public LeakyReLUAttribute(double negativeSlope = 0.01)
        {
            NegativeSlope = negativeSlope;
        }

        /// <summary>Slope for negative inputs.</summary>
        public double NegativeSlope { get; }
    }

    /// <summary>ReLU capped at 6, <c>min(max(0, x), 6)</c>, applied with <c>torch.nn.functional.relu6</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ReLU6Attribute : LayerAttribute
    {
    }

    /// <summary>
    /// Parametric ReLU (He et al., 2015): a leaky ReLU whose negative slope is learned. Generated as
    /// <c>torch.nn.PReLU(NumParameters, InitialSlope)</c> and named <c>prelu{k}</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class PReLUAttribute : LayerAttribute
    {
        /// <summary>Number of learned slopes: 1 (shared, the default) or the number of channels.</summary>
        public long NumParameters { get; set; } = 1;

        /// <summary>Initial slope (default 0.25, PyTorch's <c>init</c>).</summary>
        public double InitialSlope { get; set; } = 0.25;
    }

    /// <summary>
    /// Exponential linear unit (Clevert et al., 2015), <c>x</c> for positive inputs and <c>alpha · (e^x - 1)</c>
    /// otherwise, applied with <c>torch.nn.functional.elu</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ELUAttribute : LayerAttribute
    {
        /// <summary>Declares an ELU.</summary>
        /// <param name="alpha">The value the ELU approaches for large negative inputs is <c>-alpha</c>; must be positive.</param>
        public ELUAttribute(double alpha = 1.0)
        {
            Alpha = alpha;
        }

        /// <summary>The negative saturation value's magnitude.</summary>
        public double Alpha { get; }
    }

    /// <summary>Scaled ELU (Klambauer et al., 2017), self-normalising; applied with <c>torch.nn.functional.selu</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SELUAttribute : LayerAttribute
    {
    }

    /// <summary>Gaussian error linear unit (Hendrycks and Gimpel, 2016), applied with <c>torch.nn.functional.gelu</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GELUAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Softmax along a dimension, applied with <c>torch.nn.functional.softmax</c>. Do not put it before a loss
    /// that expects logits, such as cross-entropy, which applies log-softmax itself.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SoftmaxAttribute : LayerAttribute
    {
        /// <summary>Declares a softmax.</summary>
        /// <param name="dim">The dimension, counted as in PyTorch with the batch dimension as 0 (default 1, the features of a batch of vectors; negative counts from the end).</param>
        public SoftmaxAttribute(long dim = 1)
        {
            Dim = dim;
        }

        /// <summary>The dimension, counting the batch dimension as 0.</summary>
        public long Dim { get; }
    }

    /// <summary>Log-softmax along a dimension, applied with <c>torch.nn.functional.log_softmax</c>; pair it with NLL loss.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LogSoftmaxAttribute : LayerAttribute
    {
        /// <summary>Declares a log-softmax.</summary>
        /// <param name="dim">The dimension, counted as in PyTorch with the batch dimension as 0 (default 1).</param>
        public LogSoftmaxAttribute(long dim = 1)
        {
            Dim = dim;
        }

        /// <summary>The dimension, counting the batch dimension as 0.</summary>
        public long Dim { get; }
    }
}
