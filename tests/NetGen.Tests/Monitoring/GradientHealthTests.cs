using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Monitoring;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Monitoring;

/// <summary>
/// The verdicts on networks built to have each problem, and on one built not to. Width 64, batch 64, a few steps each.
/// </summary>
[Collection(SeededCollection.Name)]
public sealed class GradientHealthTests
{
    private readonly ITestOutputHelper output;

    public GradientHealthTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void A_20_layer_Sigmoid_MLP_at_default_initialisation_is_reported_vanishing_within_10_steps()
    {
        torch.manual_seed(31);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 20, Width: 64, Inputs: 64, Outputs: 10, MlpActivation.Sigmoid));
        var reports = Train(model, steps: 10, learningRate: 0.1);

        // Default sampling (every 10th pass, from the first): step 1 is sampled.
        var report = Assert.Single(reports);
        Assert.Equal(1, report.Step);
        var verdict = Assert.Single(report.Verdicts, v => v.Rule == GradientRule.FirstToLastRatioLow);
        Assert.Equal(GradientIssue.Vanishing, verdict.Issue);
        Assert.Equal("fc1", verdict.Layer);
        Assert.True(verdict.Value < 1e-3, $"ratio {verdict.Value}");
        Assert.True(report["fc1"].Parameter("weight")!.Value.Norm < 1e-4);
        Assert.Equal(verdict.Value, report.FirstToLastRatio);

        // DeepDiagnosis agrees from fc1 on: mean |g| below 1e-7, and it grows layer by layer towards the output.
        var meanAbs = report.Verdicts.Where(v => v.Rule == GradientRule.MeanAbsGradientLow).ToArray();
        Assert.Contains(meanAbs, v => v.Layer == "fc1");
        var fcMeans = report.Layers.Where(l => l.Kind == LayerKind.Affine).Select(l => l.MeanAbs!.Value).ToArray();
        Assert.True(fcMeans[0] < fcMeans[^1] * 1e-6, $"fc1 mean|g| {fcMeans[0]}, fc20 mean|g| {fcMeans[^1]}");
        Assert.False(report.Has(GradientIssue.Exploding));
        Assert.False(report.Has(GradientIssue.DyingReLU));
        output.WriteLine(report.ToString());
    }

    [Fact]
    public void The_same_depth_with_ReLU_BatchNorm_and_Kaiming_is_healthy()
    {
        torch.manual_seed(32);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 20, Width: 64, Inputs: 64, Outputs: 10, MlpActivation.ReLU, BatchNorm: true, Init: NetGen.Init.KaimingNormal, SampleEvery: 1));
        var reports = Train(model, steps: 10, learningRate: 0.1);

        Assert.Equal(10, reports.Count);
        Assert.All(reports, r => Assert.True(r.IsHealthy, string.Join(" ", r.Verdicts)));
        Assert.All(reports, r => Assert.InRange(r.FirstToLastRatio, 1e-3, 70));
        Assert.All(reports, r => Assert.All(r.Layers.Where(l => l.Kind == LayerKind.ReLU), l => Assert.InRange(l.ZeroFraction!.Value, 0.3, 0.7)));
        output.WriteLine(string.Join(", ", reports.Select(r => $"step {r.Step}: ratio {r.FirstToLastRatio:G3}")));
    }

    [Fact]
    public void A_deep_ReLU_stack_with_large_weights_is_reported_exploding_and_skips_its_non_finite_steps()
    {
        var (model, reports) = ExplodingRun(clipNorm: null);
        using (model)
        {
            var exploding = reports.SelectMany(r => r.Verdicts).Where(v => v.Issue == GradientIssue.Exploding).ToArray();
            Assert.NotEmpty(exploding);
            Assert.Contains(exploding, v => v.Rule == GradientRule.NonFinite);
            Assert.True(reports.First(r => r.Has(GradientIssue.Exploding)).Step <= 3);
            Assert.True(model.Trainer.SkippedSteps > 0, "the non-finite steps must have been skipped");
            Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>(), "a skipped step must leave the weights finite"));
            output.WriteLine(string.Join(Environment.NewLine, exploding.Take(3).Select(v => v.Message)));
        }
    }

    [Fact]
    public void With_ClipGradNorm_1_the_same_network_keeps_training_with_a_post_clip_norm_of_at_most_1()
    {
        var (model, reports) = ExplodingRun(clipNorm: 1.0, checkEachStep: (model, result) =>
        {
            // The total L2 norm of the gradients the optimiser used, measured directly.
            var total = Math.Sqrt(model.parameters().Sum(p => { using var g = p.grad!; return Math.Pow(g.norm().item<float>(), 2); }));
            Assert.True(total <= 1.0 + 1e-6, $"step {result.Step}: post-clip norm {total}");
            Assert.Equal(total, result.ClippedNorm, 1e-5);
            Assert.False(result.Skipped);
            Assert.True(result.GradientNorm > 1.0, $"step {result.Step}: the test needs clipping to act, pre-clip norm {result.GradientNorm}");
        });
        using (model)
        {
            Assert.Equal(0, model.Trainer.SkippedSteps);
            Assert.All(reports, r => Assert.True(r.AllFinite));
            Assert.True(reports[^1].Step == 12);
        }
    }

    [Fact]
    public void AUTOTRAINERs_ratio_rule_fires_when_the_first_layer_gradient_is_over_70_times_the_last()
    {
        // Scaling fc1's input up and its weight down by the same factor leaves the forward pass as it was but multiplies
        // fc1's weight gradient (input × output gradient) by that factor.
        torch.manual_seed(34);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 4, Width: 64, Inputs: 64, Outputs: 10, MlpActivation.ReLU, Init: NetGen.Init.KaimingNormal, SampleEvery: 1));
        using var optimizer = torch.optim.SGD(model.parameters(), 0.0);
        using var input = torch.randn(64, 64);
        using var labels = torch.randint(0, 10, new long[] { 64 });
        var before = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), input, labels).Report!;
        using (torch.no_grad())
        {
            model.Linears[0].weight!.div_(1000);
        }

        using var scaled = input * 1000;
        var after = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), scaled, labels).Report!;

        Assert.False(before.Has(GradientIssue.Exploding));
        Assert.Equal(before.FirstToLastRatio * 1000, after.FirstToLastRatio, after.FirstToLastRatio * 1e-3);
        var verdict = Assert.Single(after.Verdicts, v => v.Rule == GradientRule.FirstToLastRatioHigh);
        Assert.Equal(GradientIssue.Exploding, verdict.Issue);
        Assert.Equal(70, verdict.Threshold);
        Assert.True(verdict.Value > 70);

        // Overridable: a higher threshold silences it.
        model.Monitor.Options.ExplodingRatio = after.FirstToLastRatio * 2;
        var again = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), scaled, labels).Report!;
        Assert.DoesNotContain(again.Verdicts, v => v.Rule == GradientRule.FirstToLastRatioHigh);
    }

    [Fact]
    public void TheDeepCheckers_growth_rule_fires_when_the_total_norm_doubles_over_5_rising_samples()
    {
        // A fixed batch with learning rate 0 and a loss scaled by 1.25 per step: the gradient norm grows by exactly 1.25 per
        // sample, so the 5-sample window grows 1.25^4 ≈ 2.44 ≥ 2 at the 5th sample and not before.
        torch.manual_seed(35);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 3, Width: 32, Inputs: 16, Outputs: 4, MlpActivation.Tanh, SampleEvery: 1));
        using var optimizer = torch.optim.SGD(model.parameters(), 0.0);
        using var input = torch.randn(32, 16);
        using var labels = torch.randint(0, 4, new long[] { 32 });
        var reports = new List<GradientReport>();
        for (var step = 0; step < 6; step++)
        {
            var scale = Math.Pow(1.25, step);
            reports.Add(model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t) * scale, input, labels).Report!);
        }

        for (var i = 1; i < reports.Count; i++)
        {
            Assert.Equal(1.25, reports[i].TotalNorm / reports[i - 1].TotalNorm, 1e-4);
        }

        Assert.All(reports.Take(4), r => Assert.DoesNotContain(r.Verdicts, v => v.Rule == GradientRule.NormGrowth));
        var verdict = Assert.Single(reports[4].Verdicts, v => v.Rule == GradientRule.NormGrowth);
        Assert.Equal(Math.Pow(1.25, 4), verdict.Value, 1e-3);
        Assert.Equal(2, verdict.Threshold);
        Assert.Contains(reports[5].Verdicts, v => v.Rule == GradientRule.NormGrowth);
    }

    [Fact]
    public void The_growth_rule_ignores_a_run_of_rises_that_stays_below_an_earlier_peak()
    {
        // A spike (×8), then five rises by ×1.25 (2.44× over the window, enough for the factor) that stay below the
        // spike: batch-to-batch noise after a large step, not an explosion. The rule fires once the norm passes the spike.
        torch.manual_seed(37);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 3, Width: 32, Inputs: 16, Outputs: 4, MlpActivation.Tanh, SampleEvery: 1));
        using var optimizer = torch.optim.SGD(model.parameters(), 0.0);
        using var input = torch.randn(32, 16);
        using var labels = torch.randint(0, 4, new long[] { 32 });
        var scales = new[] { 8.0 }.Concat(Enumerable.Range(0, 11).Select(k => Math.Pow(1.25, k))).ToArray();
        var reports = scales
            .Select(scale => model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t) * scale, input, labels).Report!)
            .ToList();

        // 1.25^9 ≈ 7.45 < 8 < 1.25^10 ≈ 9.31: the first new high is the 12th sample.
        Assert.All(reports.Take(11), r => Assert.DoesNotContain(r.Verdicts, v => v.Rule == GradientRule.NormGrowth));
        var verdict = Assert.Single(reports[11].Verdicts, v => v.Rule == GradientRule.NormGrowth);
        Assert.Equal(Math.Pow(1.25, 4), verdict.Value, 1e-3);
        Assert.Contains("above every earlier sample", verdict.Message);
        Assert.True(reports[11].TotalNorm > reports[0].TotalNorm);
    }

    [Fact]
    public void A_ReLU_layer_pushed_dead_by_a_large_negative_bias_is_reported_dying()
    {
        // PyTorch's default initialisation (random biases): fc3, fed only zeros, outputs its bias, so relu3 is not dead too.
        torch.manual_seed(36);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 4, Width: 64, Inputs: 64, Outputs: 10, MlpActivation.ReLU, SampleEvery: 1));
        using (torch.no_grad())
        {
            model.Linears[1].bias!.fill_(-50);
        }

        var reports = Train(model, steps: 2, learningRate: 0.1);

        foreach (var report in reports)
        {
            var dying = Assert.Single(report.Verdicts, v => v.Issue == GradientIssue.DyingReLU);
            Assert.Equal("relu2", dying.Layer);
            Assert.Equal(1.0, dying.Value);
            Assert.Equal(0.7, dying.Threshold);
            Assert.InRange(report["relu1"].ZeroFraction!.Value, 0.3, 0.7);
            Assert.Equal(1.0, report["relu2"].DeadFraction);
            Assert.InRange(report["relu1"].DeadFraction!.Value, 0.0, 0.3);

            // Nothing flows back through a dead layer: fc1 and fc2 get no gradient at all.
            Assert.Equal(0.0, report["fc1"].Norm);
            Assert.Equal(0.0, report["relu1"].ActivationGradientNorm);
        }
    }

    private static List<GradientReport> Train(DeepMlp model, int steps, double learningRate)
    {
        using var optimizer = torch.optim.SGD(model.parameters(), learningRate);
        using var input = torch.randn(64, model.Declaration.Inputs);
        using var labels = torch.randint(0, model.Declaration.Outputs, new long[] { 64 });
        var reports = new List<GradientReport>();
        for (var step = 0; step < steps; step++)
        {
            var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), input, labels);
            Assert.False(result.Skipped);
            if (result.Report is { } report)
            {
                reports.Add(report);
            }
        }

        return reports;
    }

    /// <summary>10 ReLU layers whose weights are 1.5 × √6 times PyTorch's default, MSE against random targets, SGD 0.01.</summary>
    private static (DeepMlp Model, List<GradientReport> Reports) ExplodingRun(double? clipNorm, Action<DeepMlp, NetGen.Training.TrainStepResult>? checkEachStep = null)
    {
        torch.manual_seed(33);
        var model = new DeepMlp(new MlpDeclaration(Depth: 10, Width: 64, Inputs: 64, Outputs: 10, MlpActivation.ReLU, ClipNorm: clipNorm, SampleEvery: 1));
        using (torch.no_grad())
        {
            foreach (var linear in model.Linears)
            {
                linear.weight!.mul_(1.5 * Math.Sqrt(6));
            }
        }

        using var optimizer = torch.optim.SGD(model.parameters(), 0.01);
        using var input = torch.randn(64, 64);
        using var targets = torch.randn(64, 10);
        var reports = new List<GradientReport>();
        for (var step = 0; step < 12; step++)
        {
            var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.mse_loss(o, t), input, targets);
            checkEachStep?.Invoke(model, result);
            reports.Add(result.Report!);
        }

        return (model, reports);
    }
}
