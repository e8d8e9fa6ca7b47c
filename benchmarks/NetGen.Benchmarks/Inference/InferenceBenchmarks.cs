using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Inference;

/// <summary>Inference in <c>eval()</c> under <c>no_grad</c>, batch 1 and 64, the same network written three ways.</summary>
[BenchmarkCategory("Inference")]
public class InferenceBenchmarks
{
    private BenchmarkModel _model = null!;
    private Tensor _input = null!;

    [Params(NetworkKind.SimpleNet, NetworkKind.DeepNet, NetworkKind.Mlp20, NetworkKind.ConvNet)]
    public NetworkKind Network { get; set; }

    [Params(1, 64)]
    public int Batch { get; set; }

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
    public void NetGen() => Forward();

    [Benchmark(Baseline = true)]
    public void HandWritten() => Forward();

    [Benchmark]
    public void Sequential() => Forward();

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        _input.Dispose();
    }

    private void Forward()
    {
        using var _ = torch.no_grad();
        using var output = _model.Module.call(_input);
    }

    private void Setup(Implementation implementation)
    {
        Infrastructure.Threads.Apply(Threads);
        _model = BenchmarkNetworks.Create(Network, implementation);
        _model.Module.eval();
        torch.manual_seed(0);
        _input = torch.randn(BenchmarkNetworks.Setup(Network).InputShape(Batch));
    }
}
