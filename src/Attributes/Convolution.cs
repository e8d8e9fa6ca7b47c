using System;

namespace NetGen
{
    /// <summary>
    /// A 2-D convolution over <c>[channels, height, width]</c> samples, generated as <c>torch.nn.Conv2d</c> and
    /// named <c>conv{k}</c>. The input channels are inferred from the previous layer (or <c>[Input]</c>).
    /// Output size per side: <c>(size + 2·padding - kernel) / stride + 1</c>, rounded down.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv2dAttribute : LayerAttribute
    {
        /// <summary>Declares a square-kernel 2-D convolution.</summary>
        /// <param name="outChannels">Number of output channels (filters).</param>
        /// <param name="kernelSize">Side of the square kernel.</param>
        /// <param name="stride">Step between kernel positions (default 1).</param>
        /// <param name="padding">Zero padding added to each side (default 0).</param>
        public Conv2dAttribute(long outChannels, long kernelSize, long stride = 1, long padding = 0)
        {
            OutChannels = outChannels;
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
        }

        /// <summary>Number of output channels.</summary>
        public long OutChannels { get; }

        /// <summary>Side of the square kernel.</summary>
        public long KernelSize { get; }

        /// <summary>Step between kernel positions.</summary>
        public long Stride { get; }

        /// <summary>Zero padding on each side.</summary>
        public long Padding { get; }

        /// <summary>Whether the layer learns a bias per output channel (default <c>true</c>).</summary>
        public bool Bias { get; set; } = true;

        /// <summary>
        /// How to initialise this layer's weights, overriding a class-level <c>[XavierInit]</c> or <c>[KaimingInit]</c>
        /// (default <see cref="NetGen.Init.None"/>: follow the class, else PyTorch's default). The gain comes from the
        /// activation that follows the layer, as <c>torch.nn.init.calculate_gain</c>.
        /// </summary>
        public Init Init { get; set; }
    }

    /// <summary>
    /// A 1-D convolution over <c>[channels, length]</c> samples, generated as <c>torch.nn.Conv1d</c> and named
    /// <c>conv{k}</c> (counted together with <c>Conv2d</c>, as the <c>conv</c> prefix is shared).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv1dAttribute : LayerAttribute
    {
        /// <summary>Declares a 1-D convolution.</summary>
        /// <param name="outChannels">Number of output channels (filters).</param>
        /// <param name="kernelSize">Kernel length.</param>
        /// <param name="stride">Step between kernel positions (default 1).</param>
        /// <param name="padding">Zero padding added to each end (default 0).</param>
        public Conv1dAttribute(long outChannels, long kernelSize, long stride = 1, long padding = 0)
        {
            OutChannels = outChannels;
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
        }

        /// <summary>Number of output channels.</summary>
        public long OutChannels { get; }

        /// <summary>Kernel length.</summary>
        public long KernelSize { get; }

        /// <summary>Step between kernel positions.</summary>
        public long Stride { get; }

        /// <summary>Zero padding on each end.</summary>
        public long Padding { get; }

        /// <summary>Whether the layer learns a bias per output channel (default <c>true</c>).</summary>
        public bool Bias { get; set; } = true;

        /// <summary>
        /// How to initialise this layer's weights, overriding a class-level <c>[XavierInit]</c> or <c>[KaimingInit]</c>
        /// (default <see cref="NetGen.Init.None"/>: follow the class, else PyTorch's default). The gain comes from the
        /// activation that follows the layer, as <c>torch.nn.init.calculate_gain</c>.
        /// </summary>
        public Init Init { get; set; }
    }

    /// <summary>2-D max pooling, applied with <c>torch.nn.functional.max_pool2d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool2dAttribute : LayerAttribute
    {
        /// <summary>Declares max pooling.</summary>
        /// <param name="kernelSize">Side of the square window.</param>
        /// <param name="stride">Step between windows; 0 (the default) means the kernel size, as in PyTorch.</param>
        /// <param name="padding">Padding on each side (default 0), at most half the kernel.</param>
        public MaxPool2dAttribute(long kernelSize, long stride = 0, long padding = 0)
        {
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
        }

        /// <summary>Side of the square window.</summary>
        public long KernelSize { get; }

        /// <summary>Step between windows (0: the kernel size).</summary>
        public long Stride { get; }

        /// <summary>Padding on each side.</summary>
        public long Padding { get; }
    }

    /// <summary>2-D average pooling, applied with <c>torch.nn.functional.avg_pool2d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool2dAttribute : LayerAttribute
    {
        /// <summary>Declares average pooling.</summary>
        /// <param name="kernelSize">Side of the square window.</param>
        /// <param name="stride">Step between windows; 0 (the default) means the kernel size, as in PyTorch.</param>
        /// <param name="padding">Padding on each side (default 0), at most half the kernel.</param>
        public AvgPool2dAttribute(long kernelSize, long stride = 0, long padding = 0)
        {
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
        }

        /// <summary>Side of the square window.</summary>
        public long KernelSize { get; }

        /// <summary>Step between windows (0: the kernel size).</summary>
        public long Stride { get; }

        /// <summary>Padding on each side.</summary>
        public long Padding { get; }
    }

    /// <summary>
    /// Adaptive average pooling to a fixed output size whatever the input size, applied with
    /// <c>torch.nn.functional.adaptive_avg_pool2d</c>; <c>AdaptiveAvgPool2d(1)</c> is global average pooling.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AdaptiveAvgPool2dAttribute : LayerAttribute
    {
        /// <summary>Declares adaptive average pooling to a square output.</summary>
        /// <param name="outputSize">Side of the output.</param>
        public AdaptiveAvgPool2dAttribute(long outputSize)
        {
            OutputHeight = outputSize;
            OutputWidth = outputSize;
        }

        /// <summary>Declares adaptive average pooling to <paramref name="outputHeight"/> x <paramref name="outputWidth"/>.</summary>
        /// <param name="outputHeight">Output height.</param>
        /// <param name="outputWidth">Output width.</param>
        public AdaptiveAvgPool2dAttribute(long outputHeight, long outputWidth)
        {
            OutputHeight = outputHeight;
            OutputWidth = outputWidth;
        }

        /// <summary>Output height.</summary>
        public long OutputHeight { get; }

        /// <summary>Output width.</summary>
        public long OutputWidth { get; }
    }
}
