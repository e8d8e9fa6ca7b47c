using System;

namespace NetGen
{
    /// <summary>
    /// Declares gradient clipping by total norm, PyTorch's <c>clip_grad_norm_</c>: the generated <c>TrainStep</c>
    /// clips after its finiteness check, and the generated module gets a public <c>ClipGradients()</c> that rescales
    /// all parameters' gradients together so that their total norm is at most <see cref="MaxNorm"/>, and returns the
    /// total norm measured before clipping. Both measure the total in double precision and apply the same coefficient,
    /// max / (total + 1e-6), bit for bit. When a gradient is NaN or infinite, <c>ClipGradients()</c> changes nothing
    /// and returns the non-finite total. Call it between <c>backward()</c> and the optimiser's <c>step()</c>.
    /// Clipping is the standard cure for exploding gradients.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class ClipGradNormAttribute : Attribute
    {
        /// <summary>Declares clipping to a total gradient norm of at most <paramref name="maxNorm"/>.</summary>
        /// <param name="maxNorm">The largest total norm allowed; must be positive.</param>
        public ClipGradNormAttribute(double maxNorm)
        {
            MaxNorm = maxNorm;
        }

        /// <summary>The largest total gradient norm allowed.</summary>
        public double MaxNorm { get; }

        /// <summary>The p of the p-norm (default 2, the Euclidean norm); <c>double.PositiveInfinity</c> takes the
        /// largest absolute gradient entry.</summary>
        public double NormType { get; set; } = 2.0;
    }
}
