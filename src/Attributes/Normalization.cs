using System;

namespace NetGen
{
    /// <summary>
    /// Batch normalisation over the features of the previous layer (Ioffe and Szegedy, 2015), generated as
    /// <c>torch.nn.BatchNorm1d</c> (eps 1e-5, momentum 0.1, affine, tracking running statistics) and named
    /// <c>bn{k}</c>. The feature count is inferred from the previous layer, so it cannot come first.
    /// It keeps activations near zero mean and unit variance, one of the cures for vanishing and exploding gradients.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BatchNormAttribute : LayerAttribute
    {
    }

    /// <summary>
    /// Layer normalisation (Ba et al., 2016) over the last dimension of each sample, generated as
    /// <c>torch.nn.LayerNorm(features)</c> and named <c>ln{k}</c>, with a learned scale and shift per feature.
    /// Unlike BatchNorm it does not depend on the batch, so it suits small batches and sequences.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LayerNormAttribute : LayerAttribute
    {
    }
}
