using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Monitoring;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Monitoring;

/// <summary>
/// What the monitor records equals what TorchSharp computes directly: parameter-gradient statistics against
/// <c>p.grad</c>, output-gradient norms against <c>retain_grad()</c>, zero fractions against the ReLU outputs.
/// </summary>
[Collection(SeededCollection.Name)]
public sealed class GradientRecordingTests
{
    private const double RelativeTolerance = 1e-5;

    [Fact]
    public void Parameter_gradient_norm_mean_and_max_equal_those_of_p_grad()
    {
        torch.manual_seed(21);
        using var model = new MonitoredSimpleNet();
        using var input = torch.randn(64, 784);
        using var labels = torch.randint(0, 10, new long[] { 64 });

        using (var output = model.call(input))
        using (var loss = torch.nn.functional.cross_entropy(output, labels))
        {
            loss.backward();
        }

        var report = model.Monitor.AfterBackward();

        Assert.NotNull(report);
        var compared = 0;
        foreach (var layer in model.Monitor.Layers.Where(l => l.Module is not null))
        {
            var stats = report![layer.Name];
            Assert.Equal(2, stats.Parameters.Count);
            foreach (var (name, parameter) in layer.Module!.named_parameters())
            {
                using var grad = parameter.grad!;
                using var abs = grad.abs();
                var recorded = stats.Parameter(name)!.Value;
                AssertClose(grad.norm().item<float>(), recorded.Norm, $"{layer.Name}.{name} norm");
                AssertClose(abs.mean().item<float>(), recorded.MeanAbs, $"{layer.Name}.{name} mean|g|");
                AssertClose(abs.max().item<float>(), recorded.MaxAbs, $"{layer.Name}.{name} max|g|");
                Assert.Equal(grad.numel(), recorded.Count);
                compared++;
            }

            // The layer's own numbers combine its parameters: sqrt(Σ‖g‖²), Σ|g| / n, max.
            var norms = layer.Module.parameters().Select(p => { using var g = p.grad!; return (double)g.norm().item<float>(); }).ToArray();
            AssertClose(Math.Sqrt(norms.Sum(n => n * n)), stats.Norm!.Value, $"{layer.Name} layer norm");
        }

        Assert.Equal(10, compared);
        var total = Math.Sqrt(model.parameters().Sum(p => { using var g = p.grad!; return Math.Pow(g.norm().item<float>(), 2); }));
        AssertClose(total, report!.TotalNorm, "total norm");
        AssertClose(report["fc1"].Parameter("weight")!.Value.Norm / report["fc3"].Parameter("weight")!.Value.Norm, report.FirstToLastRatio, "first/last ratio");
        Assert.True(report.AllFinite);
        Assert.Null(report["relu1"].Norm);
    }

    [Fact]
    public void Output_gradient_norms_equal_those_retain_grad_gives()
    {
        torch.manual_seed(22);
        using var model = new MonitoredSimpleNet();
        using var input = torch.randn(32, 784);
        using var labels = torch.randint(0, 10, new long[] { 32 });

        using (var output = model.call(input))
        using (var loss = torch.nn.functional.cross_entropy(output, labels))
        {
            loss.backward();
        }

        var report = model.Monitor.AfterBackward()!;

        // The same computation by hand, each layer's output kept with retain_grad(). BatchNorm in training mode uses the
        // batch's statistics, so running the batch again gives the same outputs.
        model.zero_grad();
        var outputs = new List<Tensor>();
        Tensor Keep(Tensor t)
        {
            t.retain_grad();
            outputs.Add(t);
            return t;
        }

        var x1 = Keep(model.fc1.call(input));
        var x2 = Keep(torch.nn.functional.relu(x1));
        var x3 = Keep(model.bn1.call(x2));
        var x4 = Keep(model.fc2.call(x3));
        var x5 = Keep(torch.nn.functional.relu(x4));
        var x6 = Keep(model.bn2.call(x5));
        var x7 = Keep(model.fc3.call(x6));
        torch.nn.functional.cross_entropy(x7, labels).backward();

        Assert.Equal(7, report.Layers.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            var expected = outputs[i].grad!.norm().item<float>();
            Assert.True(expected > 0, $"layer {i} has a zero output gradient; the test needs a real one");
            AssertClose(expected, report.Layers[i].ActivationGradientNorm!.Value, $"{report.Layers[i].Name} output-gradient norm");
        }

        // Dying-ReLU input: the fraction of zero outputs, measured on the forward side.
        AssertClose(x2.eq(0).to_type(ScalarType.Float64).mean().item<double>(), report["relu1"].ZeroFraction!.Value, "relu1 zero fraction");
        AssertClose(x5.eq(0).to_type(ScalarType.Float64).mean().item<double>(), report["relu2"].ZeroFraction!.Value, "relu2 zero fraction");
        Assert.Null(report["fc1"].ZeroFraction);

        // Dead units: zero for every sample of the batch.
        AssertClose(x2.eq(0).all(0).to_type(ScalarType.Float64).mean().item<double>(), report["relu1"].DeadFraction!.Value, "relu1 dead fraction");
        AssertClose(x5.eq(0).all(0).to_type(ScalarType.Float64).mean().item<double>(), report["relu2"].DeadFraction!.Value, "relu2 dead fraction");
        Assert.Null(report["fc1"].DeadFraction);
        foreach (var t in outputs)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void Only_every_SampleEvery_th_training_pass_is_sampled_and_evaluation_passes_do_not_count()
    {
        torch.manual_seed(23);
        using var model = new MonitoredSimpleNet();
        model.Monitor.Options.SampleEvery = 4;
        using var optimizer = torch.optim.SGD(model.parameters(), 0.01);
        using var input = torch.randn(16, 784);
        using var labels = torch.randint(0, 10, new long[] { 16 });

        var sampledSteps = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), input, labels);
            if (result.Report is { } report)
            {
                sampledSteps.Add(report.Step);
                Assert.Equal(result.Step, report.Step);
            }

            // Evaluation passes in between: neither counted nor sampled.
            model.eval();
            using (torch.no_grad())
            {
                model.call(input).Dispose();
            }

            model.train();
            using (torch.no_grad())
            {
                model.call(input).Dispose();
            }
        }

        Assert.Equal(new long[] { 1, 5, 9 }, sampledSteps);
        Assert.Equal(10, model.Monitor.Passes);
        Assert.Equal(3, model.Monitor.Reports.Count);
        Assert.Equal(9, model.Monitor.Latest!.Step);
    }

    [Fact]
    public void Unsampled_and_disabled_passes_record_nothing()
    {
        torch.manual_seed(24);
        using var model = new MonitoredSimpleNet();
        model.Monitor.Options.SampleEvery = 2;
        using var input = torch.randn(8, 784);

        // Pass 1 is sampled, pass 2 is not.
        using var sampled = model.call(input);
        Assert.True(model.Monitor.IsSampling);
        Assert.NotNull(model.Monitor.AfterBackward());
        using var unsampled = model.call(input);
        Assert.False(model.Monitor.IsSampling);
        Assert.Null(model.Monitor.AfterBackward());
        Assert.Equal(2, model.Monitor.Passes);
        Assert.Single(model.Monitor.Reports);

        // Disabled: nothing is counted.
        model.Monitor.Enabled = false;
        using var disabled = model.call(input);
        Assert.Equal(2, model.Monitor.Passes);
        Assert.Equal(new long[] { 8, 10 }, disabled.shape);
    }

    [Fact]
    public void History_gives_one_layer_across_samples_and_is_bounded_by_HistoryCapacity()
    {
        torch.manual_seed(25);
        using var model = new MonitoredSimpleNet();
        model.Monitor.Options.SampleEvery = 1;
        model.Monitor.Options.HistoryCapacity = 4;
        using var optimizer = torch.optim.SGD(model.parameters(), 0.05);
        using var input = torch.randn(16, 784);
        using var labels = torch.randint(0, 10, new long[] { 16 });

        var fc2Norms = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var result = model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, labels);
            fc2Norms.Add(result.Report!["fc2"].Norm!.Value);
        }

        var history = model.Monitor.History("fc2");
        Assert.Equal(new long[] { 3, 4, 5, 6 }, history.Select(h => h.Step));
        Assert.Equal(fc2Norms.Skip(2), history.Select(h => h.Norm!.Value));
        Assert.Equal(history.Select(h => h.Step), model.Monitor.History(3).Select(h => h.Step));
        Assert.All(history, h => Assert.Equal("fc2", h.Name));
        Assert.Equal(4, model.Monitor.Reports.Count);
        var error = Assert.Throws<KeyNotFoundException>(() => model.Monitor.History("fc9"));
        Assert.Contains("fc1, relu1, bn1, fc2, relu2, bn2, fc3", error.Message);
    }

    [Fact]
    public void Verdicts_reach_event_handlers_and_observers_until_they_unsubscribe()
    {
        torch.manual_seed(26);
        using var model = new MonitoredSimpleNet();
        model.Monitor.Options.SampleEvery = 1;

        // A ReLU pushed dead: every fc2 output negative, so relu2 outputs only zeros.
        using (torch.no_grad())
        {
            model.fc2.bias!.fill_(-1000);
        }

        var fromEvent = new List<GradientVerdict>();
        var fromObserver = new List<GradientVerdict>();
        var reports = new List<GradientReport>();
        model.Monitor.VerdictRaised += (_, v) => fromEvent.Add(v);
        model.Monitor.Sampled += (_, r) => reports.Add(r);
        var subscription = model.Monitor.Verdicts.Subscribe(new Collect(fromObserver));
        using var optimizer = torch.optim.SGD(model.parameters(), 0.0);
        using var input = torch.randn(16, 784);
        using var labels = torch.randint(0, 10, new long[] { 16 });

        model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, labels);
        subscription.Dispose();
        model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, labels);

        var dying = fromEvent.Where(v => v.Issue == GradientIssue.DyingReLU).ToArray();
        Assert.Equal(2, dying.Length);
        Assert.All(dying, v => Assert.Equal("relu2", v.Layer));
        Assert.All(dying, v => Assert.Equal(1.0, v.Value));
        Assert.Equal(fromEvent.Count / 2, fromObserver.Count);
        Assert.Equal(fromEvent.Take(fromObserver.Count), fromObserver);
        Assert.Equal(2, reports.Count);
        Assert.Same(model.Monitor.Latest, reports[^1]);
        Assert.Contains("relu2", reports[^1].ToString());
    }

    [Fact]
    public void Invalid_options_and_layer_tables_are_rejected_with_the_problem_named()
    {
        var options = new GradientMonitorOptions();
        Assert.Contains("SampleEvery", Assert.Throws<ArgumentOutOfRangeException>(() => options.SampleEvery = 0).Message);
        Assert.Contains("VanishingRatio", Assert.Throws<ArgumentOutOfRangeException>(() => options.VanishingRatio = double.NaN).Message);
        Assert.Contains("DyingReluFraction", Assert.Throws<ArgumentOutOfRangeException>(() => options.DyingReluFraction = 1.5).Message);
        Assert.Contains("GrowthWindow", Assert.Throws<ArgumentOutOfRangeException>(() => options.GrowthWindow = 1).Message);
        Assert.Contains("GrowthFactor", Assert.Throws<ArgumentOutOfRangeException>(() => options.GrowthFactor = 1).Message);

        using var module = torch.nn.Linear(2, 2);
        var duplicate = Assert.Throws<ArgumentException>(() => new GradientMonitor(module, new MonitoredLayer[] { new("fc1", LayerKind.Affine, module), new("fc1", LayerKind.ReLU) }));
        Assert.Contains("'fc1' appears 2 times", duplicate.Message);

        var monitor = new GradientMonitor(module, new MonitoredLayer[] { new("fc1", LayerKind.Affine, module) }, new GradientMonitorOptions { SampleEvery = 1 });
        module.train();
        monitor.BeginForward();
        using var x = torch.randn(1, 2, requires_grad: true);
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Probe(3, x));
        Assert.Contains("1 layers", outOfRange.Message);
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(
            Math.Abs(expected - actual) <= RelativeTolerance * Math.Max(Math.Abs(expected), 1e-30),
            $"{what}: expected {expected:R}, recorded {actual:R}");

    private sealed class Collect : IObserver<GradientVerdict>
    {
        private readonly List<GradientVerdict> into;

        public Collect(List<GradientVerdict> into) => this.into = into;

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(GradientVerdict value) => into.Add(value);
    }
}
