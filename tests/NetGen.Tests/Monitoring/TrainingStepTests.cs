using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Monitoring;
using NetGen.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Monitoring;

/// <summary>The training step: the finiteness check before clipping and the optimiser, clipping by value and by norm, and learning.</summary>
[Collection(SeededCollection.Name)]
public sealed class TrainingStepTests
{
    [Fact]
    public void An_injected_NaN_gradient_skips_the_step_and_leaves_every_parameter_and_buffer_bit_for_bit_unchanged()
    {
        torch.manual_seed(41);
        using var model = new MonitoredSimpleNet();
        using var optimizer = torch.optim.Adam(model.parameters(), 1e-2);
        using var input = torch.randn(32, 784);
        using var labels = torch.randint(0, 10, new long[] { 32 });
        var skipped = new List<TrainStepResult>();
        var verdicts = new List<GradientVerdict>();
        model.Trainer.StepSkipped += (_, r) => skipped.Add(r);
        model.Monitor.VerdictRaised += (_, v) => verdicts.Add(v);
        for (var i = 0; i < 2; i++)
        {
            Assert.False(model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, labels).Skipped);
        }

        var parametersBefore = Snapshot(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
        var buffersBefore = Snapshot(model.named_buffers());

        // One NaN in one input row: it reaches every gradient, and the BatchNorm running statistics in the forward pass.
        using var poisoned = input.clone();
        using (torch.no_grad())
        using (var element = poisoned[3, 5])
        {
            element.fill_(float.NaN);
        }

        var result = model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), poisoned, labels);

        Assert.True(result.Skipped);
        Assert.Equal(3, result.Step);
        Assert.True(double.IsNaN(result.GradientNorm));
        Assert.Equal(10, result.NonFiniteParameters.Count);
        Assert.Contains("fc1.weight", result.NonFiniteParameters);
        Assert.Same(result, Assert.Single(skipped));
        Assert.Equal(1, model.Trainer.SkippedSteps);
        AssertBitwiseEqual(parametersBefore, Snapshot(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter))));
        AssertBitwiseEqual(buffersBefore, Snapshot(model.named_buffers()));

        // Step 3 was not sampled (every 10th is), so the step told the monitor itself.
        var verdict = Assert.Single(verdicts);
        Assert.Equal(GradientRule.NonFinite, verdict.Rule);
        Assert.Equal(GradientIssue.Exploding, verdict.Issue);
        Assert.Equal(3, verdict.Step);
        Assert.Contains("skipped", verdict.Message);

        // Training goes on from where it was.
        var next = model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, labels);
        Assert.False(next.Skipped);
        Assert.NotEqual(parametersBefore["fc1.weight"], Snapshot(new[] { ("fc1.weight", (Tensor)model.fc1.weight!) })["fc1.weight"]);
    }

    [Fact]
    public void A_NaN_in_one_parameters_gradient_is_named_and_the_other_gradients_are_left_alone()
    {
        torch.manual_seed(42);
        using var model = new MonitoredSimpleNet();
        model.Monitor.Options.SampleEvery = 1;
        using var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        using var input = torch.randn(16, 784);
        using var labels = torch.randint(0, 10, new long[] { 16 });
        var verdicts = new List<GradientVerdict>();
        model.Monitor.VerdictRaised += (_, v) => verdicts.Add(v);
        var fc3Bias = model.fc3.bias!;

        // d/d(fc3.bias) of NaN · Σ fc3.bias is NaN; no other parameter is touched by that term.
        var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t) + (fc3Bias.sum() * float.NaN), input, labels);

        Assert.True(result.Skipped);
        Assert.Equal(new[] { "fc3.bias" }, result.NonFiniteParameters);
        using (var fc1Grad = model.fc1.weight!.grad!)
        {
            Assert.True(fc1Grad.isfinite().all().item<bool>());
        }

        // A sampled step: the report carries the verdict, and it is raised once.
        var verdict = Assert.Single(verdicts, v => v.Rule == GradientRule.NonFinite);
        Assert.Equal("fc3", verdict.Layer);
        Assert.False(result.Report!.AllFinite);

        // What TorchSharp's own clip_grad_norm_ would have done with the same gradients: NaN everywhere.
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        using var spoiled = model.fc1.weight!.grad!;
        Assert.True(spoiled.isnan().all().item<bool>());
    }

    [Fact]
    public void ClipGradValue_clamps_every_gradient_entry_and_leaves_the_others_exact()
    {
        torch.manual_seed(43);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 3, Width: 32, Inputs: 16, Outputs: 4, MlpActivation.ReLU, ClipValue: 0.01));
        using var input = torch.randn(32, 16);
        using var labels = torch.randint(0, 4, new long[] { 32 });
        var unclipped = Gradients(model, input, labels);

        using var optimizer = torch.optim.SGD(model.parameters(), 0.0);
        var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), input, labels);

        var clamped = 0L;
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var grad = parameter.grad!;
            using var expected = unclipped[name].clamp(-0.01, 0.01);
            Assert.Equal(0.0, (grad - expected).abs().max().item<float>());
            Assert.True(grad.abs().max().item<float>() <= 0.01f);
            clamped += (unclipped[name].abs() > 0.01).sum().item<long>();
        }

        Assert.True(clamped > 0, "the test needs entries above 0.01");
        Assert.True(result.ClippedNorm < result.GradientNorm);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(double.PositiveInfinity)]
    public void ClipGradNorm_clips_like_clip_grad_norm_for_norm_type(double normType)
    {
        torch.manual_seed(44);
        const double maxNorm = 0.05;
        using var model = new DeepMlp(new MlpDeclaration(Depth: 3, Width: 32, Inputs: 16, Outputs: 4, MlpActivation.Tanh, ClipNorm: maxNorm, ClipNormType: normType));
        using var input = torch.randn(32, 16);
        using var labels = torch.randint(0, 4, new long[] { 32 });

        // The reference: the same gradients, clipped by TorchSharp's clip_grad_norm_.
        var reference = Gradients(model, input, labels);
        double referenceTotal;
        {
            var parameters = model.named_parameters().ToList();
            foreach (var (name, parameter) in parameters)
            {
                parameter.grad = reference[name].clone();
            }

            referenceTotal = torch.nn.utils.clip_grad_norm_(parameters.Select(p => p.parameter), maxNorm, normType);
            foreach (var (name, parameter) in parameters)
            {
                using var grad = parameter.grad!;
                reference[name] = grad.clone();
            }
        }

        using var optimizer = torch.optim.SGD(model.parameters(), 0.0);
        var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), input, labels);

        Assert.True(referenceTotal > maxNorm, $"the test needs clipping to act; total {referenceTotal}");
        Assert.Equal(referenceTotal, result.GradientNorm, referenceTotal * 1e-5);
        var perParameter = new List<double>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var grad = parameter.grad!;
            Assert.True((grad - reference[name]).abs().max().item<float>() <= 1e-7, name);
            perParameter.Add(torch.linalg.vector_norm(grad, normType).item<float>());
        }

        var after = double.IsPositiveInfinity(normType) ? perParameter.Max() : Math.Pow(perParameter.Sum(n => Math.Pow(n, normType)), 1 / normType);
        Assert.True(after <= maxNorm * (1 + 1e-6), $"post-clip norm {after}");
        Assert.Equal(after, result.ClippedNorm, maxNorm * 1e-5);
    }

    [Fact]
    public void GradientClipping_ClipNorm_for_hand_written_loops_clips_finite_gradients_and_leaves_non_finite_ones_alone()
    {
        torch.manual_seed(47);
        using var model = new DeepMlp(new MlpDeclaration(Depth: 3, Width: 32, Inputs: 16, Outputs: 4, MlpActivation.ReLU));
        using var input = torch.randn(32, 16);
        using var labels = torch.randint(0, 4, new long[] { 32 });
        var gradients = Gradients(model, input, labels);
        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.grad = gradients[name].clone();
        }

        var norm = GradientClipping.ClipNorm(model.named_parameters(), 0.01);
        var after = Math.Sqrt(model.parameters().Sum(p => { using var g = p.grad!; return Math.Pow(g.norm().item<float>(), 2); }));
        var before = Math.Sqrt(gradients.Values.Sum(g => Math.Pow(g.norm().item<float>(), 2)));

        Assert.True(norm.IsFinite);
        Assert.Empty(norm.NonFinite);
        Assert.Equal(before, norm.Total, before * 1e-5);
        Assert.True(after <= 0.01 * (1 + 1e-6), $"post-clip norm {after}");

        // An infinite entry in fc2.weight's gradient: reported by name, nothing scaled.
        using (var fc2 = model.Linears[1].weight!.grad!)
        using (var entry = fc2[0, 0])
        {
            entry.fill_(float.PositiveInfinity);
        }

        var snapshot = Snapshot(model.named_parameters().Select(p => { using var g = p.parameter.grad!; return (p.name, g.clone()); }));
        var bad = GradientClipping.ClipNorm(model.named_parameters(), 0.01);

        Assert.False(bad.IsFinite);
        Assert.Equal(new[] { "fc2.weight" }, bad.NonFinite);
        Assert.True(double.IsPositiveInfinity(bad.Total));
        AssertBitwiseEqual(snapshot, Snapshot(model.named_parameters().Select(p => { using var g = p.parameter.grad!; return (p.name, g.clone()); })));
    }

    [Fact]
    public void Statistics_of_float64_gradients_equal_those_of_p_grad_too()
    {
        torch.manual_seed(48);
        using var model = new MonitoredSimpleNet();
        model.to(ScalarType.Float64);
        using var input = torch.randn(new long[] { 16, 784 }, dtype: ScalarType.Float64);
        using var labels = torch.randint(0, 10, new long[] { 16 });
        using (var output = model.call(input))
        using (var loss = torch.nn.functional.cross_entropy(output, labels))
        {
            loss.backward();
        }

        var report = model.Monitor.AfterBackward()!;
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var grad = parameter.grad!;
            Assert.Equal(ScalarType.Float64, grad.dtype);
            var layer = name[..name.IndexOf('.')];
            var stats = report[layer].Parameter(name[(name.IndexOf('.') + 1)..])!.Value;
            Assert.Equal(grad.norm().item<double>(), stats.Norm, 1e-12 * stats.Norm);
            Assert.Equal(grad.abs().max().item<double>(), stats.MaxAbs);
            Assert.Equal(grad.abs().mean().item<double>(), stats.MeanAbs, 1e-12 * stats.MeanAbs);
        }

        Assert.True(report["fc1"].ActivationGradientNorm > 0);
    }

    [Fact]
    public void TrainStep_with_Adam_lowers_the_loss_and_runs_finalizers_on_its_budget()
    {
        torch.manual_seed(45);
        using var model = new MonitoredSimpleNet();
        using var optimizer = torch.optim.Adam(model.parameters(), 1e-3);
        using var input = torch.randn(64, 784);
        using var labels = torch.randint(0, 10, new long[] { 64 });
        var losses = new List<double>();
        for (var step = 0; step < 20; step++)
        {
            losses.Add(model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, labels).Loss);
        }

        Assert.True(losses[^1] < losses[0] * 0.5, $"loss went from {losses[0]} to {losses[^1]}");
        Assert.Equal(20, model.Trainer.Steps);
        Assert.InRange(model.Trainer.MemoryReclaims, 1, 20);
        Assert.Equal(2, model.Monitor.Reports.Count);

        model.Trainer.Options.ReclaimBudget = 0;
        var before = model.Trainer.MemoryReclaims;
        model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, labels);
        Assert.Equal(before, model.Trainer.MemoryReclaims);
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_problem_named()
    {
        var options = new TrainStepOptions();
        Assert.Contains("ClipNorm", Assert.Throws<ArgumentOutOfRangeException>(() => options.ClipNorm = -1).Message);
        Assert.Contains("ClipValue", Assert.Throws<ArgumentOutOfRangeException>(() => options.ClipValue = 0).Message);
        Assert.Contains("norm type", Assert.Throws<ArgumentOutOfRangeException>(() => options.ClipNormType = 0).Message);
        Assert.Contains("ReclaimBudget", Assert.Throws<ArgumentOutOfRangeException>(() => options.ReclaimBudget = 2).Message);

        torch.manual_seed(46);
        using var model = new MonitoredSimpleNet();
        using var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        using var input = torch.randn(4, 784);
        using var labels = torch.randint(0, 10, new long[] { 4 });
        var error = Assert.Throws<ArgumentException>(() => model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t, reduction: nn.Reduction.None), input, labels));
        Assert.Contains("shape [4]", error.Message);
    }

    /// <summary>The gradients of one cross-entropy backward pass, by name, computed without the training step.</summary>
    private static Dictionary<string, Tensor> Gradients(nn.Module<Tensor, Tensor> model, Tensor input, Tensor labels)
    {
        model.zero_grad();
        using (var output = model.call(input))
        using (var loss = torch.nn.functional.cross_entropy(output, labels))
        {
            loss.backward();
        }

        var gradients = new Dictionary<string, Tensor>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var grad = parameter.grad!;
            gradients[name] = grad.clone();
        }

        model.zero_grad();
        return gradients;
    }

    private static Dictionary<string, byte[]> Snapshot(IEnumerable<(string name, Tensor tensor)> tensors) =>
        tensors.ToDictionary(t => t.name, t => t.tensor.bytes.ToArray());

    private static void AssertBitwiseEqual(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} changed");
        }
    }
}
