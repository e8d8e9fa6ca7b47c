using System;

namespace NetGen
{
    /// <summary>
    /// Declares gradient clipping by value, PyTorch's <c>clip_grad_value_</c>: before the optimiser's step every gradient
    /// entry is clamped to [-<see cref="Value"/>, <see cref="Value"/>]. Unlike <see cref="ClipGradNormAttribute"/> it changes
    /// the gradient's direction. The generated <c>TrainStep</c> applies it after checking that every gradient is finite.
    /// When both are declared, values are clamped first and the total norm is clipped after.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class ClipGradValueAttribute : Attribute
    {
        /// <summary>Declares clipping of every gradient entry to [-<paramref name="value"/>, <paramref name="value"/>].</summary>
        /// <param name="value">The largest absolute gradient entry allowed; must be positive.</param>
        public ClipGradValueAttribute(double value)
        {
            Value = value;
        }

        /// <summary>The largest absolute gradient entry allowed.</summary>
        public double Value { get; }
    }
}
