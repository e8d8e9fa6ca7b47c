using System;
using System.Linq;
using NetGen.GradientLab;
using NetGen.GradientLab.Measurement;
using NetGen.Monitoring;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;

namespace NetGen.Tests.GradientLab;

/// <summary>
/// The lab's gradient probe is NetGen's generated <c>Monitor</c>: what it reports per Linear layer must be what
/// <c>weight.grad</c> holds, and its verdicts must be the monitor's.
/// </summary>
[Collection(GradientLabCollection.Name)]
public sealed class MonitorProbeTests
{
    [Theory]
    [InlineData("sigmoid", 10)]
    [InlineData("residual", 10)]
    [InlineData("relu-bn", 10)]
    public void The_probe_reports_each_Linear_weight_gradient_as_p_grad_holds_it(string id, int linears)
    {
        torch.set_num_threads(1);
        torch.manual_seed(3);
        var network = LabVariant.All.Single(v => v.Id == id).Create();
        using var module = network.Module;
        var probe = GradientProbes.Create(network);
        module.train();

        for (var step = 1; step <= 2; step++)
        {
            using var scope = torch.NewDisposeScope();
            module.zero_grad();
            var input = torch.randn(32, 2);
            var target = torch.randint(0, 3, [32]);
            var loss = torch.nn.functional.cross_entropy(network.Forward(input, probe.LayerObserver), target);
            loss.backward();
            probe.AfterBackward(step);
        }

        var report = probe.Finish();

        // Every Linear, residual blocks' included, in forward order; named as in the module tree.
        var expected = module.named_modules().Where(m => m.module is Linear).ToArray();
        Assert.Equal(linears, report.Layers.Count);
        Assert.Equal(expected.Select(m => m.name).Order(), report.Layers.Order());
        Assert.Equal([1, 2], report.Samples.Select(s => s.Step));

        // The last sample against the gradients left by the last backward pass.
        var last = report.Samples[^1];
        for (var i = 0; i < report.Layers.Count; i++)
        {
            var linear = (Linear)expected.Single(m => m.name == report.Layers[i]).module;
            using var grad = linear.weight!.grad!;
            using var abs = grad.abs();
            AssertClose(grad.norm().item<float>(), last.Norm[i]);
            AssertClose(abs.mean().item<float>(), last.MeanAbs[i]);
            AssertClose(abs.max().item<float>(), last.MaxAbs[i]);
        }

        // The ratio is the monitor's own: first Linear over last, median over the two steps (the larger one).
        var ratios = network.Monitor.Reports.Select(r => r.FirstToLastRatio).Order().ToArray();
        Assert.Equal(2, ratios.Length);
        Assert.Equal(ratios[1], report.FirstLastRatio);
        AssertClose(last.Norm[0] / last.Norm[^1], network.Monitor.Latest!.FirstToLastRatio);

        // ReLU zero fractions come from the monitor's ReLU layers.
        var reluLayers = network.Monitor.Layers.Where(l => l.Kind == LayerKind.ReLU).Select(l => l.Name).ToArray();
        Assert.Equal(reluLayers, report.ReluLayers);
        Assert.Equal(reluLayers.Length == 0 ? 0 : 2, report.ActivationSamples.Count);
        Assert.All(report.ActivationSamples, a => Assert.All(a.ZeroFraction, z => Assert.InRange(z, 0.0, 1.0)));
    }

    [Fact]
    public void The_verdicts_summarise_the_monitors_per_step_verdicts()
    {
        torch.set_num_threads(1);
        torch.manual_seed(5);
        var network = LabVariant.All.Single(v => v.Id == "sigmoid").Create();
        using var module = network.Module;
        var probe = GradientProbes.Create(network);
        module.train();
        for (var step = 1; step <= 4; step++)
        {
            using var scope = torch.NewDisposeScope();
            module.zero_grad();
            var loss = torch.nn.functional.cross_entropy(network.Forward(torch.randn(32, 2), null), torch.randint(0, 3, [32]));
            loss.backward();
            probe.AfterBackward(step);
        }

        var report = probe.Finish();
        var monitorSteps = network.Monitor.Reports.Count(r => r.Verdicts.Any(v => v.Rule == GradientRule.FirstToLastRatioLow));

        // Ten sigmoid layers at PyTorch's default initialisation: the monitor's ratio rule fires on every step.
        Assert.Equal(4, monitorSteps);
        Assert.True(report.Verdicts.Vanishing);
        Assert.False(report.Verdicts.Exploding);
        Assert.Equal("vanishing", report.Verdicts.Words);
        Assert.Contains(report.Verdicts.Evidence, e => e.StartsWith("vanishing (FirstToLastRatioLow) on 4 of 4 steps", StringComparison.Ordinal));
        Assert.Contains("GradientMonitor", report.Thresholds, StringComparison.Ordinal);
    }

    [Fact]
    public void A_monitor_that_skips_steps_is_refused_with_a_message_naming_the_option()
    {
        torch.manual_seed(1);
        var network = LabVariant.All[0].Create();
        using var module = network.Module;
        network.Monitor.Options.SampleEvery = 10;
        var error = Assert.Throws<ArgumentException>(() => GradientProbes.Create(network));
        Assert.Contains("SampleEvery = 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("it is 10", error.Message, StringComparison.Ordinal);
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Abs(expected) + 1e-12, $"expected {expected}, got {actual}");
}
