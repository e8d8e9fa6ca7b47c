using System;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// An element-wise activation as the mean-field recursions see it: its value and its derivative.
    /// The forward recursion needs E[φ(z)²], the backward one E[φ'(z)²]; both come from these two functions.
    /// </summary>
    internal sealed class ActivationTerm
    {
        public ActivationTerm(string name, Func<double, double> value, Func<double, double> derivative)
        {
            Name = name;
            Value = value;
            Derivative = derivative;
        }

        public string Name { get; }

        public Func<double, double> Value { get; }

        public Func<double, double> Derivative { get; }

        public static readonly ActivationTerm ReLU = new("ReLU", z => z > 0 ? z : 0, z => z > 0 ? 1 : 0);

        public static readonly ActivationTerm Sigmoid = new("Sigmoid", Logistic, z => Logistic(z) * (1 - Logistic(z)));

        public static readonly ActivationTerm Tanh = new("Tanh", Math.Tanh, z => 1 - (Math.Tanh(z) * Math.Tanh(z)));

        /// <summary>PyTorch's LeakyReLU (default slope 0.01).</summary>
        public static ActivationTerm LeakyReLU(double negativeSlope = 0.01) =>
            new("LeakyReLU", z => z > 0 ? z : negativeSlope * z, z => z > 0 ? 1 : negativeSlope);

        /// <summary>PyTorch's ELU: z for z &gt; 0, α(eᶻ − 1) otherwise.</summary>
        public static ActivationTerm ELU(double alpha = 1.0) =>
            new("ELU", z => z > 0 ? z : alpha * (Math.Exp(z) - 1), z => z > 0 ? 1 : alpha * Math.Exp(z));

        /// <summary>PyTorch's exact GELU, z·Φ(z).</summary>
        public static readonly ActivationTerm GELU = new(
            "GELU",
            z => z * NormalCdf(z),
            z => NormalCdf(z) + (z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI)));

        private static double Logistic(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

        /// <summary>Φ(z) through erf, Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).</summary>
        private static double NormalCdf(double z)
        {
            var x = Math.Abs(z) / Math.Sqrt(2);
            var t = 1 / (1 + (0.3275911 * x));
            var erf = 1 - (((((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t) - 0.284496736) * t) + 0.254829592) * t * Math.Exp(-x * x));
            return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
        }
    }
}
