using System;

namespace NetGen
{
    /// <summary>
    /// A 2-D convolution over <c>[channels, height, width]</c> samples, generated as <c>torch.nn.Conv2d</c> and
    /// named <c>conv{k}</c>. The input channels are inferred from the previous layer (or <c>[Input]</c>).
    /// Output size per side: <c>(size + 2·padding - dilation·(kernel - 1) - 1) / stride + 1</c>, rounded down, as PyTorch.
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

        /// <summary>Spacing between kernel taps (default 1), PyTorch's <c>dilation</c>: the kernel spans <c>dilation·(kernel - 1) + 1</c> inputs.</summary>
        public long Dilation { get; set; } = 1;

        /// <summary>
        /// Number of blocked connections from input to output channels (default 1), PyTorch's <c>groups</c>: both channel
        /// counts must be divisible by it. <c>Groups</c> equal to the input channels is a depthwise convolution (MobileNet).
        /// </summary>
        public long Groups { get; set; } = 1;

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

        /// <summary>Spacing between kernel taps (default 1), PyTorch's <c>dilation</c>: the kernel spans <c>dilation·(kernel - 1) + 1</c> inputs.</summary>
        public long Dilation { get; set; } = 1;

        /// <summary>
        /// Number of blocked connections from input to output channels (default 1), PyTorch's <c>groups</c>: both channel
        /// counts must be divisible by it. <c>Groups</c> equal to the input channels is a depthwise convolution (MobileNet).
        /// </summary>
        public long Groups { get; set; } = 1;

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

        /// <summary>
        /// Whether the last window may run past the input (default <c>false</c>), PyTorch's <c>ceil_mode</c>: the output
        /// length is rounded up instead of down, but the last window still starts inside the input or the left padding.
        /// </summary>
        public bool CeilMode { get; set; }
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

        /// <summary>
        /// Whether the last window may run past the input (default <c>false</c>), PyTorch's <c>ceil_mode</c>: the output
        /// length is rounded up instead of down, but the last window still starts inside the input or the left padding.
        /// </summary>
        public bool CeilMode { get; set; }

        /// <summary>
        /// Whether zero padding counts in each window's divisor (default <c>true</c>, PyTorch's <c>count_include_pad</c>);
        /// <c>false</c> averages over the input values in the window only.
        /// </summary>
        public bool CountIncludePad { get; set; } = true;
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

    /// <summary>
    /// A 3-D convolution over <c>[channels, depth, height, width]</c> samples, generated as <c>torch.nn.Conv3d</c> and named
    /// <c>conv{k}</c> (counted together with <c>Conv1d</c> and <c>Conv2d</c>). The input channels are inferred.
    /// Output size per side: <c>(size + 2·padding - dilation·(kernel - 1) - 1) / stride + 1</c>, rounded down, as PyTorch.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv3dAttribute : LayerAttribute
    {
        /// <summary>Declares a cubic-kernel 3-D convolution.</summary>
        /// <param name="outChannels">Number of output channels (filters).</param>
        /// <param name="kernelSize">Side of the cubic kernel.</param>
        /// <param name="stride">Step between kernel positions (default 1).</param>
        /// <param name="padding">Zero padding added to each side (default 0).</param>
        public Conv3dAttribute(long outChannels, long kernelSize, long stride = 1, long padding = 0)
        {
            OutChannels = outChannels;
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
        }

        /// <summary>Number of output channels.</summary>
        public long OutChannels { get; }

        /// <summary>Side of the cubic kernel.</summary>
        public long KernelSize { get; }

        /// <summary>Step between kernel positions.</summary>
        public long Stride { get; }

        /// <summary>Zero padding on each side.</summary>
        public long Padding { get; }

        /// <summary>Spacing between kernel taps (default 1), PyTorch's <c>dilation</c>.</summary>
        public long Dilation { get; set; } = 1;

        /// <summary>
        /// Number of blocked connections from input to output channels (default 1), PyTorch's <c>groups</c>: both channel
        /// counts must be divisible by it.
        /// </summary>
        public long Groups { get; set; } = 1;

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
    /// A 1-D transposed convolution over <c>[channels, length]</c> samples, generated as <c>torch.nn.ConvTranspose1d</c> and
    /// named <c>convt{k}</c>. Output length: <c>(length - 1)·stride - 2·padding + dilation·(kernel - 1) + outputPadding + 1</c>,
    /// as PyTorch; its weight is <c>[inChannels, outChannels / groups, kernel]</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ConvTranspose1dAttribute : LayerAttribute
    {
        /// <summary>Declares a 1-D transposed convolution.</summary>
        /// <param name="outChannels">Number of output channels.</param>
        /// <param name="kernelSize">Kernel length.</param>
        /// <param name="stride">Step between kernel positions in the output (default 1).</param>
        /// <param name="padding">Removed from each end of the output: <c>dilation·(kernel - 1) - padding</c> zeros pad the input (default 0).</param>
        /// <param name="outputPadding">Added to one end of the output (default 0); less than the stride or the dilation.</param>
        public ConvTranspose1dAttribute(long outChannels, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0)
        {
            OutChannels = outChannels;
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
            OutputPadding = outputPadding;
        }

        /// <summary>Number of output channels.</summary>
        public long OutChannels { get; }

        /// <summary>Kernel length.</summary>
        public long KernelSize { get; }

        /// <summary>Step between kernel positions in the output.</summary>
        public long Stride { get; }

        /// <summary>Padding removed from each end of the output.</summary>
        public long Padding { get; }

        /// <summary>Extra size added to one end of the output.</summary>
        public long OutputPadding { get; }

        /// <summary>Spacing between kernel taps (default 1), PyTorch's <c>dilation</c>.</summary>
        public long Dilation { get; set; } = 1;

        /// <summary>Number of blocked connections from input to output channels (default 1): both channel counts must be divisible by it.</summary>
        public long Groups { get; set; } = 1;

        /// <summary>Whether the layer learns a bias per output channel (default <c>true</c>).</summary>
        public bool Bias { get; set; } = true;

        /// <summary>
        /// How to initialise this layer's weights, overriding a class-level <c>[XavierInit]</c> or <c>[KaimingInit]</c>
        /// (default <see cref="NetGen.Init.None"/>). Fans are PyTorch's for the transposed weight
        /// <c>[in, out / groups, kernel]</c>: fan-in = out / groups · kernel.
        /// </summary>
        public Init Init { get; set; }
    }

    /// <summary>
    /// A 2-D transposed convolution over <c>[channels, height, width]</c> samples, generated as <c>torch.nn.ConvTranspose2d</c>
    /// and named <c>convt{k}</c>. Output size per side: <c>(size - 1)·stride - 2·padding + dilation·(kernel - 1) + outputPadding + 1</c>,
    /// as PyTorch; its weight is <c>[inChannels, outChannels / groups, kernel, kernel]</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ConvTranspose2dAttribute : LayerAttribute
    {
        /// <summary>Declares a square-kernel 2-D transposed convolution.</summary>
        /// <param name="outChannels">Number of output channels.</param>
        /// <param name="kernelSize">Side of the square kernel.</param>
        /// <param name="stride">Step between kernel positions in the output (default 1); 2 doubles the size.</param>
        /// <param name="padding">Removed from each side of the output (default 0).</param>
        /// <param name="outputPadding">Added to one side of the output (default 0); less than the stride or the dilation.</param>
        public ConvTranspose2dAttribute(long outChannels, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0)
        {
            OutChannels = outChannels;
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
            OutputPadding = outputPadding;
        }

        /// <summary>Number of output channels.</summary>
        public long OutChannels { get; }

        /// <summary>Side of the square kernel.</summary>
        public long KernelSize { get; }

        /// <summary>Step between kernel positions in the output.</summary>
        public long Stride { get; }

        /// <summary>Padding removed from each side of the output.</summary>
        public long Padding { get; }

        /// <summary>Extra size added to one side of the output.</summary>
        public long OutputPadding { get; }

        /// <summary>Spacing between kernel taps (default 1), PyTorch's <c>dilation</c>.</summary>
        public long Dilation { get; set; } = 1;

        /// <summary>Number of blocked connections from input to output channels (default 1): both channel counts must be divisible by it.</summary>
        public long Groups { get; set; } = 1;

        /// <summary>Whether the layer learns a bias per output channel (default <c>true</c>).</summary>
        public bool Bias { get; set; } = true;

        /// <summary>
        /// How to initialise this layer's weights, overriding a class-level <c>[XavierInit]</c> or <c>[KaimingInit]</c>
        /// (default <see cref="NetGen.Init.None"/>). Fans are PyTorch's for the transposed weight
        /// <c>[in, out / groups, kernel, kernel]</c>: fan-in = out / groups · kernel².
        /// </summary>
        public Init Init { get; set; }
    }

    /// <summary>1-D max pooling over <c>[channels, length]</c> samples, applied with <c>torch.nn.functional.max_pool1d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool1dAttribute : LayerAttribute
    {
        /// <summary>Declares 1-D max pooling.</summary>
        /// <param name="kernelSize">Window length.</param>
        /// <param name="stride">Step between windows; 0 (the default) means the kernel size, as in PyTorch.</param>
        /// <param name="padding">Padding on each end (default 0), at most half the kernel.</param>
        public MaxPool1dAttribute(long kernelSize, long stride = 0, long padding = 0)
        {
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
        }

        /// <summary>Window length.</summary>
        public long KernelSize { get; }

        /// <summary>Step between windows (0: the kernel size).</summary>
        public long Stride { get; }

        /// <summary>Padding on each end.</summary>
        public long Padding { get; }

        /// <summary>
        /// Whether the last window may run past the input (default <c>false</c>), PyTorch's <c>ceil_mode</c>: the output
        /// length is rounded up instead of down, but the last window still starts inside the input or the left padding.
        /// </summary>
        public bool CeilMode { get; set; }
    }

    /// <summary>1-D average pooling over <c>[channels, length]</c> samples, applied with <c>torch.nn.functional.avg_pool1d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool1dAttribute : LayerAttribute
    {
        /// <summary>Declares 1-D average pooling (zero padding counts in the divisor, PyTorch's default).</summary>
        /// <param name="kernelSize">Window length.</param>
        /// <param name="stride">Step between windows; 0 (the default) means the kernel size, as in PyTorch.</param>
        /// <param name="padding">Padding on each end (default 0), at most half the kernel.</param>
        public AvgPool1dAttribute(long kernelSize, long stride = 0, long padding = 0)
        {
            KernelSize = kernelSize;
            Stride = stride;
            Padding = padding;
        }

        /// <summary>Window length.</summary>
        public long KernelSize { get; }

        /// <summary>Step between windows (0: the kernel size).</summary>
        public long Stride { get; }

        /// <summary>Padding on each end.</summary>
        public long Padding { get; }

        /// <summary>
        /// Whether the last window may run past the input (default <c>false</c>), PyTorch's <c>ceil_mode</c>: the output
        /// length is rounded up instead of down, but the last window still starts inside the input or the left padding.
        /// </summary>
        public bool CeilMode { get; set; }

        /// <summary>
        /// Whether zero padding counts in each window's divisor (default <c>true</c>, PyTorch's <c>count_include_pad</c>);
        /// <c>false</c> averages over the input values in the window only.
        /// </summary>
        public bool CountIncludePad { get; set; } = true;
    }

    /// <summary>
    /// Adaptive average pooling of <c>[channels, length]</c> samples to a fixed length whatever the input length, applied with
    /// <c>torch.nn.functional.adaptive_avg_pool1d</c>; <c>AdaptiveAvgPool1d(1)</c> is global average pooling over the length.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AdaptiveAvgPool1dAttribute : LayerAttribute
    {
        /// <summary>Declares 1-D adaptive average pooling.</summary>
        /// <param name="outputSize">Output length.</param>
        public AdaptiveAvgPool1dAttribute(long outputSize) => OutputSize = outputSize;

        /// <summary>Output length.</summary>
        public long OutputSize { get; }
    }
}
