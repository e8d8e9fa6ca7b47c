using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Tests.Networks;
using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using static NetGen.Tests.Training.OptimizerSnapshots;

namespace NetGen.Tests.Training;

/// <summary>
/// The fused optimisers against TorchSharp's own: the seed networks trained for 100 steps through the generated
/// <c>TrainStep</c> (DeepNet with its declared clipping or a tighter one), once with each, from the same weights on the same batches.
/// Seeded from TorchSharp's global generator, so in the collection that runs alone.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class FusedOptimizerTests
{
    private const int Steps = 100;

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public FusedOptimizerTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    public enum Kind
    {
        Adam,
        AdamL2,
        AdamW,
        AdamWNoDecay,
        SgdMomentum,
        SgdNesterovDecay,
    }

    /// <remarks>
    /// Bit for bit: every element goes through libtorch's float32 operations in their order, fused multiply-adds included,
    /// and Adam's square root is libtorch's own (MKL's <c>vmsSqrt</c>, <see cref="AdamSquareRoot.LibTorchMkl"/>; the test
    /// machines are Linux x64, where libtorch exports it). DeepNet at lr 1e-3 with clipping at 0.5 (acting on most steps)
    /// is the hard case: its trajectory under Adam amplifies one-ulp differences in the gradients or the root into
    /// differences of the order of the weights within 100 steps, so only identical arithmetic keeps it together.
    /// </remarks>
    [Theory]
    [InlineData("SimpleNet", Kind.Adam, null)]
    [InlineData("SimpleNet", Kind.AdamL2, null)]
    [InlineData("SimpleNet", Kind.AdamW, null)]
    [InlineData("SimpleNet", Kind.AdamWNoDecay, null)]
    [InlineData("SimpleNet", Kind.SgdMomentum, null)]
    [InlineData("SimpleNet", Kind.SgdNesterovDecay, null)]
    [InlineData("DeepNet", Kind.SgdMomentum, null)]
    [InlineData("DeepNet", Kind.Adam, 0.5)]
    [InlineData("DeepNet", Kind.AdamW, 0.5)]
    public void Hundred_steps_are_bit_identical_to_TorchSharps_optimiser(string network, Kind kind, double? clip)
    {
        var lr = kind is Kind.SgdMomentum or Kind.SgdNesterovDecay ? 1e-2 : 1e-3;
        var reference = Train(network, m => Reference(kind, m, lr), clipNorm: clip);
        var fused = Train(network, m => Fused(kind, m, lr), clipNorm: clip);

        var difference = MaxAbsoluteDifference(reference.Parameters, fused.Parameters);
        var stateDifference = MaxAbsoluteDifference(reference.State, fused.State);
        var moved = RelativeDifference(reference.Initial, reference.Parameters);
        var clipped = clip is { } c ? reference.Norms.Count(n => n > c) : 0;
        _output.WriteLine($"{network} {kind}{(clip is null ? "" : $", clip {clip}")}: after {Steps} steps, max |Δparameter| {difference:E2}, optimiser state {stateDifference:E2}; the parameters moved by {moved:E2} (relative); clipping acted on {clipped} steps");
        Assert.Equal(0.0, difference);
        Assert.Equal(0.0, stateDifference);
        Assert.True(moved > 1e-2, $"the parameters hardly moved ({moved:E2}): the comparison would prove nothing");
        Assert.Equal(reference.Losses, fused.Losses);
        if (clip is not null)
        {
            Assert.True(clipped > Steps / 2, "clipping must act on most steps");
        }

        // The clipping acted on the same totals in both runs (the fused step measures them in its own pass).
        Assert.Equal(reference.Norms.Count, fused.Norms.Count);
        var normDifference = reference.Norms.Zip(fused.Norms, (a, b) => Math.Abs(a - b) / a).Max();
        _output.WriteLine($"  gradient norms over the run: max relative difference {normDifference:E2}");
        Assert.True(normDifference <= 1e-6, $"gradient norms differ by {normDifference:E2}");
    }

    /// <remarks>
    /// The faster root: one ulp away from libtorch's on some elements, which SimpleNet's 100 steps carry into the weights at
    /// the 1e-7 level.
    /// </remarks>
    [Theory]
    [InlineData(Kind.Adam)]
    [InlineData(Kind.AdamW)]
    public void With_the_correctly_rounded_root_SimpleNet_stays_within_1e_6_of_TorchSharp(Kind kind)
    {
        var reference = Train("SimpleNet", m => Reference(kind, m, 1e-3));
        var fused = Train("SimpleNet", m => Fused(kind, m, 1e-3, AdamSquareRoot.CorrectlyRounded));
        var difference = RelativeDifference(reference.Parameters, fused.Parameters);
        var state = RelativeDifference(reference.State, fused.State);
        _output.WriteLine($"SimpleNet {kind}, correctly rounded root, {Steps} steps: max relative |Δparameter| {difference:E2}, optimiser state {state:E2}");
        Assert.True(difference > 0, "the option must change the root");
        Assert.True(difference <= 1e-6, $"parameters differ by {difference:E2} (relative)");
        Assert.True(state <= 1e-5, $"optimiser state differs by {state:E2} (relative)");
    }

    /// <remarks>
    /// The root is each optimiser's own: three copies of SimpleNet trained side by side, step by step on the same batches,
    /// one with a correctly rounded FusedAdam (built first), one with an MKL FusedAdam (built after it) and one with
    /// TorchSharp's Adam. The MKL one stays equal to TorchSharp's bit for bit, and the correctly rounded one equal bit for
    /// bit to the same optimiser trained alone (<see cref="Train"/>), while 1e-7-level apart from the other two.
    /// </remarks>
    [Theory]
    [InlineData(Kind.Adam)]
    [InlineData(Kind.AdamW)]
    public void Two_fused_optimisers_with_different_roots_in_one_process_each_keep_their_own(Kind kind)
    {
        var alone = Train("SimpleNet", m => Fused(kind, m, 1e-3, AdamSquareRoot.CorrectlyRounded));

        torch.manual_seed(7);
        using var correctModel = new SimpleNet();
        torch.manual_seed(7);
        using var mklModel = new SimpleNet();
        torch.manual_seed(7);
        using var referenceModel = new SimpleNet();
        using var correct = Fused(kind, correctModel, 1e-3, AdamSquareRoot.CorrectlyRounded);
        using var mkl = Fused(kind, mklModel, 1e-3, AdamSquareRoot.LibTorchMkl);
        using var reference = Reference(kind, referenceModel, 1e-3);
        Assert.Equal(AdamSquareRoot.CorrectlyRounded, Root(correct));
        Assert.Equal(AdamSquareRoot.LibTorchMkl, Root(mkl));
        for (var step = 0; step < Steps; step++)
        {
            var (x, y) = Batch("SimpleNet", step);
            using (x)
            using (y)
            {
                Assert.False(correctModel.TrainStep(correct, torch.nn.CrossEntropyLoss(), x, y).Skipped);
                Assert.False(mklModel.TrainStep(mkl, torch.nn.CrossEntropyLoss(), x, y).Skipped);
                Assert.False(referenceModel.TrainStep(reference, torch.nn.CrossEntropyLoss(), x, y).Skipped);
            }
        }

        Assert.Equal(AdamSquareRoot.CorrectlyRounded, Root(correct));
        Assert.Equal(AdamSquareRoot.LibTorchMkl, Root(mkl));
        var mklDifference = MaxAbsoluteDifference(Snapshot(referenceModel), Snapshot(mklModel));
        var mklState = MaxAbsoluteDifference(StateSnapshot(reference), StateSnapshot(mkl));
        var aloneDifference = MaxAbsoluteDifference(alone.Parameters, Snapshot(correctModel));
        var aloneState = MaxAbsoluteDifference(alone.State, StateSnapshot(correct));
        var apart = RelativeDifference(Snapshot(referenceModel), Snapshot(correctModel));
        _output.WriteLine($"SimpleNet {kind}, {Steps} interleaved steps: MKL FusedAdam - TorchSharp max |Δparameter| {mklDifference:E2} (state {mklState:E2}); correctly rounded - the same alone {aloneDifference:E2} (state {aloneState:E2}); correctly rounded - TorchSharp {apart:E2} (relative)");
        Assert.Equal(0.0, mklDifference);
        Assert.Equal(0.0, mklState);
        Assert.Equal(0.0, aloneDifference);
        Assert.Equal(0.0, aloneState);
        Assert.True(apart > 0, "the correctly rounded optimiser must keep its own root");
        Assert.True(apart <= 1e-6, $"parameters differ by {apart:E2} (relative)");
    }

    [Fact]
    public void The_root_is_checked_at_construction_and_defaults_to_the_correctly_rounded_one()
    {
        using var weight = new Parameter(torch.ones(3, 3));
        using var adam = new FusedAdam(new[] { weight });
        using var adamW = new FusedAdamW(new[] { weight });
        using var mkl = new FusedAdamW(new[] { weight }, square_root: AdamSquareRoot.LibTorchMkl);
        Assert.Equal(AdamSquareRoot.CorrectlyRounded, adam.SquareRoot);
        Assert.Equal(AdamSquareRoot.CorrectlyRounded, adamW.SquareRoot);
        Assert.Equal(AdamSquareRoot.LibTorchMkl, mkl.SquareRoot);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FusedAdam(new[] { weight }, square_root: (AdamSquareRoot)7));
        Assert.Equal("square_root", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FusedAdamW(new[] { weight }, square_root: (AdamSquareRoot)7));
    }

    [Fact]
    public void The_first_steps_clipping_coefficient_is_the_unfused_steps_and_ClipGradients_total_is_the_same()
    {
        // Same weights, same batch: the fused and the unfused TrainStep measure the same gradients, so their totals and
        // clipped norms (hence the coefficient max / (total + 1e-6)) must be identical, bit for bit.
        var (x, small) = Batch("DeepNet", 0);
        using var y = small * 30; // a large loss, so that clipping acts
        torch.manual_seed(11);
        using var unfusedModel = new DeepNet();
        torch.manual_seed(11);
        using var fusedModel = new DeepNet();
        torch.manual_seed(11);
        using var clipModel = new DeepNet();
        using var unfused = torch.optim.Adam(unfusedModel.parameters());
        using var fused = new FusedAdam(fusedModel.parameters(), square_root: AdamSquareRoot.LibTorchMkl);
        var a = unfusedModel.TrainStep(unfused, torch.nn.MSELoss(), x, y);
        var b = fusedModel.TrainStep(fused, torch.nn.MSELoss(), x, y);
        Assert.True(a.GradientNorm > 1.0, $"the test needs clipping to act; total {a.GradientNorm}");
        Assert.Equal(a.GradientNorm, b.GradientNorm);
        Assert.Equal(a.ClippedNorm, b.ClippedNorm);
        Assert.Equal(GradientClipping.Coefficient(1.0, a.GradientNorm), GradientClipping.Coefficient(1.0, b.GradientNorm));

        // ClipGradients() measures the same gradients as TrainStep does: the same total, bit for bit.
        using (var loss = torch.nn.functional.mse_loss(clipModel.call(x), y))
        {
            loss.backward();
        }

        // The exact total, from float64 copies of the gradients.
        double exact;
        using (var scope = torch.NewDisposeScope())
        {
            exact = Math.Sqrt(clipModel.parameters().Sum(p => p.grad!.to(ScalarType.Float64).pow(2).sum().item<double>()));
        }

        var total = clipModel.ClipGradients();
        _output.WriteLine($"total gradient norm: TrainStep {b.GradientNorm:R}, ClipGradients() {total:R}, float64 {exact:R}; TrainStep - float64 {Math.Abs(b.GradientNorm - exact) / exact:E2} (relative)");
        Assert.True(Math.Abs(b.GradientNorm - exact) / exact <= 1e-12, "TrainStep's total is the exact one");
        Assert.Equal(b.GradientNorm, total);

        // And the weights after the fused step equal the unfused step's, bit for bit.
        Assert.Equal(0.0, MaxAbsoluteDifference(Snapshot(unfusedModel), Snapshot(fusedModel)));
    }

    [Fact]
    public void A_non_finite_gradient_skips_the_step_with_weights_and_state_bit_identical_and_training_goes_on()
    {
        torch.manual_seed(12);
        using var model = new DeepNet();
        using var optimizer = new FusedAdam(model.parameters(), square_root: AdamSquareRoot.LibTorchMkl);
        for (var step = 0; step < 3; step++)
        {
            var (x, y) = Batch("DeepNet", step);
            model.TrainStep(optimizer, torch.nn.MSELoss(), x, y);
        }

        var weights = Snapshot(model);
        var state = StateSnapshot(optimizer);
        var (good, target) = Batch("DeepNet", 3);
        using var poisoned = good.clone();
        poisoned[0, 0] = torch.tensor(float.NaN);
        var skipped = model.TrainStep(optimizer, torch.nn.MSELoss(), poisoned, target);

        Assert.True(skipped.Skipped);
        Assert.Equal(weights.Select(w => w.Length).ToArray(), Snapshot(model).Select(w => w.Length).ToArray());
        Assert.True(weights.Zip(Snapshot(model), (a, b) => a.SequenceEqual(b)).All(same => same), "a weight changed");
        Assert.True(state.Zip(StateSnapshot(optimizer), (a, b) => a.SequenceEqual(b)).All(same => same), "the optimiser state changed");
        Assert.All(optimizer.state_dict().State.Cast<Adam.State>(), s => Assert.Equal(3, s.step));

        // The NaN gradients left by the skipped step must not leak into the next one (the fused step skips zero_grad only
        // after it zeroed the gradients itself): were they kept, this step would see NaN and be skipped too.
        var (x4, y4) = Batch("DeepNet", 4);
        var next = model.TrainStep(optimizer, torch.nn.MSELoss(), x4, y4);
        Assert.False(next.Skipped);
        Assert.True(double.IsFinite(next.GradientNorm));
        Assert.True(RelativeDifference(weights, Snapshot(model)) > 1e-4, "the step after the skipped one must update the weights");
    }

    [Fact]
    public void Float64_parameters_fall_back_to_TorchSharps_step_exactly()
    {
        var reference = Train("SimpleNet", m => torch.optim.Adam(m.parameters()), steps: 5, float64: true);
        var fused = Train("SimpleNet", m => new FusedAdam(m.parameters(), square_root: AdamSquareRoot.LibTorchMkl), steps: 5, float64: true);
        Assert.Equal(0.0, RelativeDifference(reference.Parameters, fused.Parameters));
        Assert.True(RelativeDifference(reference.Initial, reference.Parameters) > 1e-4);
    }

    [Fact]
    public void After_a_fused_TrainStep_the_gradients_are_zero_and_step_leaves_them_alone()
    {
        torch.manual_seed(13);
        using var model = new SimpleNet();
        using var optimizer = new FusedAdam(model.parameters(), square_root: AdamSquareRoot.LibTorchMkl);
        var (x, y) = Batch("SimpleNet", 0);
        model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), x, y);
        foreach (var p in model.parameters())
        {
            using var grad = p.grad!;
            Assert.Equal(0f, grad.abs().max().item<float>());
        }

        // Used like any optimiser, step() keeps PyTorch's contract: gradients untouched.
        optimizer.zero_grad();
        using (var loss = torch.nn.functional.cross_entropy(model.call(x), y))
        {
            loss.backward();
        }

        optimizer.step();
        using var fc1Grad = model.fc1.weight!.grad!;
        Assert.True(fc1Grad.abs().max().item<float>() > 0);
    }

    /// <remarks>
    /// A graph that saved a parameter for its backward must notice that the optimiser changed it, as it does for
    /// TorchSharp's own optimisers (in-place libtorch operations bump the parameter's version counter): the fused pass
    /// writes through the tensor's memory, and bumps the counter itself.
    /// </remarks>
    [Theory]
    [InlineData(Kind.Adam, false)]
    [InlineData(Kind.Adam, true)]
    [InlineData(Kind.SgdMomentum, false)]
    [InlineData(Kind.SgdMomentum, true)]
    public void A_graph_that_saved_a_parameter_fails_in_backward_after_the_update(Kind kind, bool fused)
    {
        using var weight = new Parameter(torch.ones(3, 3));
        using var optimizer = fused ? Fused(kind, new ParameterHolder(weight), 1e-2) : Reference(kind, new ParameterHolder(weight), 1e-2);
        using (var first = (weight * weight).sum())
        {
            first.backward();
        }

        using var stale = (weight * weight).sum(); // saves weight for its backward
        optimizer.step();
        using var updated = weight.detach().clone();
        Assert.True(updated.lt(1f).all().item<bool>(), "the step moved every weight");
        var error = Assert.ThrowsAny<Exception>(() => stale.backward());
        Assert.Contains("modified by an inplace operation", error.Message, StringComparison.Ordinal);
    }

    private sealed class ParameterHolder : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter weight;

        public ParameterHolder(Parameter weight) : base(nameof(ParameterHolder))
        {
            this.weight = weight;
            register_parameter("weight", weight);
        }

        public override Tensor forward(Tensor input) => input.matmul(weight);
    }

    private static optim.Optimizer Reference(Kind kind, nn.Module<Tensor, Tensor> m, double lr) => kind switch
    {
        Kind.Adam => torch.optim.Adam(m.parameters(), lr: lr),
        Kind.AdamL2 => torch.optim.Adam(m.parameters(), lr: lr, weight_decay: 0.01),
        Kind.AdamW => new AdamW(m.parameters(), lr: lr, weight_decay: 0.01),
        Kind.AdamWNoDecay => new AdamW(m.parameters(), lr: lr, weight_decay: 0),
        Kind.SgdMomentum => torch.optim.SGD(m.parameters(), lr, momentum: 0.9),
        _ => torch.optim.SGD(m.parameters(), lr, momentum: 0.9, weight_decay: 1e-3, nesterov: true),
    };

    /// <summary>The fused optimiser of <paramref name="kind"/>; a fused Adam or AdamW takes <paramref name="root"/> (libtorch's own by default, for bit identity).</summary>
    private static optim.Optimizer Fused(Kind kind, nn.Module<Tensor, Tensor> m, double lr, AdamSquareRoot root = AdamSquareRoot.LibTorchMkl) => kind switch
    {
        Kind.Adam => new FusedAdam(m.parameters(), lr: lr, square_root: root),
        Kind.AdamL2 => new FusedAdam(m.parameters(), lr: lr, weight_decay: 0.01, square_root: root),
        Kind.AdamW => new FusedAdamW(m.parameters(), lr: lr, weight_decay: 0.01, square_root: root),
        Kind.AdamWNoDecay => new FusedAdamW(m.parameters(), lr: lr, weight_decay: 0, square_root: root),
        Kind.SgdMomentum => new FusedSGD(m.parameters(), lr, momentum: 0.9),
        _ => new FusedSGD(m.parameters(), lr, momentum: 0.9, weight_decay: 1e-3, nesterov: true),
    };

    private static AdamSquareRoot Root(optim.Optimizer optimizer) => optimizer switch
    {
        FusedAdam a => a.SquareRoot,
        FusedAdamW w => w.SquareRoot,
        _ => throw new ArgumentException($"not a fused Adam: {optimizer.GetType().Name}", nameof(optimizer)),
    };

    private sealed record Run(List<float[]> Initial, List<float[]> Parameters, List<float[]> State, List<double> Norms, List<double> Losses);

    private static Run Train(string network, Func<nn.Module<Tensor, Tensor>, optim.Optimizer> makeOptimizer, int steps = Steps, bool float64 = false, double? clipNorm = null)
    {
        torch.manual_seed(7);
        nn.Module<Tensor, Tensor> model = network == "SimpleNet" ? new SimpleNet() : new DeepNet();
        using var _ = model;
        if (clipNorm is { } clip)
        {
            ((DeepNet)model).Trainer.Options.ClipNorm = clip;
        }

        if (float64)
        {
            model.to(ScalarType.Float64);
        }

        var initial = Snapshot(model);
        using var optimizer = makeOptimizer(model);
        var norms = new List<double>();
        var losses = new List<double>();
        for (var step = 0; step < steps; step++)
        {
            var (x, y) = Batch(network, step);
            using (x)
            using (y)
            {
                using var xs = float64 ? x.to(ScalarType.Float64) : x.alias();
                using var ys = float64 && network == "DeepNet" ? y.to(ScalarType.Float64) : y.alias();
                var result = model switch
                {
                    SimpleNet s => s.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), xs, ys),
                    DeepNet d => d.TrainStep(optimizer, torch.nn.MSELoss(), xs, ys),
                    _ => throw new InvalidOperationException(),
                };
                Assert.False(result.Skipped);
                norms.Add(result.GradientNorm);
                losses.Add(result.Loss);
            }
        }

        return new Run(initial, Snapshot(model), StateSnapshot(optimizer), norms, losses);
    }

    private static (Tensor X, Tensor Y) Batch(string network, int step)
    {
        var generator = new torch.Generator((ulong)(1000 + step));
        return network == "SimpleNet"
            ? (torch.randn(new long[] { 64, 784 }, generator: generator), torch.randint(0, 10, new long[] { 64 }, generator: generator))
            : (torch.randn(new long[] { 10, 100 }, generator: generator), torch.randn(new long[] { 10, 1 }, generator: generator));
    }
}
