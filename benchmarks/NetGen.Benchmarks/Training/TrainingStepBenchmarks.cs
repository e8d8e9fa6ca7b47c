using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Infrastructure;
using NetGen.Benchmarks.Networks;

namespace NetGen.Benchmarks.Training;

/// <summary>
/// One training step (zero-grad, forward, loss, backward, clip when declared, Adam step) of the same network
/// written three ways, measured in the same run. Baseline: the hand-written module.
/// </summary>
[BenchmarkCategory("Training")]
public class TrainingStepBenchmarks
{
    private TrainingSession _session = null!;

    [Params(NetworkKind.SimpleNet, NetworkKind.DeepNet, NetworkKind.Mlp20, NetworkKind.ConvNet)]
    public NetworkKind Network { get; set; }

    [ParamsSource(nameof(ThreadSettings))]
    public string Threads { get; set; } = Infrastructure.Threads.One;

    public static string[] ThreadSettings => Infrastructure.Threads.Settings;

    [GlobalSetup(Target = nameof(NetGen))]
    public void SetupNetGen() => Setup(Implementation.NetGen);

    [GlobalSetup(Target = nameof(HandWritten))]
    public void SetupHandWritten() => Setup(Implementation.HandWritten);

    [GlobalSetup(Target = nameof(Sequential))]
    public void SetupSequential() => Setup(Implementation.Sequential);

    [Benchmark]
    public void NetGen() => _session.Step();

    [Benchmark(Baseline = true)]
    public void HandWritten() => _session.Step();

    [Benchmark]
    public void Sequential() => _session.Step();

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    private void Setup(Implementation implementation)
    {
        Infrastructure.Threads.Apply(Threads);
        _session = new TrainingSession(Network, implementation);
    }
}
