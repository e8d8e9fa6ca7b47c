using System;

namespace NetGen
{
    /// <summary>
    /// Channel dropout (Tompson et al., 2015): during training, zeroes whole channels of a <c>[channels, height, width]</c>
    /// sample with probability <c>p</c> and scales the rest by <c>1/(1-p)</c>; in <c>eval()</c> mode it passes the input
    /// through. Generated as <c>torch.nn.functional.dropout2d(x, p, training)</c> following the module's mode.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Dropout2dAttribute : LayerAttribute
    {
        /// <summary>Declares channel dropout with probability <paramref name="p"/>.</summary>
        /// <param name="p">Probability of zeroing a channel, from 0 (inclusive) to 1 (exclusive).</param>
        public Dropout2dAttribute(double p = 0.5)
        {
            P = p;
        }

        /// <summary>Probability of zeroing a channel.</summary>
        public double P { get; }
    }

    /// <summary>
    /// Passes its input through unchanged (<c>torch.nn.Identity</c>): a placeholder where an architecture has an optional
    /// layer, or a named point whose output <c>forward(x, observeLayer)</c> reports.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class IdentityAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Splits one dimension of each sample into several (<c>torch.nn.Unflatten(dim, sizes)</c>):
    /// <c>[Unflatten(1, 4, 8)]</c> turns <c>[32]</c> samples into <c>[4, 8]</c>. <c>dim</c> counts the batch as 0, as in
    /// PyTorch (negative counts from the end); the sizes' product must equal the size of that dimension.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class UnflattenAttribute : LayerAttribute
    {
        /// <summary>Declares the split.</summary>
        /// <param name="dim">The dimension to split, counting the batch as 0 (so at least 1), or negative from the end.</param>
        /// <param name="sizes">The sizes it splits into, each at least 1, whose product is that dimension's size.</param>
        public UnflattenAttribute(long dim, params long[] sizes)
        {
            Dim = dim;
            Sizes = sizes;
        }

        /// <summary>The dimension to split.</summary>
        public long Dim { get; }

        /// <summary>The sizes it splits into.</summary>
        public long[] Sizes { get; }
    }

    /// <summary>
    /// Gives each sample a new shape with the same number of elements (<c>x.reshape(batch, shape...)</c>):
    /// <c>[Reshape(8, 4)]</c> turns <c>[32]</c> or <c>[4, 8]</c> samples into <c>[8, 4]</c>. The batch dimension is kept.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ReshapeAttribute : LayerAttribute
    {
        /// <summary>Declares the new sample shape.</summary>
        /// <param name="shape">The sizes of one sample's dimensions, each at least 1, with as many elements as the input's.</param>
        public ReshapeAttribute(params long[] shape)
        {
            Shape = shape;
        }

        /// <summary>The sizes of one sample's dimensions.</summary>
        public long[] Shape { get; }
    }

    /// <summary>
    /// Swaps two dimensions of each sample (<c>x.transpose(dim0, dim1)</c>): <c>[Transpose(1, 2)]</c> turns
    /// <c>[channels, length]</c> into <c>[length, channels]</c>, from a convolution's layout to a sequence's.
    /// Both dimensions count the batch as 0, as in PyTorch (negative counts from the end), and neither may be the batch.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class TransposeAttribute : LayerAttribute
    {
        /// <summary>Declares the swap.</summary>
        /// <param name="dim0">One dimension, counting the batch as 0.</param>
        /// <param name="dim1">The other dimension, counting the batch as 0.</param>
        public TransposeAttribute(long dim0, long dim1)
        {
            Dim0 = dim0;
            Dim1 = dim1;
        }

        /// <summary>One dimension.</summary>
        public long Dim0 { get; }

        /// <summary>The other dimension.</summary>
        public long Dim1 { get; }
    }
}
