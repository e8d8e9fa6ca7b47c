using System;

namespace NetGen
{
    /// <summary>
    /// A fully connected layer, <c>y = x·Wᵀ + b</c>, generated as <c>torch.nn.Linear</c> and named
    /// <c>fc{k}</c>. Parameters: <c>inFeatures · outFeatures</c> weights plus <c>outFeatures</c> biases.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LinearAttribute : LayerAttribute
    {
        /// <summary>Declares a linear layer with both sizes explicit.</summary>
        /// <param name="inFeatures">Size of each input sample; must equal the previous layer's output size.</param>
        /// <param name="outFeatures">Size of each output sample.</param>
        public LinearAttribute(long inFeatures, long outFeatures)
        {
            InFeatures = inFeatures;
            OutFeatures = outFeatures;
        }

        /// <summary>Declares a linear layer whose input size is inferred from the previous layer's output.</summary>
        /// <param name="outFeatures">Size of each output sample.</param>
        public LinearAttribute(long outFeatures)
        {
            OutFeatures = outFeatures;
        }

        /// <summary>Size of each input sample; <c>null</c> when inferred from the previous layer.</summary>
        public long? InFeatures { get; }

        /// <summary>Size of each output sample.</summary>
        public long OutFeatures { get; }

        /// <summary>Whether the layer learns an additive bias (default <c>true</c>). A bias right before
        /// <c>BatchNorm</c> is redundant: the normalisation subtracts it again.</summary>
        public bool Bias { get; set; } = true;
    }

    /// <summary>
    /// Batch normalisation over the features of the previous layer (Ioffe and Szegedy, 2015), generated as
    /// <c>torch.nn.BatchNorm1d</c> (eps 1e-5, momentum 0.1, affine, tracking running statistics) and named
    /// <c>bn{k}</c>. The feature count is inferred from the previous layer, so it cannot come first.
    /// It keeps activations near zero mean and unit variance, one of the cures for vanishing and exploding gradients.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BatchNormAttribute : LayerAttribute
    {
    }

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
}
