using System;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// Gauss–Hermite quadrature for expectations over a standard normal variable:
    /// E[f(z)] ≈ Σ wᵢ f(xᵢ) with z ~ N(0, 1). The mean-field recursions are one- and two-dimensional
    /// Gaussian integrals, and a few dozen nodes get them to well under the model's own error.
    /// </summary>
    internal static class GaussHermite
    {
        /// <summary>Nodes and weights (summing to 1) of the n-point rule for the standard normal density.</summary>
        public static (double[] Nodes, double[] Weights) StandardNormal(int n)
        {
            if (n < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(n), n, "Gauss–Hermite quadrature needs at least 2 nodes.");
            }

            // Newton's method on the orthonormal Hermite polynomials for the weight e^(-x²) (Numerical
            // Recipes' gauher), with its initial guesses; then x → √2·x and w → w/√π turn the rule into
            // one for N(0, 1).
            var x = new double[n];
            var w = new double[n];
            var pim4 = Math.Pow(Math.PI, -0.25);
            double z = 0;
            for (var i = 0; i < (n + 1) / 2; i++)
            {
                z = i switch
                {
                    0 => Math.Sqrt(2.0 * n + 1) - (1.85575 * Math.Pow(2.0 * n + 1, -1.0 / 6.0)),
                    1 => z - (1.14 * Math.Pow(n, 0.426) / z),
                    2 => (1.86 * z) - (0.86 * x[0]),
                    3 => (1.91 * z) - (0.91 * x[1]),
                    _ => (2.0 * z) - x[i - 2],
                };

                double derivative = 0;
                for (var iteration = 0; iteration < 100; iteration++)
                {
                    double p1 = pim4, p2 = 0;
                    for (var j = 1; j <= n; j++)
                    {
                        var p3 = p2;
                        p2 = p1;
                        p1 = (z * Math.Sqrt(2.0 / j) * p2) - (Math.Sqrt((j - 1.0) / j) * p3);
                    }

                    derivative = Math.Sqrt(2.0 * n) * p2;
                    var previous = z;
                    z = previous - (p1 / derivative);
                    if (Math.Abs(z - previous) <= 1e-14 * Math.Max(1, Math.Abs(z)))
                    {
                        break;
                    }
                }

                x[i] = z;
                x[n - 1 - i] = -z;
                w[i] = w[n - 1 - i] = 2.0 / (derivative * derivative);
            }

            var nodes = new double[n];
            var weights = new double[n];
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                nodes[i] = x[n - 1 - i] * Math.Sqrt(2.0);
                weights[i] = w[n - 1 - i] / Math.Sqrt(Math.PI);
                sum += weights[i];
            }

            // The weights sum to 1 up to rounding; make it exact so constants integrate exactly.
            for (var i = 0; i < n; i++)
            {
                weights[i] /= sum;
            }

            return (nodes, weights);
        }
    }
}
