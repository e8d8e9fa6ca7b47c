using System;

namespace NetGen
{
    /// <summary>How <see cref="UpsampleAttribute"/> computes the new values, PyTorch's <c>mode</c>.</summary>
    public enum Interpolation
    {
        /// <summary>Each output takes the input value at <c>floor(index / scale)</c> (PyTorch's <c>'nearest'</c>).</summary>
        Nearest = 0,

        /// <summary>Linear interpolation along the length of <c>[channels, length]</c> samples (<c>'linear'</c>).</summary>
        Linear = 1,

        /// <summary>Linear interpolation along height and width of <c>[channels, height, width]</c> samples (<c>'bilinear'</c>).</summary>
        Bilinear = 2,
    }

    /// <summary>
    /// Upsampling of <c>[channels, length]</c>, <c>[channels, height, width]</c> or <c>[channels, depth, height, width]</c>
    /// samples by a scale factor or to a fixed size, applied with <c>torch.nn.functional.interpolate</c> as
    /// <c>torch.nn.Upsample</c> does. Output size per spatial side: <c>floor(size · ScaleFactor)</c>, or <see cref="Size"/>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class UpsampleAttribute : LayerAttribute
    {
        /// <summary>Declares upsampling to the size set with <see cref="Size"/> (<c>[Upsample(Size = new long[] { 14, 14 })]</c>).</summary>
        public UpsampleAttribute()
        {
        }

        /// <summary>Declares upsampling by the same factor along every spatial side (<c>[Upsample(2)]</c>).</summary>
        /// <param name="scaleFactor">Multiplier of every spatial size, PyTorch's <c>scale_factor</c>; positive.</param>
        public UpsampleAttribute(double scaleFactor) => ScaleFactor = scaleFactor;

        /// <summary>Multiplier of every spatial size (0 when <see cref="Size"/> is used instead).</summary>
        public double ScaleFactor { get; }

        /// <summary>
        /// The output's spatial sizes, PyTorch's <c>size</c>: one per spatial dimension, or one for all of them. Use either this
        /// or a scale factor, as PyTorch requires.
        /// </summary>
        public long[]? Size { get; set; }

        /// <summary>The interpolation (default <see cref="Interpolation.Nearest"/>); linear modes need the matching rank.</summary>
        public Interpolation Mode { get; set; }

        /// <summary>
        /// For <see cref="Interpolation.Linear"/> and <see cref="Interpolation.Bilinear"/>: align the centres of the corner
        /// values of input and output, preserving them (default <c>false</c>, PyTorch's <c>align_corners</c>).
        /// </summary>
        public bool AlignCorners { get; set; }
    }
}
