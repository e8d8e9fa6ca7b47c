using System;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>The value of an activation at z, with its derivative there.</summary>
    internal delegate double ActivationFunction(double z, out double derivative);

    /// <summary>
    /// An element-wise activation as the mean-field recursions see it: its value and its derivative.
    /// The forward recursion needs E[φ(z)²], the backward one E[φ'(z)²]; both come from this one function.
    /// </summary>
    internal sealed class ActivationTerm
    {
        public ActivationTerm(string name, ActivationFunction evaluate)
        {
            Name = name;
            Evaluate = evaluate;
        }

        public string Name { get; }

        /// <summary>φ(z), with φ'(z) as the out parameter (one evaluation serves both recursions).</summary>
        public ActivationFunction Evaluate { get; }

        public double Value(double z) => Evaluate(z, out _);

        public double Derivative(double z)
        {
            Evaluate(z, out var derivative);
            return derivative;
        }

        public static readonly ActivationTerm ReLU = new("ReLU", (double z, out double d) =>
        {
            d = z > 0 ? 1 : 0;
            return z > 0 ? z : 0;
        });

        public static readonly ActivationTerm Sigmoid = new("Sigmoid", (double z, out double d) =>
        {
            var s = z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
            d = s * (1 - s);
            return s;
        });

        public static readonly ActivationTerm Tanh = new("Tanh", (double z, out double d) =>
        {
            var t = Math.Tanh(z);
            d = 1 - (t * t);
            return t;
        });

        /// <summary>PyTorch's LeakyReLU (default slope 0.01).</summary>
        public static ActivationTerm LeakyReLU(double negativeSlope = 0.01) => new("LeakyReLU", (double z, out double d) =>
        {
            d = z > 0 ? 1 : negativeSlope;
            return z > 0 ? z : negativeSlope * z;
        });

        /// <summary>PyTorch's ReLU6: min(max(z, 0), 6).</summary>
        public static readonly ActivationTerm ReLU6 = new("ReLU6", (double z, out double d) =>
        {
            d = z > 0 && z < 6 ? 1 : 0;
            return z <= 0 ? 0 : z < 6 ? z : 6;
        });

        /// <summary>PyTorch's PReLU at initialisation: a LeakyReLU with the initial slope (the slope is a parameter
        /// that training changes, but the prediction is about initialisation).</summary>
        public static ActivationTerm PReLU(double initialSlope = 0.25) => new("PReLU", (double z, out double d) =>
        {
            d = z > 0 ? 1 : initialSlope;
            return z > 0 ? z : initialSlope * z;
        });

        /// <summary>PyTorch's SELU (Klambauer et al. 2017): λz for z &gt; 0, λα(eᶻ − 1) otherwise.</summary>
        public static readonly ActivationTerm SELU = new("SELU", (double z, out double d) =>
        {
            const double Lambda = 1.0507009873554804934193349852946;
            const double Alpha = 1.6732632423543772848170429916717;
            if (z > 0)
            {
                d = Lambda;
                return Lambda * z;
            }

            var e = Math.Exp(z);
            d = Lambda * Alpha * e;
            return Lambda * Alpha * (e - 1);
        });

        /// <summary>PyTorch's ELU: z for z &gt; 0, α(eᶻ − 1) otherwise.</summary>
        public static ActivationTerm ELU(double alpha = 1.0) => new("ELU", (double z, out double d) =>
        {
            if (z > 0)
            {
                d = 1;
                return z;
            }

            var e = Math.Exp(z);
            d = alpha * e;
            return alpha * (e - 1);
        });

        /// <summary>PyTorch's exact GELU, z·Φ(z).</summary>
        public static readonly ActivationTerm GELU = new("GELU", (double z, out double d) =>
        {
            var cdf = NormalCdf(z);
            d = cdf + (z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI));
            return z * cdf;
        });

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
