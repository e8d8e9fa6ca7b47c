using System.Collections.Generic;
using System.Runtime.InteropServices;
using NetGen.Autograd;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Layers;

/// <summary>
/// Max-pooling for generated networks. A window of 2 with a stride of 2 and no padding, on a contiguous float32 CPU tensor,
/// runs <see cref="MaxPoolKernels"/>: the same values and gradients as libtorch's <c>max_pool1d</c>/<c>max_pool2d</c>, bit
/// for bit, in a fraction of the time (libtorch 2.10's kernel took 5.0 ms for ConvNet's first pooling at batch 64, one
/// thread; docs/performance.md). Every other case is libtorch's.
/// </summary>
internal static class MaxPooling
{
    public static Tensor Pool2d(Tensor x, long kernel, long stride, long padding) =>
        IsPairwise(x, kernel, stride, padding, spatialDims: 2)
            ? Run(x, spatialDims: 2)
            : nn.functional.max_pool2d(x, kernel, stride: stride, padding: padding);

    public static Tensor Pool1d(Tensor x, long kernel, long stride, long padding) =>
        IsPairwise(x, kernel, stride, padding, spatialDims: 1)
            ? Run(x, spatialDims: 1)
            : nn.functional.max_pool1d(x, kernel, stride: stride, padding: padding);

    /// <summary>The case the kernels handle: window 2, stride 2, no padding, float32 on the CPU, contiguous, batched or not.</summary>
    private static bool IsPairwise(Tensor x, long kernel, long stride, long padding, int spatialDims)
    {
        if (kernel != 2 || stride != 2 || padding != 0 || x.dtype != ScalarType.Float32 || x.device_type != DeviceType.CPU)
        {
            return false;
        }

        var rank = x.Dimensions;
        if (rank != spatialDims + 1 && rank != spatialDims + 2)
        {
            return false;
        }

        var shape = x.shape;
        for (var d = 1; d <= spatialDims; d++)
        {
            if (shape[rank - d] < 2)
            {
                return false;
            }
        }

        return x.numel() <= int.MaxValue && x.is_contiguous();
    }

    private static Tensor Run(Tensor x, int spatialDims)
    {
        if (!(x.requires_grad && torch.is_grad_enabled()))
        {
            return Forward(x, spatialDims);
        }

        return CustomFunctionTensors.Apply(() => MaxPoolFunction.apply(x, spatialDims));
    }

    internal static Tensor Forward(Tensor x, int spatialDims)
    {
        var (shape, planes, h, w) = Geometry(x, spatialDims);
        var y = torch.empty(shape, dtype: ScalarType.Float32, device: x.device);
        var input = MemoryMarshal.Cast<byte, float>(x.bytes);
        var output = MemoryMarshal.Cast<byte, float>(y.bytes);
        if (spatialDims == 2)
        {
            MaxPoolKernels.Forward2d(input, output, planes, h, w);
        }
        else
        {
            MaxPoolKernels.Forward1d(input, output, planes, w);
        }

        return y;
    }

    /// <summary>The output shape, and the input as planes (2-D) or rows (1-D) of h × w.</summary>
    internal static (long[] Shape, int Planes, int H, int W) Geometry(Tensor x, int spatialDims)
    {
        var shape = x.shape;
        var rank = shape.Length;
        var w = (int)shape[rank - 1];
        var h = spatialDims == 2 ? (int)shape[rank - 2] : 1;
        var output = (long[])shape.Clone();
        output[rank - 1] = w / 2;
        if (spatialDims == 2)
        {
            output[rank - 2] = h / 2;
        }

        return (output, (int)(x.numel() / ((long)h * w)), h, w);
    }
}

/// <summary>
/// The autograd node of <see cref="MaxPooling"/>'s kernels: it saves the input (as libtorch's max-pooling does, without
/// its int64 indices) and finds each window's element again in backward.
/// </summary>
internal sealed class MaxPoolFunction : torch.autograd.SingleTensorFunction<MaxPoolFunction>
{
    private const string DimsKey = "spatialDims";

    public override string Name => "NetGenMaxPool";

    /// <summary>vars: the input tensor, the number of spatial dimensions (1 or 2).</summary>
    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var spatialDims = (int)vars[1];
        ctx.save_for_backward(new List<Tensor> { x });
        ctx.save_data(DimsKey, spatialDims);

        // Without materialised gradients TorchSharp never reads the output cache CustomFunctionTensors.Apply disposes.
        ctx.set_materialize_grads(false);
        return MaxPooling.Forward(x, spatialDims);
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
    {
        CustomFunctionTensors.Release();
        var spatialDims = (int)ctx.get_data(DimsKey);
        var saved = ctx.get_saved_variables();
        using var x = saved[0];
        Tensor gradInput;
        if (grad_output is null || grad_output.IsInvalid)
        {
            gradInput = torch.zeros_like(x);
        }
        else if (torch.is_grad_enabled())
        {
            // backward(create_graph: true): the gradient must itself be differentiable in the incoming gradient.
            gradInput = DifferentiableGradient(x, grad_output, spatialDims);
        }
        else
        {
            gradInput = Gradient(x, grad_output, spatialDims);
        }

        grad_output?.Dispose();
        CustomFunctionTensors.Hold(gradInput);
        return new List<Tensor> { gradInput, null! };
    }

    private static Tensor Gradient(Tensor x, Tensor gradOutput, int spatialDims)
    {
        var (_, planes, h, w) = MaxPooling.Geometry(x, spatialDims);
        using var g = gradOutput.contiguous();
        var gradInput = torch.empty_like(x);
        var input = MemoryMarshal.Cast<byte, float>(x.bytes);
        var gradient = MemoryMarshal.Cast<byte, float>(g.bytes);
        var result = MemoryMarshal.Cast<byte, float>(gradInput.bytes);
        if (spatialDims == 2)
        {
            MaxPoolKernels.Backward2d(input, gradient, result, planes, h, w);
        }
        else
        {
            MaxPoolKernels.Backward1d(input, gradient, result, planes, w);
        }

        return gradInput;
    }

    /// <summary>
    /// The same gradient as autograd operations: the incoming gradient spread over each window and multiplied by the
    /// window's one-hot choice (the kernel's gradient for a gradient of ones), zero-padded to odd sizes.
    /// </summary>
    private static Tensor DifferentiableGradient(Tensor x, Tensor gradOutput, int spatialDims)
    {
        Tensor choice;
        using (torch.no_grad())
        using (var ones = torch.ones_like(gradOutput))
        {
            choice = Gradient(x, ones, spatialDims);
        }

        using var scope = torch.NewDisposeScope();
        var rank = gradOutput.Dimensions;
        var spread = gradOutput.repeat_interleave(2, dim: rank - 1);
        long padRight = x.shape[rank - 1] - spread.shape[rank - 1];
        long padBottom = 0;
        if (spatialDims == 2)
        {
            spread = spread.repeat_interleave(2, dim: rank - 2);
            padBottom = x.shape[rank - 2] - spread.shape[rank - 2];
        }

        if (padRight != 0 || padBottom != 0)
        {
            spread = spatialDims == 2
                ? nn.functional.pad(spread, new[] { 0, padRight, 0, padBottom })
                : nn.functional.pad(spread, new[] { 0, padRight });
        }

        using (choice)
        {
            return spread.mul(choice).MoveToOuterDisposeScope();
        }
    }
}
