using System;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// How a dense layer's weights and bias are drawn, reduced to what the mean-field recursions need:
    /// the variance of one weight and of one bias entry, as functions of fan-in and fan-out. Only the
    /// variance matters, not the distribution (uniform or normal), because the recursions carry second moments.
    /// </summary>
    internal sealed class Initialization
    {
        public Initialization(string name, Func<long, long, double> weightVariance, Func<long, long, double> biasVariance)
        {
            Name = name;
            WeightVariance = weightVariance;
            BiasVariance = biasVariance;
        }

        public string Name { get; }

        /// <summary>Var(W) from (fanIn, fanOut).</summary>
        public Func<long, long, double> WeightVariance { get; }

        /// <summary>Var(b) from (fanIn, fanOut); 0 for zero-initialised biases.</summary>
        public Func<long, long, double> BiasVariance { get; }

        /// <summary>
        /// PyTorch's (and TorchSharp's) default for Linear: kaiming_uniform with a = √5, that is weights
        /// uniform on ±1/√fanIn, so Var(W) = 1/(3·fanIn); the bias is uniform on ±1/√fanIn too.
        /// </summary>
        public static readonly Initialization PyTorchDefault = new(
            "PyTorch default",
            (fanIn, _) => 1.0 / (3.0 * fanIn),
            (fanIn, _) => 1.0 / (3.0 * fanIn));

        /// <summary>Glorot and Bengio (2010): Var(W) = gain²·2/(fanIn + fanOut), uniform or normal; bias zero.</summary>
        public static Initialization Xavier(double gain = 1.0) => new(
            "Xavier",
            (fanIn, fanOut) => gain * gain * 2.0 / (fanIn + fanOut),
            (_, _) => 0);

        /// <summary>He et al. (2015), fan-in mode: Var(W) = gain²/fanIn (gain² = 2 for ReLU), uniform or normal; bias zero.</summary>
        public static Initialization Kaiming(double gainSquared = 2.0) => new(
            "Kaiming",
            (fanIn, _) => gainSquared / fanIn,
            (_, _) => 0);

        /// <summary>
        /// The initialisation a generated constructor applies (<c>NetGen.Training.WeightInit.Apply</c>), from the scheme
        /// and gain the parser recorded: Xavier Var(W) = gain²·2/(fanIn + fanOut), Kaiming Var(W) = gain²/fan (fan-in, or
        /// fan-out when declared), uniform and normal alike; the bias zero when <paramref name="zeroBias"/>, else left at
        /// PyTorch's default. Null for a scheme or gain this version does not know (the network is then unpredictable).
        /// </summary>
        /// <param name="scheme">A member name of <c>NetGen.Init</c>: XavierUniform, XavierNormal, KaimingUniform, KaimingNormal.</param>
        /// <param name="gain">A member name of <c>NetGen.Training.Nonlinearity</c>.</param>
        /// <param name="negativeSlope">The LeakyReLU/PReLU slope for the LeakyReLU gain; PyTorch's 0.01 when null.</param>
        public static Initialization? Declared(string scheme, string gain, double? negativeSlope, bool fanOut, bool zeroBias)
        {
            if (Gain(gain, negativeSlope ?? 0.01) is not { } g)
            {
                return null;
            }

            Func<long, long, double> bias = zeroBias ? (_, _) => 0 : PyTorchDefault.BiasVariance;
            return scheme switch
            {
                "XavierUniform" or "XavierNormal" => new Initialization(
                    scheme, (fanIn, fanOutCount) => g * g * 2.0 / (fanIn + fanOutCount), bias),
                "KaimingUniform" or "KaimingNormal" => new Initialization(
                    scheme, (fanIn, fanOutCount) => g * g / (fanOut ? fanOutCount : fanIn), bias),
                _ => null,
            };
        }

        /// <summary>PyTorch's <c>calculate_gain</c>, as <c>NetGen.Training.WeightInit.Gain</c> computes it.</summary>
        public static double? Gain(string nonlinearity, double negativeSlope = 0.01) => nonlinearity switch
        {
            "Identity" or "Sigmoid" => 1.0,
            "Tanh" => 5.0 / 3.0,
            "ReLU" => Math.Sqrt(2.0),
            "LeakyReLU" => Math.Sqrt(2.0 / (1 + (negativeSlope * negativeSlope))),
            "SELU" => 3.0 / 4.0,
            _ => null,
        };

        /// <summary>The same weights without a bias (Linear with Bias = false).</summary>
        public Initialization WithoutBias() => new(Name, WeightVariance, (_, _) => 0);
    }
}
