using System.Collections.Generic;
using System.Linq;
using NetGen;
using NetGen.Monitoring;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.Monitoring;

// Networks declared with [GradientMonitor] and initialisation attributes: the generator emits the monitor, the
// probes, the initialisation and the training step (docs/gradient-monitoring.md, "Generated code contract").

/// <summary>The seed's SimpleNet with gradient monitoring on every pass.</summary>
[Linear(784, 300), ReLU, BatchNorm]
[Linear(300, 100), ReLU, BatchNorm]
[Linear(100, 10)]
[GradientMonitor(SampleEvery = 1)]
public partial class GeneratedMonitoredSimpleNet;

/// <summary>20 Linear layers with Sigmoid at PyTorch's default initialisation: the analyzers rightly warn.</summary>
#pragma warning disable NG0001, NG0002 // deliberately a network whose gradients vanish
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 64), Sigmoid]
[Linear(64, 10)]
[GradientMonitor]
public partial class Sigmoid20;
#pragma warning restore NG0001, NG0002

/// <summary>The same depth with BatchNorm, ReLU and Kaiming initialisation.</summary>
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 64), BatchNorm, ReLU]
[Linear(64, 10)]
[KaimingInit(InitDistribution.Normal)]
[GradientMonitor(SampleEvery = 1)]
public partial class ReluBatchNormKaiming20;

/// <summary>Per-layer initialisation overriding the class's, value clipping, and a declared loss.</summary>
[Linear(8, 16, Init = Init.XavierUniform), Tanh]
[Linear(16, 16), LeakyReLU(0.2)]
[Linear(16, 3)]
[KaimingInit(Mode = FanMode.FanOut)]
[ClipGradValue(0.5), ClipGradNorm(2.0)]
[Loss(LossFunction.CrossEntropy)]
[GradientMonitor(SampleEvery = 2, ExplodingRatio = 50)]
public partial class InitAndClipNet;

[Collection(nameof(SeededCollection))]
public sealed class GeneratedMonitoringTests
{
    [Fact]
    public void Generated_probes_record_parameter_gradient_norms_equal_to_the_gradients_themselves()
    {
        torch.manual_seed(41);
        using var model = new GeneratedMonitoredSimpleNet();
        using var optimizer = torch.optim.SGD(model.parameters(), 0.01);
        var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), torch.randn(32, 784), torch.randint(0, 10, new long[] { 32 }));
        var report = result.Report!;
        foreach (var (name, layer) in new (string, TorchSharp.Modules.Linear)[] { ("fc1", model.fc1), ("fc2", model.fc2), ("fc3", model.fc3) })
        {
            // TrainStep has stepped the optimiser; the recorded norm is that of the gradient it used.
            var expected = layer.weight!.grad!.norm().item<float>();
            Assert.Equal(expected, report[name].Parameter("weight")!.Value.Norm, expected * 1e-5);
        }

        Assert.Equal(7, report.Layers.Count);
        Assert.All(report.Layers, l => Assert.True(l.ActivationGradientNorm > 0, l.Name));
    }

    [Fact]
    public void Generated_20_layer_Sigmoid_network_is_reported_vanishing_and_the_ReLU_BatchNorm_Kaiming_one_is_not()
    {
        torch.manual_seed(31);
        using var sigmoid = new Sigmoid20();
        var sigmoidReports = Train(sigmoid, sigmoid.Monitor, (o, i, t) => sigmoid.TrainStep(o, (a, b) => torch.nn.functional.cross_entropy(a, b), i, t));
        var first = Assert.Single(sigmoidReports);
        Assert.True(first.Has(GradientIssue.Vanishing), string.Join(" ", first.Verdicts));
        Assert.True(first.FirstToLastRatio < 1e-3, $"ratio {first.FirstToLastRatio}");

        torch.manual_seed(32);
        using var healthy = new ReluBatchNormKaiming20();
        var healthyReports = Train(healthy, healthy.Monitor, (o, i, t) => healthy.TrainStep(o, (a, b) => torch.nn.functional.cross_entropy(a, b), i, t));
        Assert.Equal(10, healthyReports.Count);
        Assert.All(healthyReports, r => Assert.False(r.Has(GradientIssue.Vanishing), string.Join(" ", r.Verdicts)));
        Assert.All(healthyReports, r => Assert.InRange(r.FirstToLastRatio, 1e-3, 70));
    }

    [Fact]
    public void Declared_initialisation_clipping_and_loss_reach_the_generated_module()
    {
        torch.manual_seed(43);
        using var model = new InitAndClipNet();
        // fc1: Xavier uniform with Tanh's gain 5/3: bound = 5/3·sqrt(6/(8+16)) = 0.8333.
        Assert.InRange(model.fc1.weight!.abs().max().item<float>(), 0.6, 0.8334);
        // fc2: class-level Kaiming uniform, fan-out mode, LeakyReLU(0.2) gain sqrt(2/(1+0.04)): bound = gain·sqrt(3/16) = 0.6005.
        Assert.InRange(model.fc2.weight!.abs().max().item<float>(), 0.45, 0.6006);
        Assert.Equal(0.0, model.fc2.bias!.abs().max().item<float>(), 0);
        Assert.Equal(2.0, model.Trainer.Options.ClipNorm);
        Assert.Equal(0.5, model.Trainer.Options.ClipValue);
        Assert.Same(model.Monitor, model.Trainer.Options.Monitor);
        Assert.Equal(2, model.Monitor.Options.SampleEvery);
        Assert.Equal(50, model.Monitor.Options.ExplodingRatio);

        using var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        var result = model.TrainStep(optimizer, torch.randn(16, 8) * 100, torch.randint(0, 3, new long[] { 16 }));
        Assert.False(result.Skipped);
        Assert.True(result.ClippedNorm <= 2.0 + 1e-5, $"clipped norm {result.ClippedNorm}");
    }

    [Fact]
    public void Monitored_network_snapshot()
    {
        var run = GeneratorHarness.Run(SourceFiles.Read("Monitoring/GeneratedMonitoringTests.cs"));
        // This file also holds the tests, whose references the in-memory compilation lacks: check the generator's side only.
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.Empty(run.GeneratorDiagnostics);
        GoldenFile.Verify(run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Monitoring.InitAndClipNet.g.cs").Text, "InitAndClipNet");
    }

    private static List<GradientReport> Train(torch.nn.Module<torch.Tensor, torch.Tensor> model, GradientMonitor monitor, System.Func<torch.optim.Optimizer, torch.Tensor, torch.Tensor, NetGen.Training.TrainStepResult> step)
    {
        using var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        using var input = torch.randn(64, 64);
        using var labels = torch.randint(0, 10, new long[] { 64 });
        var reports = new List<GradientReport>();
        for (var i = 0; i < 10; i++)
        {
            var result = step(optimizer, input, labels);
            Assert.False(result.Skipped);
            if (result.Report is { } report)
            {
                reports.Add(report);
            }
        }

        Assert.Same(reports.LastOrDefault(), monitor.Latest ?? reports.LastOrDefault());
        return reports;
    }
}
