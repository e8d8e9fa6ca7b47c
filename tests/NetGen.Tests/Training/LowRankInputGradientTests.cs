using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using static NetGen.Tests.Training.OptimizerSnapshots;

namespace NetGen.Tests.Training;

/// <summary>
/// The input gradient of the Linear layers on the low-rank path (<see cref="LowRankLinearFunction"/>): NetGen's kernel
/// <see cref="LowRankKernels.InputGradient"/> against its definition and against libtorch's <c>mm</c>, and the step's input
/// gradients, weights and optimiser state against the normal path, at batches where the kernel is used and where the
/// matrix library sums differently. Seeded from TorchSharp's global generator, so in the collection that runs alone.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class LowRankInputGradientTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public LowRankInputGradientTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    /// <summary>
    /// The kernel equals its definition bit for bit (blocks of 192 terms, each a chain of fused multiply-adds from zero,
    /// added in order) at every shape, tails of columns and rows included; against libtorch's <c>mm</c> it is printed and
    /// held to float32 rounding of 1,000-term sums (bit-identical on this project's machine at 4 or more rows: MKL's GEMM
    /// for Zen sums in that order).
    /// </summary>
    [Theory]
    [InlineData(10, 1000, 1000)]
    [InlineData(16, 512, 512)]
    [InlineData(7, 700, 300)]
    [InlineData(5, 37, 29)]
    [InlineData(3, 1000, 1000)]
    [InlineData(1, 200, 24)]
    public void The_kernel_sums_in_blocks_of_192_and_matches_libtorch_to_rounding(int rows, int outFeatures, int inFeatures)
    {
        var generator = new torch.Generator((ulong)(rows * 7919 + outFeatures));
        using var g = torch.randn(new long[] { rows, outFeatures }, generator: generator);
        using var w = torch.randn(new long[] { outFeatures, inFeatures }, generator: generator) * 0.03f;
        using var libTorch = g.mm(w);
        using var mine = torch.empty(rows, inFeatures);
        LowRankKernels.InputGradient(Floats(g), Floats(w), Floats(mine), rows, outFeatures, inFeatures);

        var gs = Floats(g).ToArray();
        var ws = Floats(w).ToArray();
        var definition = new float[rows * inFeatures];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < inFeatures; i++)
            {
                var total = 0f;
                for (var start = 0; start < outFeatures; start += LowRankKernels.InnerBlock)
                {
                    var sum = 0f;
                    for (var o = start; o < Math.Min(outFeatures, start + LowRankKernels.InnerBlock); o++)
                    {
                        sum = MathF.FusedMultiplyAdd(gs[(r * outFeatures) + o], ws[(o * inFeatures) + i], sum);
                    }

                    total = start == 0 ? sum : total + sum;
                }

                definition[(r * inFeatures) + i] = total;
            }
        }

        var kernel = Floats(mine).ToArray();
        var reference = Floats(libTorch).ToArray();
        var differing = kernel.Zip(reference, (a, b) => BitConverter.SingleToInt32Bits(a) != BitConverter.SingleToInt32Bits(b)).Count(d => d);
        var largest = reference.Max(MathF.Abs);
        var worst = kernel.Zip(reference, (a, b) => MathF.Abs(a - b)).Max();
        _output.WriteLine($"{rows} × {outFeatures} · {outFeatures} × {inFeatures}: {differing} of {kernel.Length} elements differ from libtorch's mm, max |Δ| {worst:E2} (largest |dX| {largest:E2})");

        Assert.Equal(definition.Select(BitConverter.SingleToInt32Bits), kernel.Select(BitConverter.SingleToInt32Bits));
        Assert.True(worst <= 1e-5f * largest, $"max |Δ| {worst:E2} against libtorch, largest |dX| {largest:E2}");
    }

    /// <summary>
    /// A network whose first low-rank layer takes the caller's input (a leaf requiring grad), so the input's gradient is the
    /// layer's dX: over six steps at 10 rows (the kernel, once the first backward found it equal to libtorch's product) and
    /// at 3 rows (where MKL sums otherwise on this machine, so libtorch's product stays), the input gradients, weights and
    /// optimiser state are bit-identical to the normal path's at every step, with and without the layer's bias.
    /// </summary>
    [Theory]
    [InlineData(10, true)]
    [InlineData(3, true)]
    [InlineData(10, false)]
    public void Input_gradients_weights_and_state_are_the_normal_paths_bit_for_bit(int rows, bool bias)
    {
        torch.manual_seed(31);
        using var model = new WideFirstNet(bias);
        torch.manual_seed(31);
        using var twin = new WideFirstNet(bias);
        var step = new TrainingStep(model, new TrainStepOptions { ClipNorm = 0.5 });
        var twinStep = new TrainingStep(twin, new TrainStepOptions { ClipNorm = 0.5, LowRankUpdates = false });
        using var optimizer = new FusedAdam(model.parameters(), 1e-3);
        using var twinOptimizer = new FusedAdam(twin.parameters(), 1e-3);
        var inputDifferences = new List<int>();
        for (var k = 0; k < 6; k++)
        {
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator((ulong)(600 + k));
            var data = torch.randn(new long[] { rows, 512 }, generator: generator);
            var y = torch.randn(new long[] { rows, 10 }, generator: generator);
            var x = data.clone().requires_grad_();
            var twinX = data.clone().requires_grad_();
            step.Run(optimizer, (o, t) => torch.nn.functional.mse_loss(o, t), x, y);
            twinStep.Run(twinOptimizer, (o, t) => torch.nn.functional.mse_loss(o, t), twinX, y);
            inputDifferences.Add(Floats(x.grad!).ToArray().Zip(Floats(twinX.grad!).ToArray(), (a, b) => BitConverter.SingleToInt32Bits(a) != BitConverter.SingleToInt32Bits(b)).Count(d => d));
            Assert.True(twinX.grad!.abs().max().item<float>() > 0, "the input gradient must not be zero");
        }

        var weights = RelativeDifference(Snapshot(twin), Snapshot(model));
        var state = RelativeDifference(StateSnapshot(twinOptimizer), StateSnapshot(optimizer));
        _output.WriteLine($"{rows} rows, bias {bias}, 6 Adam steps clipped at 0.5: elements of the input gradient differing from the normal path per step [{string.Join(", ", inputDifferences)}]; max relative |Δparameter| {weights:E2}, |Δstate| {state:E2}");

        Assert.Null(model.fc1.weight!.grad); // the low-rank path ran
        Assert.All(inputDifferences, d => Assert.Equal(0, d));
        Assert.Equal(0.0, weights);
        Assert.Equal(0.0, state);
    }

    /// <summary>
    /// A first layer without bias whose input needs no gradient: nothing in the graph would reach the function, so the layer's
    /// output gradient comes through a zero leaf; weights and state stay the normal path's bit for bit.
    /// </summary>
    [Fact]
    public void A_first_layer_without_bias_on_a_plain_input_takes_its_gradient_through_the_zero_leaf()
    {
        torch.manual_seed(32);
        using var model = new WideFirstNet(bias: false);
        torch.manual_seed(32);
        using var twin = new WideFirstNet(bias: false);
        var step = new TrainingStep(model);
        var twinStep = new TrainingStep(twin, new TrainStepOptions { LowRankUpdates = false });
        using var optimizer = new FusedSGD(model.parameters(), 1e-2, momentum: 0.9);
        using var twinOptimizer = new FusedSGD(twin.parameters(), 1e-2, momentum: 0.9);
        for (var k = 0; k < 4; k++)
        {
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator((ulong)(700 + k));
            var x = torch.randn(new long[] { 10, 512 }, generator: generator);
            var y = torch.randn(new long[] { 10, 10 }, generator: generator);
            step.Run(optimizer, (o, t) => torch.nn.functional.mse_loss(o, t), x, y);
            twinStep.Run(twinOptimizer, (o, t) => torch.nn.functional.mse_loss(o, t), x, y);
        }

        var weights = RelativeDifference(Snapshot(twin), Snapshot(model));
        _output.WriteLine($"first layer without bias, plain input, 4 SGD steps: max relative |Δparameter| {weights:E2}");
        Assert.Null(model.fc1.weight!.grad);
        Assert.Equal(0.0, weights);
    }

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    /// <summary>Linear(512, 512) first, so its input is the caller's; then ReLU and Linear(512, 10). Layers called with <c>call()</c>.</summary>
    private sealed class WideFirstNet : nn.Module<Tensor, Tensor>
    {
        public readonly Linear fc1;
        public readonly Linear fc2 = nn.Linear(512, 10);

        public WideFirstNet(bool bias) : base(nameof(WideFirstNet))
        {
            fc1 = nn.Linear(512, 512, hasBias: bias);
            register_module("fc1", fc1);
            register_module("fc2", fc2);
        }

        public override Tensor forward(Tensor input)
        {
            using var hidden = fc1.call(input);
            using var active = hidden.relu();
            return fc2.call(active);
        }
    }
}
