using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NetGen.Benchmarks.Networks;

namespace NetGen.Benchmarks.Training;

/// <summary>
/// TorchSharp's Adam against NetGen's <see cref="NetGen.Training.InPlaceAdam"/> on the NetGen modules:
/// the optimiser update alone (gradients computed once in setup; clipping included where declared) and the whole training
/// step; and <see cref="NetGen.Training.FusedAdam"/> through NetGen's TrainStep.
/// </summary>
[BenchmarkCategory("Adam")]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class AdamBenchmarks
{
    private TrainingSession _session = null!;

    [Params(NetworkKind.SimpleNet, NetworkKind.DeepNet, NetworkKind.Mlp20)]
    public NetworkKind Network { get; set; }

    [ParamsSource(nameof(ThreadSettings))]
    public string Threads { get; set; } = Infrastructure.Threads.One;

    public static string[] ThreadSettings => Infrastructure.Threads.Settings;

    [GlobalSetup(Targets = new[] { nameof(TorchSharpAdamUpdate), nameof(TorchSharpAdamTrainingStep) })]
    public void SetupTorchSharp() => Setup(AdamKind.TorchSharp);

    [GlobalSetup(Targets = new[] { nameof(InPlaceAdamUpdate), nameof(InPlaceAdamTrainingStep) })]
    public void SetupInPlace() => Setup(AdamKind.InPlace);

    [GlobalSetup(Targets = new[] { nameof(FusedAdamUpdate), nameof(FusedAdamTrainingStep) })]
    public void SetupFused() => Setup(AdamKind.Fused);

    [Benchmark, BenchmarkCategory("Update")]
    public void FusedAdamUpdate() => _session.OptimizerStep();

    [Benchmark, BenchmarkCategory("Step")]
    public void FusedAdamTrainingStep() => _session.Step();

    [Benchmark(Baseline = true), BenchmarkCategory("Update")]
    public void TorchSharpAdamUpdate() => _session.OptimizerStep();

    [Benchmark, BenchmarkCategory("Update")]
    public void InPlaceAdamUpdate() => _session.OptimizerStep();

    [Benchmark(Baseline = true), BenchmarkCategory("Step")]
    public void TorchSharpAdamTrainingStep() => _session.Step();

    [Benchmark, BenchmarkCategory("Step")]
    public void InPlaceAdamTrainingStep() => _session.Step();

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    private void Setup(AdamKind adam)
    {
        Infrastructure.Threads.Apply(Threads);
        _session = new TrainingSession(Network, Implementation.NetGen, adam);
        _session.ComputeGradients();
    }
}
