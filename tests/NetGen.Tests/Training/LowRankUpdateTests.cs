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

/// <summary>A small network whose middle layer (512 × 512) is large enough for the low-rank update; the others are not.</summary>
[Linear(64, 512), ReLU]
[Linear(512, 512), ReLU]
[Linear(512, 10)]
public partial class LowRankNet;

/// <summary>The same layers with the gradient monitor declared: the step must take the normal path.</summary>
[Linear(64, 512), ReLU]
[Linear(512, 512), ReLU]
[Linear(512, 10)]
[GradientMonitor]
public partial class MonitoredLowRankNet;

/// <summary>
/// The low-rank update of Linear weights (<see cref="TrainStepOptions.LowRankUpdates"/>) against the normal fused path
/// (the same <c>TrainStep</c> and fused optimiser with the option off) and against TorchSharp's own optimiser, over 100
/// steps from the same weights on the same batches; its clipping, its skipped steps and every condition that sends the step
/// to the normal path. Seeded from TorchSharp's global generator, so in the collection that runs alone.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class LowRankUpdateTests
{
    private const int Steps = 100;

    /// <summary>
    /// These tests hold the fused Adam to TorchSharp's bit for bit, so every fused Adam they build takes libtorch's own root.
    /// </summary>
    private const AdamSquareRoot Root = AdamSquareRoot.LibTorchMkl;

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public LowRankUpdateTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    public enum Kind
    {
        Adam,
        AdamL2,
        AdamW,
        SgdMomentum,
    }

    public enum Path
    {
        LowRank,
        FullGradients,
        TorchSharp,
    }

    /// <remarks>
    /// The low-rank run computes dW = Gᵀ·X in its own summation order (b = 0 … R−1, one fused multiply-add each), which is
    /// the matrix library's on these shapes: its weights and optimiser state are bit-identical to the normal fused path's,
    /// and that path's to TorchSharp's optimiser (<see cref="FusedOptimizerTests"/>). The one thing that can part them is
    /// the clipping total: the low-rank path's is a float64 sum of Gram products, the normal path's a float64 sum of
    /// float32 squares, about 3e-10 apart; on the rare step where that moves the float32 clipping coefficient by one ulp
    /// the runs part by rounding from there on, and the test then holds them to 1e-6 (relative) instead of 0.
    /// </remarks>
    [Theory]
    [InlineData(Kind.Adam, null)]
    [InlineData(Kind.Adam, 0.5)]
    [InlineData(Kind.AdamL2, null)]
    [InlineData(Kind.AdamW, null)]
    [InlineData(Kind.AdamW, 0.5)]
    [InlineData(Kind.SgdMomentum, null)]
    [InlineData(Kind.SgdMomentum, 0.5)]
    public void Hundred_small_network_steps_match_the_normal_path_and_TorchSharp(Kind kind, double? clip)
    {
        var lowRank = Train("LowRankNet", kind, Path.LowRank, clip);
        var full = Train("LowRankNet", kind, Path.FullGradients, clip);
        var torchSharp = Train("LowRankNet", kind, Path.TorchSharp, clip);

        var againstFull = RelativeDifference(full.Parameters, lowRank.Parameters);
        var againstTorchSharp = RelativeDifference(torchSharp.Parameters, lowRank.Parameters);
        var fullAgainstTorchSharp = MaxAbsoluteDifference(torchSharp.Parameters, full.Parameters);
        var fullStateAgainstTorchSharp = MaxAbsoluteDifference(torchSharp.State, full.State);
        var state = RelativeDifference(full.State, lowRank.State);
        var flip = FirstCoefficientFlip(full, lowRank, clip);
        var norms = full.Norms.Zip(lowRank.Norms, (a, b) => Math.Abs(a - b) / a).Take(flip < 0 ? Steps : flip + 1).Max();
        var moved = RelativeDifference(full.Initial, full.Parameters);
        _output.WriteLine($"LowRankNet {kind}, clip {clip?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, {Steps} steps: max relative |Δparameter| low-rank vs full gradients {againstFull:E2}, vs TorchSharp {againstTorchSharp:E2}; full gradients vs TorchSharp max |Δparameter| {fullAgainstTorchSharp:E2}, |Δstate| {fullStateAgainstTorchSharp:E2}; low-rank optimiser state {state:E2}; gradient norms {norms:E2}{(flip < 0 ? "" : $" up to step {flip + 1}, where the float32 clipping coefficients part by one ulp")}; the parameters moved by {moved:E2}; clipping acted on {full.Norms.Count(n => clip is { } c && n > c)} steps");

        Assert.True(lowRank.TookLowRank, "the low-rank path must have run");
        Assert.False(full.TookLowRank);
        Assert.True(moved > 1e-2, $"the parameters hardly moved ({moved:E2})");
        Assert.Equal(0.0, fullAgainstTorchSharp);
        Assert.Equal(0.0, fullStateAgainstTorchSharp);
        if (flip < 0)
        {
            Assert.Equal(0.0, MaxAbsoluteDifference(full.Parameters, lowRank.Parameters));
            Assert.Equal(0.0, MaxAbsoluteDifference(full.State, lowRank.State));
        }
        else
        {
            Assert.True(againstFull <= 1e-6, $"low-rank vs full gradients: {againstFull:E2}");
            Assert.True(state <= 1e-6, $"optimiser state: {state:E2}");
        }

        Assert.True(norms <= 1e-8, $"gradient norms: {norms:E2}");
        Assert.Equal(full.StepCounts, lowRank.StepCounts);
        if (clip is not null)
        {
            Assert.True(full.Norms.Count(n => n > clip) > 10, "clipping must act");
        }
    }

    /// <remarks>
    /// DeepNet with Adam at lr 1e-3 amplifies one-ulp differences into differences of the order of the weights within 100
    /// steps, so every path is held to bit identity, unless the float32
    /// clipping coefficient of the low-rank run parts from the normal path's on some step (see above); the low-rank run is
    /// then held to the losses over the run.
    /// </remarks>
    [Theory]
    [InlineData(Kind.Adam)]
    [InlineData(Kind.AdamW)]
    [InlineData(Kind.SgdMomentum)]
    public void Hundred_DeepNet_steps_match_the_normal_path_and_TorchSharp(Kind kind)
    {
        var lowRank = Train("DeepNet", kind, Path.LowRank, clip: 1.0);
        var full = Train("DeepNet", kind, Path.FullGradients, clip: 1.0);
        var torchSharp = Train("DeepNet", kind, Path.TorchSharp, clip: 1.0);

        var againstFull = MaxAbsoluteDifference(full.Parameters, lowRank.Parameters);
        var againstTorchSharp = MaxAbsoluteDifference(torchSharp.Parameters, lowRank.Parameters);
        var fullAgainstTorchSharp = MaxAbsoluteDifference(torchSharp.Parameters, full.Parameters);
        var fullStateAgainstTorchSharp = MaxAbsoluteDifference(torchSharp.State, full.State);
        var lossesFull = full.Losses.Zip(lowRank.Losses, (a, b) => Math.Abs(a - b) / a).Max();
        var firstNorms = Math.Abs(full.Norms[1] - lowRank.Norms[1]) / full.Norms[1];
        var flip = FirstCoefficientFlip(full, lowRank, 1.0);
        _output.WriteLine($"DeepNet {kind}, clip 1.0, {Steps} steps: max |Δparameter| low-rank vs full gradients {againstFull:E2}, vs TorchSharp {againstTorchSharp:E2}; full gradients vs TorchSharp {fullAgainstTorchSharp:E2}, optimiser state {fullStateAgainstTorchSharp:E2}; max relative |Δloss| low-rank vs full over the run {lossesFull:E2}; second step's gradient norm {firstNorms:E2}; float32 clipping coefficients {(flip < 0 ? "equal on every step" : $"part at step {flip + 1}")}; clipping acted on {full.Norms.Count(n => n > 1.0)} steps");

        Assert.True(lowRank.TookLowRank, "the low-rank path must have run");
        Assert.Equal(full.StepCounts, lowRank.StepCounts);
        Assert.True(firstNorms <= 1e-8, $"the first low-rank step's norm: {firstNorms:E2}");
        Assert.True(RelativeDifference(full.Initial, full.Parameters) > 1e-2, "the parameters must move");
        Assert.Equal(0.0, fullAgainstTorchSharp);
        Assert.Equal(0.0, fullStateAgainstTorchSharp);
        if (flip < 0)
        {
            Assert.Equal(0.0, againstFull);
            Assert.Equal(0.0, MaxAbsoluteDifference(full.State, lowRank.State));
        }
        else
        {
            Assert.True(lossesFull <= 0.05, $"losses vs full gradients: {lossesFull:E2}");
        }
    }

    // The first step (0-based) whose float32 clipping coefficient differs between two runs, or −1: the fused pass multiplies
    // the gradients by (float)coefficient.
    private static int FirstCoefficientFlip(Run a, Run b, double? clip)
    {
        if (clip is not { } maxNorm)
        {
            return -1;
        }

        for (var step = 0; step < a.Norms.Count; step++)
        {
            if ((float)GradientClipping.Coefficient(maxNorm, a.Norms[step]) != (float)GradientClipping.Coefficient(maxNorm, b.Norms[step]))
            {
                return step;
            }
        }

        return -1;
    }

    [Fact]
    public void The_clipping_total_equals_the_materialised_gradients_and_ClipGradients_to_1e_6()
    {
        // Two DeepNets with the same weights; the first takes two steps (the verifying one, then a low-rank one) with
        // FusedAdam, the second the same two steps with TorchSharp's Adam, whose states then agree to rounding. On the
        // third batch the first takes a low-rank step; the second computes the gradients and its ClipGradients() total.
        torch.manual_seed(21);
        using var model = new DeepNet();
        torch.manual_seed(21);
        using var twin = new DeepNet();
        using var optimizer = new FusedAdam(model.parameters(), square_root: Root);
        using var twinOptimizer = new FusedAdam(twin.parameters(), square_root: Root);
        twin.Trainer.Options.LowRankUpdates = false;
        for (var step = 0; step < 2; step++)
        {
            var (x, y) = Batch("DeepNet", step);
            model.TrainStep(optimizer, torch.nn.MSELoss(), x, y);
            twin.TrainStep(twinOptimizer, torch.nn.MSELoss(), x, y);
        }

        var (x3, small) = Batch("DeepNet", 2);
        using var y3 = small * 30; // a large loss, so that clipping acts
        var startedApart = RelativeDifference(Snapshot(twin), Snapshot(model));
        var result = model.TrainStep(optimizer, torch.nn.MSELoss(), x3, y3);
        Assert.Null(model.fc2.weight!.grad);

        using (var loss = torch.nn.functional.mse_loss(twin.call(x3), y3))
        {
            loss.backward();
        }

        double exact;
        using (var scope = torch.NewDisposeScope())
        {
            exact = Math.Sqrt(twin.parameters().Sum(p => p.grad!.to(ScalarType.Float64).pow(2).sum().item<double>()));
        }

        var measured = GradientClipping.Measure(twin.named_parameters()).Total;
        var clipGradients = twin.ClipGradients();
        var coefficient = GradientClipping.Coefficient(1.0, result.GradientNorm);
        var clipCoefficient = GradientClipping.Coefficient(1.0, clipGradients);
        var exactCoefficient = GradientClipping.Coefficient(1.0, exact);
        var againstExact = Math.Abs(coefficient - exactCoefficient) / exactCoefficient;
        var againstClip = Math.Abs(coefficient - clipCoefficient) / clipCoefficient;
        var clipAgainstExact = Math.Abs(clipCoefficient - exactCoefficient) / exactCoefficient;
        _output.WriteLine($"total: low-rank {result.GradientNorm:R}, materialised (float64 sum) {exact:R}, the normal path's {measured:R}, ClipGradients() {clipGradients:R}; coefficient low-rank vs exact {againstExact:E2}, vs ClipGradients() {againstClip:E2}; ClipGradients() vs exact {clipAgainstExact:E2} (relative)");

        Assert.True(result.GradientNorm > 1.0, $"the test needs clipping to act; total {result.GradientNorm}");
        Assert.True(startedApart <= 1e-6, $"the two models started the step from the same weights ({startedApart:E2})");
        // ClipGradients() is the normal path's measurement, bit for bit. The low-rank total comes from the factors of the
        // gradient, not from the gradient: it is the exact one to 1e-6 (8e-11 from the float64 sum of the materialised
        // gradients here), and its coefficient is ClipGradients()'s to 1e-9 (TrainStepOptions.LowRankUpdates documents 4e-10).
        Assert.Equal(measured, clipGradients);
        Assert.True(clipAgainstExact <= 1e-12, $"ClipGradients() vs the materialised gradients: {clipAgainstExact:E2}");
        Assert.True(againstExact <= 1e-6, $"coefficient vs the materialised gradients: {againstExact:E2}");
        Assert.True(Math.Abs(result.GradientNorm - measured) / measured <= 1e-6, "the normal path's total");
        Assert.True(againstClip <= 1e-9, $"coefficient vs ClipGradients(): {againstClip:E2}");
    }

    [Fact]
    public void A_NaN_in_the_input_skips_the_step_with_weights_and_state_bit_identical()
    {
        torch.manual_seed(22);
        using var model = new DeepNet();
        using var optimizer = new FusedAdam(model.parameters(), square_root: Root);
        for (var step = 0; step < 3; step++)
        {
            var (x, y) = Batch("DeepNet", step);
            Assert.False(model.TrainStep(optimizer, torch.nn.MSELoss(), x, y).Skipped);
        }

        Assert.Null(model.fc2.weight!.grad); // the low-rank path ran
        var weights = Snapshot(model);
        var state = StateSnapshot(optimizer);
        var (good, target) = Batch("DeepNet", 3);
        using var poisoned = good.clone();
        poisoned[0, 0] = torch.tensor(float.NaN);
        var skipped = model.TrainStep(optimizer, torch.nn.MSELoss(), poisoned, target);

        Assert.True(skipped.Skipped);
        Assert.Contains("fc2.weight", skipped.NonFiniteParameters);
        Assert.True(weights.Zip(Snapshot(model), (a, b) => a.SequenceEqual(b)).All(same => same), "a weight changed");
        Assert.True(state.Zip(StateSnapshot(optimizer), (a, b) => a.SequenceEqual(b)).All(same => same), "the optimiser state changed");
        Assert.All(optimizer.state_dict().State.Cast<Adam.State>(), s => Assert.Equal(3, s.step));

        // The skipped step leaves the gradients as the normal path does (materialised, not finite); the next step zeroes
        // them and trains on the low-rank path again.
        using (var grad = model.fc2.weight!.grad)
        {
            Assert.NotNull(grad);
            Assert.True(grad!.isnan().any().item<bool>());
        }

        var (x4, y4) = Batch("DeepNet", 4);
        var next = model.TrainStep(optimizer, torch.nn.MSELoss(), x4, y4);
        Assert.False(next.Skipped);
        Assert.Null(model.fc2.weight!.grad);
        Assert.True(RelativeDifference(weights, Snapshot(model)) > 1e-4, "the step after the skipped one must update the weights");
    }

    public enum Fallback
    {
        OptionOff,
        Monitor,
        ClipValue,
        ClipNormTypeOne,
        TorchSharpOptimizer,
        BatchAboveLimit,
        Float64,
        UserHook,
    }

    /// <remarks>
    /// Each condition sends the step to the normal path: the big weight then has a materialised (zeroed) <c>.grad</c> after
    /// the step, where the low-rank path leaves none, and the weights equal a twin trained with the option off.
    /// </remarks>
    [Theory]
    [InlineData(Fallback.OptionOff)]
    [InlineData(Fallback.Monitor)]
    [InlineData(Fallback.ClipValue)]
    [InlineData(Fallback.ClipNormTypeOne)]
    [InlineData(Fallback.TorchSharpOptimizer)]
    [InlineData(Fallback.BatchAboveLimit)]
    [InlineData(Fallback.Float64)]
    [InlineData(Fallback.UserHook)]
    public void Each_fallback_condition_takes_the_normal_path(Fallback condition)
    {
        torch.manual_seed(23);
        using NetworkModule model = condition == Fallback.Monitor ? new MonitoredLowRankNet() : new LowRankNet();
        torch.manual_seed(23);
        using NetworkModule twin = condition == Fallback.Monitor ? new MonitoredLowRankNet() : new LowRankNet();
        twin.Trainer.Options.LowRankUpdates = false;
        var fc2 = (Linear)model.named_children().Single(c => c.name == "fc2").module;
        var batch = condition == Fallback.BatchAboveLimit ? new TrainStepOptions().LowRankMaxRows + 1 : 8;
        var dtype = condition == Fallback.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        foreach (var m in new[] { model, twin })
        {
            m.to(dtype);
            switch (condition)
            {
                case Fallback.ClipValue:
                    m.Trainer.Options.ClipValue = 0.01;
                    break;
                case Fallback.ClipNormTypeOne:
                    m.Trainer.Options.ClipNorm = 0.5;
                    m.Trainer.Options.ClipNormType = 1.0;
                    break;
            }
        }

        model.Trainer.Options.LowRankUpdates = condition != Fallback.OptionOff;
        var hook = condition == Fallback.UserHook ? fc2.register_forward_hook((_, _, output) => output) : null;
        optim.Optimizer Make(NetworkModule m) => condition == Fallback.TorchSharpOptimizer ? torch.optim.Adam(m.parameters()) : new FusedAdam(m.parameters(), square_root: Root);
        using var optimizer = Make(model);
        using var twinOptimizer = Make(twin);
        for (var step = 0; step < 3; step++)
        {
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator((ulong)(300 + step));
            var x = torch.randn(new long[] { batch, 64 }, generator: generator).to(dtype);
            var y = torch.randint(0, 10, new long[] { batch }, generator: generator);
            Assert.False(model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), x, y).Skipped);
            twin.TrainStep(twinOptimizer, torch.nn.CrossEntropyLoss(), x, y);
        }

        // TorchSharp's optimiser leaves the last gradients in place (the next step zeroes them); the fused one zeroes them.
        using var grad = fc2.weight!.grad;
        Assert.NotNull(grad);
        var largest = grad!.abs().max().to(ScalarType.Float64).item<double>();
        Assert.True(condition == Fallback.TorchSharpOptimizer ? largest > 0 : largest == 0, $"largest |gradient| {largest}");
        Assert.Equal(0.0, RelativeDifference(Snapshot(twin), Snapshot(model)));
        hook?.remove();
    }

    [Fact]
    public void The_low_rank_path_runs_on_the_same_network_without_a_fallback_condition()
    {
        // The control for the fallback tests: the same network, batch and optimiser take the low-rank path.
        torch.manual_seed(23);
        using var model = new LowRankNet();
        using var optimizer = new FusedAdam(model.parameters(), square_root: Root);
        for (var step = 0; step < 3; step++)
        {
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator((ulong)(300 + step));
            model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), torch.randn(new long[] { 8, 64 }, generator: generator), torch.randint(0, 10, new long[] { 8 }, generator: generator));
        }

        Assert.Null(model.fc2.weight!.grad);
        using var fc1Grad = model.fc1.weight!.grad;
        Assert.NotNull(fc1Grad); // 64 × 512 is below the size limit: the normal path, zeroed
        Assert.Equal(0f, fc1Grad!.abs().max().item<float>());
    }

    [Fact]
    public void A_forward_that_calls_a_layer_without_its_hooks_keeps_that_layer_on_the_normal_path()
    {
        // fc2 is called through forward(), which skips hooks: the verifying step finds its gradient unexplained by what
        // the hook saw (nothing), and the layer stays on the normal path; fc3, called through call(), takes the low-rank one.
        torch.manual_seed(24);
        using var model = new HookBypassingNet();
        torch.manual_seed(24);
        using var twin = new HookBypassingNet();
        var step = new TrainingStep(model);
        var twinStep = new TrainingStep(twin, new TrainStepOptions { LowRankUpdates = false });
        using var optimizer = new FusedSGD(model.parameters(), 1e-2, momentum: 0.9);
        using var twinOptimizer = new FusedSGD(twin.parameters(), 1e-2, momentum: 0.9);
        for (var k = 0; k < 5; k++)
        {
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator((ulong)(400 + k));
            var x = torch.randn(new long[] { 8, 64 }, generator: generator);
            var y = torch.randn(new long[] { 8, 10 }, generator: generator);
            step.Run(optimizer, (o, t) => torch.nn.functional.mse_loss(o, t), x, y);
            twinStep.Run(twinOptimizer, (o, t) => torch.nn.functional.mse_loss(o, t), x, y);
        }

        using (var fc2Grad = model.fc2.weight.grad)
        {
            Assert.NotNull(fc2Grad);
        }

        Assert.Null(model.fc3.weight.grad);
        var difference = RelativeDifference(Snapshot(twin), Snapshot(model));
        _output.WriteLine($"hook-bypassing network, 5 SGD steps: max relative |Δparameter| against the normal path {difference:E2}");
        Assert.True(difference <= 1e-6, $"{difference:E2}");
    }

    [Fact]
    public void A_backward_of_the_callers_own_between_steps_is_added_as_on_the_normal_path()
    {
        torch.manual_seed(25);
        using var model = new LowRankNet();
        torch.manual_seed(25);
        using var twin = new LowRankNet();
        twin.Trainer.Options.LowRankUpdates = false;
        using var optimizer = new FusedSGD(model.parameters(), 1e-2, momentum: 0.9);
        using var twinOptimizer = new FusedSGD(twin.parameters(), 1e-2, momentum: 0.9);
        for (var k = 0; k < 4; k++)
        {
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator((ulong)(500 + k));
            var x = torch.randn(new long[] { 8, 64 }, generator: generator);
            var y = torch.randint(0, 10, new long[] { 8 }, generator: generator);
            if (k == 3)
            {
                // The caller's own backward pass before the step: both paths must add it to the step's gradients.
                foreach (var m in new NetworkModule[] { model, twin })
                {
                    torch.nn.functional.cross_entropy(m.call(x), y).backward();
                }
            }

            model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), x, y);
            twin.TrainStep(twinOptimizer, torch.nn.CrossEntropyLoss(), x, y);
        }

        var difference = RelativeDifference(Snapshot(twin), Snapshot(model));
        _output.WriteLine($"a backward of the caller's own before step 4: max relative |Δparameter| against the normal path {difference:E2}");
        Assert.True(difference <= 1e-6, $"{difference:E2}");
    }

    /// <remarks>
    /// The kernel keeps its rows of dW in a buffer of the calling thread's, reused from call to call: a weight updated after
    /// a wider one (the buffer full of that one's rows) gets the bits it gets on a thread that never ran the kernel, and a
    /// call once the buffer is wide enough allocates nothing.
    /// </remarks>
    [Theory]
    [InlineData(AdamSquareRoot.CorrectlyRounded)]
    [InlineData(AdamSquareRoot.LibTorchMkl)]
    public void The_low_rank_kernel_reuses_its_scratch_rows_with_the_same_bits_and_no_allocation(AdamSquareRoot root)
    {
        const int rows = 8, outFeatures = 37, inFeatures = 300;
        var random = new Random(41);
        float[] Values(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        var (p, m, v) = (Values(outFeatures * inFeatures, 1f), Values(outFeatures * inFeatures, 1e-3f), Values(outFeatures * inFeatures, 1e-6f).Select(Math.Abs).ToArray());
        var (g, x) = (Values(rows * outFeatures, 1f), Values(rows * inFeatures, 1f));
        var scalars = new AdamScalars(0.75f, false, 0f, 1f, 0.9f, 0.1f, 0.999f, 0.001f, 0.05f, 1e-8f, -0.002f);

        (float[] P, float[] M, float[] V) Update()
        {
            var (pc, mc, vc) = ((float[])p.Clone(), (float[])m.Clone(), (float[])v.Clone());
            LowRankKernels.Adam(pc, mc, vc, g, x, rows, outFeatures, inFeatures, scalars, root);
            return (pc, mc, vc);
        }

        // On a thread of its own: the buffer is new, sized for this weight.
        (float[] P, float[] M, float[] V) fresh = default;
        var thread = new System.Threading.Thread(() => fresh = Update());
        thread.Start();
        thread.Join();

        // Here, after a wider weight (1,000 columns of rows left in the buffer), twice.
        const int wideIn = 1000;
        var wide = Values(4 * wideIn, 1f);
        LowRankKernels.Adam(wide, new float[4 * wideIn], new float[4 * wideIn], Values(rows * 4, 1f), Values(rows * wideIn, 1f), rows, 4, wideIn, scalars, root);
        var reused = Update();
        var (p2, m2, v2) = ((float[])p.Clone(), (float[])m.Clone(), (float[])v.Clone());
        var before = GC.GetAllocatedBytesForCurrentThread();
        LowRankKernels.Adam(p2, m2, v2, g, x, rows, outFeatures, inFeatures, scalars, root);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(reused.P, p2);

        _output.WriteLine($"{root}: reused buffer against a new one, parameter bits equal {fresh.P.SequenceEqual(reused.P)}; a call with the buffer wide enough allocated {allocated} bytes");
        Assert.Equal(fresh.P, reused.P);
        Assert.Equal(fresh.M, reused.M);
        Assert.Equal(fresh.V, reused.V);
        Assert.NotEqual(p, reused.P);
        Assert.Equal(0, allocated);
    }

    /// <summary>A module whose forward calls fc2 through <c>forward()</c> (no hooks) and fc3 through <c>call()</c>.</summary>
    private sealed class HookBypassingNet : nn.Module<Tensor, Tensor>
    {
        public readonly Linear fc1 = nn.Linear(64, 512);
        public readonly Linear fc2 = nn.Linear(512, 512);
        public readonly Linear fc3 = nn.Linear(512, 512);
        public readonly Linear fc4 = nn.Linear(512, 10);

        public HookBypassingNet() : base(nameof(HookBypassingNet))
        {
            register_module("fc1", fc1);
            register_module("fc2", fc2);
            register_module("fc3", fc3);
            register_module("fc4", fc4);
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            var x = fc1.call(input).relu();
            x = fc2.forward(x).relu();
            x = fc3.call(x).relu();
            return fc4.call(x).MoveToOuterDisposeScope();
        }
    }

    private sealed record Run(List<float[]> Initial, List<float[]> Parameters, List<float[]> State, List<long> StepCounts, List<double> Norms, List<double> Losses, bool TookLowRank);

    private static Run Train(string network, Kind kind, Path path, double? clip)
    {
        torch.manual_seed(7);
        NetworkModule model = network == "DeepNet" ? new DeepNet() : new LowRankNet();
        using var _ = model;
        model.Trainer.Options.ClipNorm = clip;
        model.Trainer.Options.LowRankUpdates = path == Path.LowRank;
        var initial = Snapshot(model);
        var lr = kind == Kind.SgdMomentum ? 1e-2 : 1e-3;
        using optim.Optimizer optimizer = (kind, path == Path.TorchSharp) switch
        {
            (Kind.Adam, false) => new FusedAdam(model.parameters(), lr: lr, square_root: Root),
            (Kind.AdamL2, false) => new FusedAdam(model.parameters(), lr: lr, weight_decay: 0.01, square_root: Root),
            (Kind.AdamW, false) => new FusedAdamW(model.parameters(), lr: lr, weight_decay: 0.01, square_root: Root),
            (_, false) => new FusedSGD(model.parameters(), lr, momentum: 0.9),
            (Kind.Adam, true) => torch.optim.Adam(model.parameters(), lr: lr),
            (Kind.AdamL2, true) => torch.optim.Adam(model.parameters(), lr: lr, weight_decay: 0.01),
            (Kind.AdamW, true) => new AdamW(model.parameters(), lr: lr, weight_decay: 0.01),
            (_, true) => torch.optim.SGD(model.parameters(), lr, momentum: 0.9),
        };

        var norms = new List<double>();
        var losses = new List<double>();
        var tookLowRank = false;
        for (var step = 0; step < Steps; step++)
        {
            var (x, y) = Batch(network, step);
            using (x)
            using (y)
            {
                var result = network == "DeepNet"
                    ? model.TrainStep(optimizer, torch.nn.MSELoss(), x, y)
                    : model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), x, y);
                Assert.False(result.Skipped);
                norms.Add(result.GradientNorm);
                losses.Add(result.Loss);
            }

            var fc2 = (Linear)model.named_children().Single(c => c.name == "fc2").module;
            using var grad = fc2.weight!.grad;
            tookLowRank |= grad is null;
        }

        var counts = ((OptimizerHelper)optimizer).state_dict().State.Select(s => s switch
        {
            Adam.State a => a.step,
            AdamW.State w => w.step,
            _ => -1L,
        }).ToList();
        return new Run(initial, Snapshot(model), StateSnapshot(optimizer), counts, norms, losses, tookLowRank);
    }

    private static (Tensor X, Tensor Y) Batch(string network, int step)
    {
        var generator = new torch.Generator((ulong)(2000 + step));
        return network == "DeepNet"
            ? (torch.randn(new long[] { 10, 100 }, generator: generator), torch.randn(new long[] { 10, 1 }, generator: generator))
            : (torch.randn(new long[] { 8, 64 }, generator: generator), torch.randint(0, 10, new long[] { 8 }, generator: generator));
    }
}
