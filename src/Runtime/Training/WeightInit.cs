using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Training
{
    /// <summary>
    /// The activation that follows a layer, which decides the gain of its initialisation. The values are the ones
    /// PyTorch's <c>torch.nn.init.calculate_gain</c> knows; an activation it does not know (GELU, SiLU, ELU, Softmax, ...)
    /// is treated as <see cref="Identity"/>, gain 1.
    /// </summary>
    public enum Nonlinearity
    {
        /// <summary>No activation (or one without a published gain): gain 1, like PyTorch's <c>'linear'</c> and <c>'conv2d'</c>.</summary>
        Identity,

        /// <summary>Logistic sigmoid: gain 1.</summary>
        Sigmoid,

        /// <summary>Hyperbolic tangent: gain 5/3.</summary>
        Tanh,

        /// <summary>Rectified linear unit: gain √2.</summary>
        ReLU,

        /// <summary>Leaky ReLU: gain √(2 / (1 + slope²)); PyTorch's default slope is 0.01.</summary>
        LeakyReLU,

        /// <summary>Scaled exponential linear unit: gain 3/4, PyTorch's value (TorchSharp's <c>calculate_gain</c> lacks it).</summary>
        SELU,
    }

    /// <summary>
    /// Xavier and Kaiming initialisation with PyTorch's formulas, the gain taken from the activation that follows the
    /// layer. Generated constructors call <see cref="Apply(nn.Module, Init, Nonlinearity, double, FanMode, bool)"/> once per
    /// weight layer after registering the layers; the random numbers come from TorchSharp's default generator, so
    /// <c>torch.manual_seed</c> makes them reproducible.
    /// </summary>
    public static class WeightInit
    {
        /// <summary>PyTorch's default negative slope for <c>LeakyReLU</c> (TorchSharp's <c>calculate_gain</c> assumes 0 instead).</summary>
        public const double DefaultNegativeSlope = 0.01;

        /// <summary>
        /// The gain PyTorch's <c>calculate_gain</c> returns for <paramref name="nonlinearity"/>: 1 for identity and sigmoid,
        /// 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU, 3/4 for SELU.
        /// </summary>
        /// <param name="nonlinearity">The activation that follows the layer.</param>
        /// <param name="negativeSlope">The leaky ReLU's slope for negative inputs; ignored for the others.</param>
        public static double Gain(Nonlinearity nonlinearity, double negativeSlope = DefaultNegativeSlope)
        {
            if (double.IsNaN(negativeSlope) || double.IsInfinity(negativeSlope))
            {
                throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "The negative slope must be a finite number.");
            }

            return nonlinearity switch
            {
                Nonlinearity.Identity or Nonlinearity.Sigmoid => 1.0,
                Nonlinearity.Tanh => 5.0 / 3.0,
                Nonlinearity.ReLU => Math.Sqrt(2.0),
                Nonlinearity.LeakyReLU => Math.Sqrt(2.0 / (1 + (negativeSlope * negativeSlope))),
                Nonlinearity.SELU => 3.0 / 4.0,
                _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "Unknown nonlinearity."),
            };
        }

        /// <summary>
        /// PyTorch's fans of a weight tensor: fan_in = size(1)·receptive field, fan_out = size(0)·receptive field, where the
        /// receptive field is the product of the remaining dimensions (1 for <c>Linear</c>).
        /// </summary>
        /// <param name="weight">A weight with at least two dimensions.</param>
        public static (long FanIn, long FanOut) Fans(Tensor weight)
        {
            ArgumentNullException.ThrowIfNull(weight);
            if (weight.dim() < 2)
            {
                throw new ArgumentException($"Fans need a weight with at least 2 dimensions; this one has shape [{string.Join(", ", weight.shape)}].", nameof(weight));
            }

            var receptiveField = weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
            return (weight.shape[1] * receptiveField, weight.shape[0] * receptiveField);
        }

        /// <summary>
        /// Initialises a layer's <c>weight</c> (and, with <paramref name="zeroBias"/>, zeroes its <c>bias</c>) with the given
        /// scheme. <see cref="Init.None"/> and <see cref="Init.Default"/> leave the layer as TorchSharp created it, which is
        /// PyTorch's default initialisation.
        /// </summary>
        /// <param name="layer">A layer with a parameter named <c>weight</c> (<c>Linear</c>, <c>Conv1d/2d/3d</c>, ...).</param>
        /// <param name="scheme">The scheme.</param>
        /// <param name="following">The activation that follows the layer, which sets the gain.</param>
        /// <param name="negativeSlope">The following leaky ReLU's slope (PyTorch's default 0.01); ignored otherwise.</param>
        /// <param name="mode">For Kaiming: which fan to preserve. Ignored by Xavier, which uses both.</param>
        /// <param name="zeroBias">Whether to set the bias to zero (default <c>true</c>); <c>false</c> keeps PyTorch's default bias.</param>
        public static void Apply(nn.Module layer, Init scheme, Nonlinearity following, double negativeSlope = DefaultNegativeSlope, FanMode mode = FanMode.FanIn, bool zeroBias = true)
        {
            ArgumentNullException.ThrowIfNull(layer);
            var parameters = layer.named_parameters(recurse: false).ToDictionary(p => p.name, p => p.parameter);
            if (!parameters.TryGetValue("weight", out var weight))
            {
                throw new ArgumentException($"Layer '{layer.GetName()}' has no parameter named 'weight' to initialise.", nameof(layer));
            }

            parameters.TryGetValue("bias", out var bias);
            Apply(weight, bias, scheme, following, negativeSlope, mode, zeroBias);
        }

        /// <summary>
        /// Initialises <paramref name="weight"/> in place with the given scheme and, with <paramref name="zeroBias"/>, sets
        /// <paramref name="bias"/> to zero. Runs without recording gradients.
        /// </summary>
        /// <param name="weight">The weight, at least two-dimensional (out_features × in_features × kernel...).</param>
        /// <param name="bias">The bias, or <c>null</c>.</param>
        /// <param name="scheme">The scheme; <see cref="Init.None"/> and <see cref="Init.Default"/> change nothing.</param>
        /// <param name="following">The activation that follows the layer, which sets the gain.</param>
        /// <param name="negativeSlope">The following leaky ReLU's slope; ignored otherwise.</param>
        /// <param name="mode">For Kaiming: which fan to preserve.</param>
        /// <param name="zeroBias">Whether to set the bias to zero.</param>
        public static void Apply(Tensor weight, Tensor? bias, Init scheme, Nonlinearity following, double negativeSlope = DefaultNegativeSlope, FanMode mode = FanMode.FanIn, bool zeroBias = true)
        {
            ArgumentNullException.ThrowIfNull(weight);
            if (scheme is Init.None or Init.Default)
            {
                return;
            }

            var gain = Gain(following, negativeSlope);
            var (fanIn, fanOut) = Fans(weight);
            using var noGrad = torch.no_grad();
            switch (scheme)
            {
                case Init.XavierUniform:
                    Uniform(weight, gain * Math.Sqrt(6.0 / (fanIn + fanOut)));
                    break;
                case Init.XavierNormal:
                    Normal(weight, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
                    break;
                case Init.KaimingUniform:
                    Uniform(weight, gain * Math.Sqrt(3.0 / (mode == FanMode.FanIn ? fanIn : fanOut)));
                    break;
                case Init.KaimingNormal:
                    Normal(weight, gain / Math.Sqrt(mode == FanMode.FanIn ? fanIn : fanOut));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown initialisation scheme.");
            }

            if (zeroBias && bias is not null)
            {
                bias.zero_();
            }
        }

        private static void Uniform(Tensor weight, double bound) => weight.uniform_(-bound, bound);

        private static void Normal(Tensor weight, double std) => weight.normal_(0.0, std);
    }
}
