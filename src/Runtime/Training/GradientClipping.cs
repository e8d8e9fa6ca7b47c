using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Monitoring;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Training
{
    /// <summary>The total norm of a set of gradients and whether all of them are finite.</summary>
    /// <param name="Total">The total p-norm over all gradients together (as <c>clip_grad_norm_</c> measures it); NaN or infinity when a gradient is not finite.</param>
    /// <param name="NormType">The p of the norm: 1, 2, <see cref="double.PositiveInfinity"/> or any other positive p.</param>
    /// <param name="NonFinite">The names of the parameters whose gradient holds NaN or infinity; empty when all are finite.</param>
    public sealed record GradientNorm(double Total, double NormType, IReadOnlyList<string> NonFinite)
    {
        /// <summary>Whether every gradient is finite (the total is finite).</summary>
        public bool IsFinite => NonFinite.Count == 0 && double.IsFinite(Total);
    }

    /// <summary>
    /// Gradient clipping that checks finiteness first. TorchSharp's <c>clip_grad_norm_</c> has no
    /// <c>error_if_nonfinite</c>: one NaN gradient makes the total NaN and turns every gradient into NaN, silently. These
    /// helpers measure the total once, report non-finite parameters by name, and leave the gradients untouched when they are
    /// not finite, so the caller can skip the optimiser step.
    /// </summary>
    public static class GradientClipping
    {
        /// <summary>PyTorch's guard against dividing by a zero norm: the clip coefficient is max / (total + 1e-6).</summary>
        public const double Epsilon = 1e-6;

        /// <summary>
        /// Measures the total p-norm of the parameters' gradients (parameters without a gradient are skipped), computed as
        /// PyTorch does: the p-norm of the per-parameter p-norms.
        /// </summary>
        /// <param name="parameters">Named parameters, for example <c>model.named_parameters()</c>.</param>
        /// <param name="normType">The p of the norm (default 2); <see cref="double.PositiveInfinity"/> for the largest |g|.</param>
        public static GradientNorm Measure(IEnumerable<(string name, TorchSharp.Modules.Parameter parameter)> parameters, double normType = 2.0) =>
            Measure(parameters, normType, null);

        /// <summary>As <see cref="Measure(IEnumerable{ValueTuple{string, TorchSharp.Modules.Parameter}}, double)"/>, reusing statistics already computed for this backward pass.</summary>
        internal static GradientNorm Measure(IEnumerable<(string name, TorchSharp.Modules.Parameter parameter)> parameters, double normType, GradientMonitor? sampled)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            CheckNormType(normType);
            var names = new List<string>();
            var norms = new List<double>();
            foreach (var (name, parameter) in parameters)
            {
                if (sampled is not null && IsOneTwoOrInfinity(normType) && sampled.TryGetLastSums(parameter, out var known))
                {
                    names.Add(name);
                    norms.Add(Pick(known, normType));
                    continue;
                }

                using var gradient = parameter.grad;
                if (gradient is null)
                {
                    continue;
                }

                names.Add(name);
                norms.Add(Norm(gradient, normType));
            }

            var nonFinite = names.Where((_, i) => !double.IsFinite(norms[i])).ToArray();
            return new GradientNorm(Combine(norms, normType), normType, nonFinite);
        }

        /// <summary>
        /// Clips the gradients together to a total p-norm of at most <paramref name="maxNorm"/>, like PyTorch's
        /// <c>clip_grad_norm_</c>, but only when every gradient is finite: otherwise nothing is changed and the returned
        /// measurement says which parameters are at fault.
        /// </summary>
        /// <param name="parameters">Named parameters, for example <c>model.named_parameters()</c>.</param>
        /// <param name="maxNorm">The largest total norm allowed; positive.</param>
        /// <param name="normType">The p of the norm (default 2); <see cref="double.PositiveInfinity"/> for the largest |g|.</param>
        /// <returns>The total norm measured before clipping.</returns>
        public static GradientNorm ClipNorm(IEnumerable<(string name, TorchSharp.Modules.Parameter parameter)> parameters, double maxNorm, double normType = 2.0)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            CheckPositive(maxNorm, nameof(maxNorm));
            var list = parameters.ToList();
            var norm = Measure(list, normType);
            if (norm.IsFinite)
            {
                Scale(list.Select(p => p.parameter), maxNorm, norm.Total);
            }

            return norm;
        }

        /// <summary>Clamps every gradient entry to [-<paramref name="value"/>, <paramref name="value"/>], like PyTorch's <c>clip_grad_value_</c>.</summary>
        /// <param name="parameters">The parameters whose gradients to clamp; those without a gradient are skipped.</param>
        /// <param name="value">The largest absolute entry allowed; positive.</param>
        public static void ClipValue(IEnumerable<TorchSharp.Modules.Parameter> parameters, double value)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            CheckPositive(value, nameof(value));

            // Scalars made from doubles are freed by a finalizer unless disposed; see TrainingStep on why that matters.
            using var low = (-value).ToScalar();
            using var high = value.ToScalar();
            using var noGrad = torch.no_grad();
            foreach (var parameter in parameters)
            {
                using var gradient = parameter.grad;
                gradient?.clamp_(low, high);
            }
        }

        /// <summary>Multiplies every gradient by max / (total + 1e-6) when that is below 1, as <c>clip_grad_norm_</c> does.</summary>
        internal static void Scale(IEnumerable<TorchSharp.Modules.Parameter> parameters, double maxNorm, double total)
        {
            ScaleBy(parameters, Coefficient(maxNorm, total));
        }

        /// <summary>Multiplies every gradient by <paramref name="coefficient"/> unless it is 1.</summary>
        internal static void ScaleBy(IEnumerable<TorchSharp.Modules.Parameter> parameters, double coefficient)
        {
            if (coefficient >= 1.0)
            {
                return;
            }

            using var factor = coefficient.ToScalar();
            using var noGrad = torch.no_grad();
            foreach (var parameter in parameters)
            {
                using var gradient = parameter.grad;
                gradient?.mul_(factor);
            }
        }

        /// <summary>The factor <c>clip_grad_norm_</c> multiplies every gradient by: max / (total + 1e-6), or 1 when that is not below 1.</summary>
        internal static double Coefficient(double maxNorm, double total)
        {
            var coefficient = maxNorm / (total + Epsilon);
            return coefficient < 1.0 ? coefficient : 1.0;
        }

        /// <summary>
        /// One gradient's p-norm, in double precision. For p = 1, 2 and infinity it is one pass over the gradient's memory
        /// (<see cref="GradientStatistics"/>), as fast as libtorch's own 2-norm and much faster than its 1- and ∞-norms;
        /// NaN and infinity propagate.
        /// </summary>
        private static double Norm(Tensor gradient, double normType)
        {
            if (normType == 2.0 && gradient.device_type == DeviceType.CPU && gradient.dtype == ScalarType.Float32 && gradient.is_contiguous() && gradient.numel() <= int.MaxValue / sizeof(float))
            {
                // The clipping norm alone: one read pass with several accumulators, at memory speed. GradientStatistics (the
                // monitor's sample) accumulates its squares in the same order, so a reused sample gives this value bit for bit.
                return Math.Sqrt(FusedKernels.SumOfSquares(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(gradient.bytes)));
            }

            if (IsOneTwoOrInfinity(normType))
            {
                return Pick(GradientStatistics.Compute(gradient), normType);
            }

            using var norm = torch.linalg.vector_norm(gradient, normType);
            return TensorValues.ToDouble(norm);
        }

        private static bool IsOneTwoOrInfinity(double normType) => normType is 1.0 or 2.0 || double.IsPositiveInfinity(normType);

        private static double Pick(GradientSums sums, double normType) => normType == 2.0 ? sums.Norm : normType == 1.0 ? sums.SumAbs : sums.MaxAbs;

        internal static void CheckNormType(double normType)
        {
            if (!(normType > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(normType), normType, "The norm type must be positive: 1, 2, infinity or another p > 0.");
            }
        }

        internal static void CheckPositive(double value, string name)
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite positive number.");
            }
        }

        private static double Combine(List<double> norms, double normType)
        {
            if (norms.Count == 0)
            {
                return 0.0;
            }

            if (double.IsPositiveInfinity(normType))
            {
                // Max ignores NaN in some implementations; a NaN anywhere must make the total NaN.
                return norms.Any(double.IsNaN) ? double.NaN : norms.Max();
            }

            if (normType == 1.0)
            {
                return norms.Sum();
            }

            if (normType == 2.0)
            {
                return Math.Sqrt(norms.Sum(n => n * n));
            }

            return Math.Pow(norms.Sum(n => Math.Pow(n, normType)), 1.0 / normType);
        }
    }
}
