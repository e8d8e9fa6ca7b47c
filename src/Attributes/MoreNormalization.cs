using System;

namespace NetGen
{
    /// <summary>
    /// Group normalisation (Wu and He, 2018): the channels of each sample are split into <c>numGroups</c> groups and each
    /// group is normalised over its channels and positions, independently of the batch. Generated as
    /// <c>torch.nn.GroupNorm(numGroups, channels, eps, affine)</c> and named <c>gn{k}</c>; the channel count is inferred
    /// from the previous layer and must be divisible by <c>numGroups</c>. Samples are <c>[channels, ...]</c>.
    /// With <see cref="Affine"/> it learns a scale (initially 1) and shift (initially 0) per channel:
    /// <c>gn1.weight</c> and <c>gn1.bias</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GroupNormAttribute : LayerAttribute
    {
        /// <summary>Declares group normalisation.</summary>
        /// <param name="numGroups">Number of groups the channels are split into; it must divide the channel count.</param>
        public GroupNormAttribute(long numGroups)
        {
            NumGroups = numGroups;
        }

        /// <summary>Number of groups the channels are split into.</summary>
        public long NumGroups { get; }

        /// <summary>Added to the variance for numerical stability (PyTorch's <c>eps</c>, default 1e-5).</summary>
        public double Eps { get; set; } = 1e-5;

        /// <summary>Whether the layer learns a per-channel scale and shift (PyTorch's <c>affine</c>, default <c>true</c>).</summary>
        public bool Affine { get; set; } = true;
    }

    /// <summary>
    /// Instance normalisation (Ulyanov et al., 2016) over the length of each channel of each sample, for
    /// <c>[channels, length]</c> samples. Generated as <c>torch.nn.InstanceNorm1d(channels, eps, affine: Affine,
    /// track_running_stats: false)</c> and named <c>in{k}</c>; PyTorch's defaults (no affine parameters, no running
    /// statistics), so it normalises with each sample's own statistics in training and in <c>eval()</c> alike.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class InstanceNorm1dAttribute : LayerAttribute
    {
        /// <summary>Added to the variance for numerical stability (PyTorch's <c>eps</c>, default 1e-5).</summary>
        public double Eps { get; set; } = 1e-5;

        /// <summary>Whether the layer learns a per-channel scale and shift (PyTorch's <c>affine</c>, default <c>false</c>).</summary>
        public bool Affine { get; set; }
    }

    /// <summary>
    /// Instance normalisation (Ulyanov et al., 2016) over the height and width of each channel of each sample, for
    /// <c>[channels, height, width]</c> samples. Generated as <c>torch.nn.InstanceNorm2d(channels, eps, affine: Affine,
    /// track_running_stats: false)</c> and named <c>in{k}</c>; PyTorch's defaults (no affine parameters, no running
    /// statistics), so it normalises with each sample's own statistics in training and in <c>eval()</c> alike.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class InstanceNorm2dAttribute : LayerAttribute
    {
        /// <summary>Added to the variance for numerical stability (PyTorch's <c>eps</c>, default 1e-5).</summary>
        public double Eps { get; set; } = 1e-5;

        /// <summary>Whether the layer learns a per-channel scale and shift (PyTorch's <c>affine</c>, default <c>false</c>).</summary>
        public bool Affine { get; set; }
    }
}
