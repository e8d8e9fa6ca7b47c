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

        /// <summary>
        /// How to initialise this layer's weights, overriding a class-level <c>[XavierInit]</c> or <c>[KaimingInit]</c>
        /// (default <see cref="NetGen.Init.None"/>: follow the class, else PyTorch's default). The gain comes from the
        /// activation that follows the layer, as <c>torch.nn.init.calculate_gain</c>.
        /// </summary>
        public Init Init { get; set; }
    }

    /// <summary>
    /// Declares the shape of one input sample, without the batch dimension: <c>[Input(784)]</c> for feature
    /// vectors, <c>[Input(1, 28, 28)]</c> for one-channel 28x28 images, <c>[Input(50, 8)]</c> for sequences of
    /// 50 steps with 8 features. Optional when the first layer fixes it (<c>Linear(784, 300)</c>); when present
    /// it must come first. It generates no module.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class InputAttribute : LayerAttribute
    {
        /// <summary>Declares the input shape.</summary>
        /// <param name="shape">The sizes of one sample's dimensions, each at least 1.</param>
        public InputAttribute(params long[] shape)
        {
            Shape = shape;
        }

        /// <summary>The sizes of one sample's dimensions.</summary>
        public long[] Shape { get; }
    }

    /// <summary>
    /// Flattens each sample to a vector (<c>torch.flatten(x, 1)</c>): <c>[16, 7, 7]</c> becomes <c>[784]</c>.
    /// Put it between convolution or pooling layers and a <c>Linear</c> layer.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class FlattenAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Dropout (Srivastava et al., 2014): during training, zeroes each element with probability <c>p</c> and
    /// scales the rest by <c>1/(1-p)</c>; in <c>eval()</c> mode it passes the input through. Generated as
    /// <c>torch.nn.functional.dropout(x, p, training)</c> following the module's mode.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DropoutAttribute : LayerAttribute
    {
        /// <summary>Declares dropout with probability <paramref name="p"/>.</summary>
        /// <param name="p">Probability of zeroing an element, from 0 (inclusive) to 1 (exclusive).</param>
        public DropoutAttribute(double p = 0.5)
        {
            P = p;
        }

        /// <summary>Probability of zeroing an element.</summary>
        public double P { get; }
    }
}
