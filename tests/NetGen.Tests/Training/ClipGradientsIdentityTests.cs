using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Monitoring;
using NetGen.Tests.Monitoring;
using NetGen.Tests.Networks;
using NetGen.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Training;

// Networks declaring each kind of norm clipping, with and without a gradient monitor. The layer widths (300, 37) leave
// tails that are not a whole number of vectors, where the summation order of the norm kernels matters most.

/// <summary>The L2 norm with a monitor sampling every pass: the training step reuses the sample's sums.</summary>
[Linear(100, 300), ReLU, Linear(300, 37), ReLU, Linear(37, 1)]
[ClipGradNorm(0.5)]
[GradientMonitor(SampleEvery = 1)]
public partial class MonitoredL2ClipNet;

/// <summary>The L1 norm with a monitor sampling every pass.</summary>
[Linear(100, 300), ReLU, Linear(300, 37), ReLU, Linear(37, 1)]
[ClipGradNorm(0.5, NormType = 1)]
[GradientMonitor(SampleEvery = 1)]
public partial class MonitoredL1ClipNet;

/// <summary>The infinity norm (the largest |g|) with a monitor sampling every pass.</summary>
[Linear(100, 300), ReLU, Linear(300, 37), ReLU, Linear(37, 1)]
[ClipGradNorm(0.01, NormType = double.PositiveInfinity)]
[GradientMonitor(SampleEvery = 1)]
public partial class MonitoredInfinityClipNet;

/// <summary>A 3-norm, which goes through libtorch's <c>vector_norm</c> per parameter.</summary>
[Linear(100, 300), ReLU, Linear(300, 37), ReLU, Linear(37, 1)]
[ClipGradNorm(0.5, NormType = 3)]
public partial class L3ClipNet;

/// <summary>
/// The generated <c>ClipGradients()</c> against the generated <c>TrainStep</c>: from identical copies of a network on the
/// same batch, one copy trains a step through <c>TrainStep</c>, the other runs forward, backward, <c>ClipGradients()</c>
/// and the same optimiser's step by hand. The totals, the clipped gradients and the weights after the step must be equal
/// bit for bit, on every path of the training step where the gradients are materialised: no monitor, a monitor whose
/// sample the step reuses, value clamping before the norm, the L1, L2, infinity and a 3-norm, an unfused and a fused
/// optimiser. Seeded from TorchSharp's global generator, so in the collection that runs alone.
/// </summary>
[Collection(SeededCollection.Name)]
public class ClipGradientsIdentityTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public ClipGradientsIdentityTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    public enum Optimiser
    {
        Sgd,
        FusedSgd,
    }

    [Theory]
    [InlineData(Optimiser.Sgd)]
    [InlineData(Optimiser.FusedSgd)]
    public void DeepNet_ClipGradients_clips_exactly_as_TrainStep(Optimiser optimiser)
    {
        var (x, small) = DeepNetBatch();
        using var y = small * 30; // a large loss, so that clipping acts
        Compare(() => new DeepNet(), m => ((DeepNet)m).ClipGradients(), null, 1.0, 2.0, MseLoss, x, y, optimiser, monitored: false);
    }

    [Fact]
    public void With_a_monitor_the_reused_sample_gives_the_same_L2_total()
    {
        var (x, y) = DeepNetBatch();
        Compare(() => new MonitoredL2ClipNet(), m => ((MonitoredL2ClipNet)m).ClipGradients(), null, 0.5, 2.0, MseLoss, x, y, Optimiser.Sgd, monitored: true);
    }

    [Fact]
    public void With_a_monitor_the_L1_total_is_the_same()
    {
        var (x, y) = DeepNetBatch();
        Compare(() => new MonitoredL1ClipNet(), m => ((MonitoredL1ClipNet)m).ClipGradients(), null, 0.5, 1.0, MseLoss, x, y, Optimiser.Sgd, monitored: true);
    }

    [Fact]
    public void With_a_monitor_the_infinity_norm_is_the_same()
    {
        var (x, y) = DeepNetBatch();
        Compare(() => new MonitoredInfinityClipNet(), m => ((MonitoredInfinityClipNet)m).ClipGradients(), null, 0.01, double.PositiveInfinity, MseLoss, x, y, Optimiser.FusedSgd, monitored: true);
    }

    [Fact]
    public void A_3_norm_is_the_same()
    {
        var (x, y) = DeepNetBatch();
        Compare(() => new L3ClipNet(), m => ((L3ClipNet)m).ClipGradients(), null, 0.5, 3.0, MseLoss, x, y, Optimiser.Sgd, monitored: false);
    }

    [Fact]
    public void Value_clamping_then_the_norm_with_a_monitor_is_the_same()
    {
        // InitAndClipNet declares [ClipGradValue(0.5), ClipGradNorm(2.0)] and a monitor sampling every second pass (the
        // first is sampled): TrainStep measures, clamps, measures again and clips; by hand, ClipGradientValues() first.
        var generator = new torch.Generator(1234);
        using var x = torch.randn(new long[] { 32, 8 }, generator: generator) * 20;
        using var y = torch.randint(0, 3, new long[] { 32 }, generator: generator);
        Compare(
            () => new InitAndClipNet(),
            m => ((InitAndClipNet)m).ClipGradients(),
            m => ((InitAndClipNet)m).ClipGradientValues(),
            2.0,
            2.0,
            (o, t) => torch.nn.functional.cross_entropy(o, t),
            x,
            y,
            Optimiser.Sgd,
            monitored: true);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_non_finite_gradient_is_returned_and_leaves_every_gradient_bit_identical(double bad)
    {
        torch.manual_seed(31);
        using var model = new DeepNet();
        var (x, small) = DeepNetBatch();
        using var y = small * 30;
        using (var loss = torch.nn.functional.mse_loss(model.call(x), y))
        {
            loss.backward();
        }

        using (var gradient = model.fc3.weight!.grad!)
        using (var entry = gradient[5, 7])
        {
            entry.fill_(bad);
        }

        var before = Gradients(model);
        var total = model.ClipGradients();

        Assert.True(double.IsNaN(bad) ? double.IsNaN(total) : double.IsPositiveInfinity(total), $"ClipGradients() returned {total}");
        AssertBitIdentical(before, Gradients(model), "gradient");

        // The same for the infinity norm, whose total is a maximum rather than a sum.
        torch.manual_seed(32);
        using var infinity = new MonitoredInfinityClipNet();
        using (var loss = torch.nn.functional.mse_loss(infinity.call(x), y))
        {
            loss.backward();
        }

        using (var gradient = infinity.fc2.bias!.grad!)
        using (var entry = gradient[36])
        {
            entry.fill_(bad);
        }

        before = Gradients(infinity);
        total = infinity.ClipGradients();
        Assert.True(double.IsNaN(bad) ? double.IsNaN(total) : double.IsPositiveInfinity(total), $"infinity norm: ClipGradients() returned {total}");
        AssertBitIdentical(before, Gradients(infinity), "gradient (infinity norm)");
    }

    [Fact]
    public void The_monitors_L2_norm_is_the_clipping_kernels_bit_for_bit()
    {
        // Every length from 0 to 80 (empty, scalar only, one odd vector, pairs, tails) and two large ones, with values
        // spread over many magnitudes so that the order of the additions shows in the last bits.
        var random = new Random(5);
        foreach (var length in Enumerable.Range(0, 81).Concat(new[] { 1001, 300_037 }))
        {
            var values = new float[length];
            for (var i = 0; i < length; i++)
            {
                values[i] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 4)));
            }

            var clipping = Math.Sqrt(FusedKernels.SumOfSquares(values));
            var sums = GradientStatistics.Compute((ReadOnlySpan<float>)values);
            Assert.Equal(BitConverter.DoubleToInt64Bits(clipping), BitConverter.DoubleToInt64Bits(sums.Norm));

            double sumAbs = 0, maxAbs = 0;
            foreach (var v in values)
            {
                sumAbs += Math.Abs(v);
                maxAbs = Math.Max(maxAbs, Math.Abs(v));
            }

            Assert.Equal(maxAbs, sums.MaxAbs);
            Assert.True(Math.Abs(sums.SumAbs - sumAbs) <= 1e-12 * sumAbs, $"length {length}: Σ|g| {sums.SumAbs:R} against {sumAbs:R}");
        }
    }

    private static Tensor MseLoss(Tensor output, Tensor target) => torch.nn.functional.mse_loss(output, target);

    private static (Tensor X, Tensor Y) DeepNetBatch()
    {
        var generator = new torch.Generator(1000);
        return (torch.randn(new long[] { 10, 100 }, generator: generator), torch.randn(new long[] { 10, 1 }, generator: generator));
    }

    private void Compare(
        Func<NetworkModule> create,
        Func<NetworkModule, double> clipGradients,
        Action<NetworkModule>? clampValues,
        double maxNorm,
        double normType,
        Func<Tensor, Tensor, Tensor> loss,
        Tensor x,
        Tensor y,
        Optimiser optimiser,
        bool monitored)
    {
        torch.manual_seed(30);
        using var stepped = create();
        torch.manual_seed(30);
        using var byHand = create();
        AssertBitIdentical(Weights(stepped), Weights(byHand), "initial weight");

        // The low-rank path never materialises the large weights' gradients, so there is nothing for ClipGradients() to
        // clip; its total is compared in LowRankUpdateTests.
        stepped.Trainer.Options.LowRankUpdates = false;
        using var stepOptimizer = Create(optimiser, stepped);
        using var handOptimizer = Create(optimiser, byHand);

        var result = stepped.TrainStep(stepOptimizer, loss, x, y);
        Assert.False(result.Skipped);
        Assert.Equal(monitored, result.Report is not null);

        handOptimizer.zero_grad();
        using (var value = loss(byHand.call(x), y))
        {
            value.backward();
        }

        // TrainStep's first measurement (before value clamping), recomputed without a monitor's sample.
        Assert.Equal(result.GradientNorm, GradientClipping.Measure(byHand.named_parameters(), normType).Total);
        clampValues?.Invoke(byHand);
        var unclipped = Gradients(byHand);
        var total = clipGradients(byHand);
        var coefficient = GradientClipping.Coefficient(maxNorm, total);
        _output.WriteLine($"{stepped.GetType().Name}, {optimiser}: TrainStep total {result.GradientNorm:R}, clipped {result.ClippedNorm:R}; ClipGradients() {total:R}, coefficient {coefficient:R}");

        Assert.True(coefficient < 1.0, $"the test needs clipping to act: total {total:R}, max {maxNorm}");
        if (clampValues is null)
        {
            Assert.Equal(result.GradientNorm, total);
        }

        // TrainStep's clipped norm is derived from the total it clipped by: the same total, hence the same coefficient.
        Assert.Equal(result.ClippedNorm, Math.Min(total, total * maxNorm / (total + GradientClipping.Epsilon)));

        // The coefficient applied is exactly that one: every clipped gradient is g · (float)coefficient rounded to float.
        var factor = (float)coefficient;
        var clippedByHand = Gradients(byHand);
        for (var t = 0; t < unclipped.Count; t++)
        {
            for (var i = 0; i < unclipped[t].Length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(unclipped[t][i] * factor), BitConverter.SingleToInt32Bits(clippedByHand[t][i]));
            }
        }

        handOptimizer.step();

        // The plain SGD keeps the gradients TrainStep clipped; the fused pass zeroes them.
        if (optimiser == Optimiser.Sgd)
        {
            AssertBitIdentical(Gradients(stepped), clippedByHand, "clipped gradient");
        }

        AssertBitIdentical(Weights(stepped), Weights(byHand), "weight after the step");
    }

    private static optim.Optimizer Create(Optimiser optimiser, NetworkModule model) => optimiser switch
    {
        Optimiser.Sgd => torch.optim.SGD(model.parameters(), 1.0),
        _ => new FusedSGD(model.parameters(), 1.0),
    };

    private static List<float[]> Gradients(nn.Module model) =>
        model.parameters().Select(p =>
        {
            using var gradient = p.grad;
            return gradient is null ? Array.Empty<float>() : gradient.data<float>().ToArray();
        }).ToList();

    private static List<float[]> Weights(nn.Module model) => model.parameters().Select(p => p.data<float>().ToArray()).ToList();

    private static void AssertBitIdentical(List<float[]> expected, List<float[]> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var t = 0; t < expected.Count; t++)
        {
            Assert.Equal(expected[t].Length, actual[t].Length);
            var differing = expected[t].Zip(actual[t]).Count(pair => BitConverter.SingleToInt32Bits(pair.First) != BitConverter.SingleToInt32Bits(pair.Second));
            Assert.True(differing == 0, $"{what} {t}: {differing} of {expected[t].Length} elements differ in their bits");
        }
    }
}
