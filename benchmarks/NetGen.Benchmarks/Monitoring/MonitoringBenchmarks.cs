using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using NetGen.Tests.Monitoring;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Monitoring;

/// <summary>
/// The cost of gradient monitoring: one training step (zero-grad, forward, loss, backward, finiteness check, clipping,
/// Adam step) of the seed's networks through <see cref="TrainingStep"/>, with the network generated without monitoring
/// code (the baseline), with the monitoring code but the monitor disabled, with the default sampling (every 10th step),
/// and sampling every step. SimpleNet: batch 64, cross-entropy. DeepNet: batch 10, MSE, [ClipGradNorm(1.0)], as in the
/// seed. One intra-op thread and process CPU time (<see cref="CpuTimeConfig"/>), so that other processes on a shared machine disturb the numbers less.
/// </summary>
[Config(typeof(CpuTimeConfig))]
public class MonitoringBenchmarks
{
    private readonly List<IDisposable> owned = new();
    private Func<TrainStepResult> plain = null!;
    private Func<TrainStepResult> disabled = null!;
    private Func<TrainStepResult> defaultSampling = null!;
    private Func<TrainStepResult> everyStep = null!;

    [Params("SimpleNet", "DeepNet")]
    public string Network { get; set; } = "SimpleNet";

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        torch.manual_seed(0);
        var simple = Network == "SimpleNet";
        var input = Own(simple ? torch.randn(64, 784) : torch.randn(10, 100));
        var target = Own(simple ? torch.randint(0, 10, new long[] { 64 }) : torch.randn(10, 1));
        Func<Tensor, Tensor, Tensor> loss = simple
            ? (o, t) => torch.nn.functional.cross_entropy(o, t)
            : (o, t) => torch.nn.functional.mse_loss(o, t);
        var clip = simple ? (double?)null : 1.0;

        plain = Arm(simple ? new SimpleNet() : new DeepNet(), model => new TrainingStep(model, new TrainStepOptions { ClipNorm = clip }));
        disabled = Monitored(monitor => monitor.Enabled = false);
        defaultSampling = Monitored(_ => { });
        everyStep = Monitored(monitor => monitor.Options.SampleEvery = 1);

        Func<TrainStepResult> Monitored(Action<NetGen.Monitoring.GradientMonitor> configure)
        {
            if (simple)
            {
                var model = new MonitoredSimpleNet();
                configure(model.Monitor);
                return Arm(model, _ => model.Trainer);
            }
            else
            {
                var model = new MonitoredDeepNet();
                configure(model.Monitor);
                return Arm(model, _ => model.Trainer);
            }
        }

        Func<TrainStepResult> Arm(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>, TrainingStep> trainer)
        {
            Own(model);
            var optimizer = torch.optim.Adam(model.parameters(), 1e-3);
            owned.Add(optimizer);
            var step = trainer(model);
            return () => step.Run(optimizer, loss, input, target);
        }
    }

    [Benchmark(Baseline = true, Description = "no monitoring code")]
    public TrainStepResult Plain() => plain();

    [Benchmark(Description = "monitor disabled")]
    public TrainStepResult MonitorDisabled() => disabled();

    [Benchmark(Description = "monitor, default sampling (1 in 10)")]
    public TrainStepResult MonitorDefaultSampling() => defaultSampling();

    [Benchmark(Description = "monitor, every step")]
    public TrainStepResult MonitorEveryStep() => everyStep();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var item in owned)
        {
            item.Dispose();
        }

        owned.Clear();
    }

    private T Own<T>(T item)
        where T : IDisposable
    {
        owned.Add(item);
        return item;
    }
}
