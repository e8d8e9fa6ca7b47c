using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Layers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Tests.Pooling;

/// <summary>
/// NetGen's max-pooling kernels (window 2, stride 2) against libtorch's <c>max_pool1d</c>/<c>max_pool2d</c> in the same
/// process: outputs and input gradients equal bit for bit, on every width the eight-, four-, two- and one-window paths
/// share between them, with ties, ±0, NaN and −∞, with the vector paths on and off; every other window is libtorch's.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class MaxPoolKernelTests
{
    public static IEnumerable<object[]> Shapes2d() => new[]
    {
        new object[] { new long[] { 2, 3, 28, 28 } },  // ConvNet's first pooling: 8 + 4 + 2 windows a row
        new object[] { new long[] { 2, 3, 12, 12 } },  // ConvNet's second: 4 + 2
        new object[] { new long[] { 1, 2, 15, 17 } },  // odd height and width: 8 windows a row, last row and column unread
        new object[] { new long[] { 3, 5, 4 } },       // unbatched [channels, height, width]
        new object[] { new long[] { 2, 1, 2, 2 } },    // one window
        new object[] { new long[] { 1, 1, 3, 38 } },   // 19 windows a row: 8 + 8 + 2 + 1
        new object[] { new long[] { 1, 2, 6, 46 } },   // 23: 8 + 8 + 4 + 2 + 1
    };

    public static IEnumerable<object[]> Shapes1d() => new[]
    {
        new object[] { new long[] { 2, 3, 41 } },
        new object[] { new long[] { 4, 18 } },
        new object[] { new long[] { 1, 1, 2 } },
        new object[] { new long[] { 2, 2, 47 } },
    };

    [Theory]
    [MemberData(nameof(Shapes2d))]
    public void MaxPool2d_equals_libtorch_bit_for_bit(long[] shape)
    {
        foreach (var vectors in new[] { true, false })
        {
            foreach (var data in Inputs(shape, seed: 40))
            {
                using (data)
                {
                    AssertSame(data, t => GeneratedLayers.MaxPool2d(t, 2, 2, 0), t => F.max_pool2d(t, 2, stride: 2, padding: 0), vectors);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes1d))]
    public void MaxPool1d_equals_libtorch_bit_for_bit(long[] shape)
    {
        foreach (var vectors in new[] { true, false })
        {
            foreach (var data in Inputs(shape, seed: 41))
            {
                using (data)
                {
                    AssertSame(data, t => GeneratedLayers.MaxPool1d(t, 2, 2, 0), t => F.max_pool1d(t, 2, stride: 2, padding: 0), vectors);
                }
            }
        }
    }

    [Fact]
    public void Other_windows_other_types_and_strided_views_are_libtorch_s()
    {
        torch.manual_seed(42);
        using var x = torch.randn(2, 3, 11, 13);
        AssertSame(x, t => GeneratedLayers.MaxPool2d(t, 3, 3, 0), t => F.max_pool2d(t, 3, stride: 3, padding: 0), vectors: true);
        AssertSame(x, t => GeneratedLayers.MaxPool2d(t, 2, 1, 0), t => F.max_pool2d(t, 2, stride: 1, padding: 0), vectors: true);
        AssertSame(x, t => GeneratedLayers.MaxPool2d(t, 2, 2, 1), t => F.max_pool2d(t, 2, stride: 2, padding: 1), vectors: true);
        using var view = x.transpose(2, 3);
        AssertSame(view, t => GeneratedLayers.MaxPool2d(t, 2, 2, 0), t => F.max_pool2d(t, 2, stride: 2, padding: 0), vectors: true);

        using var doubles = torch.randn(new long[] { 2, 3, 8, 8 }, dtype: ScalarType.Float64).requires_grad_();
        using var ours = GeneratedLayers.MaxPool2d(doubles, 2, 2, 0);
        using var theirs = F.max_pool2d(doubles, 2, stride: 2, padding: 0);
        Assert.Equal(theirs.data<double>().ToArray(), ours.data<double>().ToArray());
    }

    [Fact]
    public void A_second_derivative_through_the_kernel_equals_libtorch_s()
    {
        // A gradient penalty: d/dx of |d(sum(c * pool(x²)))/dx|², which needs backward(create_graph: true) through the pooling.
        torch.manual_seed(43);
        using var data = torch.randn(2, 3, 9, 10);
        using var c = torch.randn(2, 3, 4, 5);
        float[] Penalty(Func<Tensor, Tensor> pool)
        {
            using var scope = torch.NewDisposeScope();
            var x = data.clone().requires_grad_();
            var y = (pool(x * x) * c).sum();
            var g = torch.autograd.grad(new[] { y }, new[] { x }, retain_graph: true, create_graph: true)[0];
            (g * g).sum().backward();
            return x.grad!.data<float>().ToArray();
        }

        var ours = Penalty(t => GeneratedLayers.MaxPool2d(t, 2, 2, 0));
        var theirs = Penalty(t => F.max_pool2d(t, 2, stride: 2, padding: 0));
        Assert.Contains(theirs, v => v != 0f);
        for (var i = 0; i < theirs.Length; i++)
        {
            Assert.True(Math.Abs(ours[i] - theirs[i]) <= 1e-6 * Math.Max(1, Math.Abs(theirs[i])), $"element {i}: {ours[i]} against {theirs[i]}");
        }
    }

    [Fact]
    public void Training_outside_any_dispose_scope_leaves_no_tensors_to_the_finalizer()
    {
        // TorchSharp keeps a custom function's forward output, its output cache and the gradients its backward returns
        // alive until the finalizer runs; the kernels' node releases them itself. 40 passes leave at most the last
        // backward's gradient held (released by the next pass).
        torch.manual_seed(44);
        using var x = torch.randn(4, 8, 28, 28).requires_grad_();
        void Pass()
        {
            using var y = GeneratedLayers.MaxPool2d(x, 2, 2, 0);
            using var z = GeneratedLayers.MaxPool2d(y, 2, 2, 0);
            using var loss = z.sum();
            loss.backward();
        }

        Pass();
        var before = Tensor.TotalCount;
        for (var i = 0; i < 40; i++)
        {
            Pass();
        }

        Assert.True(Tensor.TotalCount - before <= 2, $"{Tensor.TotalCount - before} more live tensors after 40 passes");
    }

    /// <summary>Random normal data; integers in [-2, 2] (ties everywhere, +0 and −0); and NaN and −∞ sprinkled in.</summary>
    private static IEnumerable<Tensor> Inputs(long[] shape, int seed)
    {
        torch.manual_seed(seed);
        yield return torch.randn(shape);
        var ties = (torch.randn(shape) * 1.5).round().clamp(-2, 2);
        using (torch.no_grad())
        using (var u = torch.rand(shape))
        {
            ties.masked_fill_((ties == 0) & (u < 0.5), -0.0f); // half the zeros −0
        }

        yield return ties;

        var special = torch.randn(shape);
        using (torch.no_grad())
        using (var u = torch.rand(shape))
        {
            special.masked_fill_(u < 0.05, float.NaN);
            special.masked_fill_(u > 0.9, float.NegativeInfinity);
        }

        yield return special;
    }

    private static void AssertSame(Tensor data, Func<Tensor, Tensor> ours, Func<Tensor, Tensor> theirs, bool vectors)
    {
        var previous = MaxPoolKernels.UseVectors;
        MaxPoolKernels.UseVectors = vectors && previous;
        try
        {
            using var scope = torch.NewDisposeScope();
            using (torch.no_grad())
            {
                Assert.Equal(PoolingOrderTests.Bits(theirs(data)), PoolingOrderTests.Bits(ours(data)));
            }

            // The gradient flowing in holds −0 and +0 too: libtorch adds it to a zero, so −0 lands as +0.
            var x1 = data.detach().clone().requires_grad_();
            var x2 = data.detach().clone().requires_grad_();
            var y1 = theirs(x1);
            var y2 = ours(x2);
            Assert.Equal(PoolingOrderTests.Bits(y1), PoolingOrderTests.Bits(y2));
            var upstream = torch.randn(y1.shape).round() * 0.5 - 0.0;
            upstream.masked_fill_(upstream == 0, -0.0f);
            y1.backward(new[] { upstream });
            y2.backward(new[] { upstream });
            Assert.Equal(PoolingOrderTests.Bits(x1.grad!), PoolingOrderTests.Bits(x2.grad!));
        }
        finally
        {
            MaxPoolKernels.UseVectors = previous;
        }
    }
}
