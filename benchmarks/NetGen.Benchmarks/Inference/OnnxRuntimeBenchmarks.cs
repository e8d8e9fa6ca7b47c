using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Inference;

/// <summary>
/// Inference of the same weights in ONNX Runtime (the NetGen module exported with <c>ExportOnnx</c>, run through
/// <see cref="NetGen.Inference.OnnxNetwork"/> into a preallocated output) and in TorchSharp (the NetGen module in <c>eval()</c> under
/// <c>no_grad</c>, the baseline). The suite command adds PyTorch's rows for the same networks.
/// </summary>
[BenchmarkCategory("Inference")]
public class OnnxRuntimeBenchmarks
{
    private BenchmarkModel _model = null!;
    private Tensor _input = null!;
    private BenchmarkOnnxNetwork _onnx = null!;
    private float[] _values = null!;
    private float[] _output = null!;

    [Params(NetworkKind.SimpleNet, NetworkKind.ConvNet)]
    public NetworkKind Network { get; set; }

    [Params(1, 64)]
    public int Batch { get; set; }

    [ParamsSource(nameof(ThreadSettings))]
    public string Threads { get; set; } = Infrastructure.Threads.One;

    public static string[] ThreadSettings => Infrastructure.Threads.Settings;

    [GlobalSetup]
    public void Setup()
    {
        Infrastructure.Threads.Apply(Threads);
        _model = BenchmarkNetworks.Create(Network, Implementation.NetGen);
        _model.Module.eval();
        torch.manual_seed(0);
        var setup = BenchmarkNetworks.Setup(Network);
        _input = torch.randn(setup.InputShape(Batch));
        _values = _input.data<float>().ToArray();
        _output = new float[Batch * setup.Outputs];

        // ONNX Runtime with the same threads as libtorch: one intra-op thread, or its own default (one per core).
        _onnx = new BenchmarkOnnxNetwork(_model.Module.ToOnnxBytes(), setup, BenchmarkOnnxNetwork.Options(Threads));
    }

    [Benchmark(Baseline = true)]
    public void TorchSharp()
    {
        using var _ = torch.no_grad();
        using var output = _model.Module.call(_input);
    }

    [Benchmark]
    public void OnnxRuntime() => _onnx.Run(_values, _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx.Dispose();
        _model.Dispose();
        _input.Dispose();
    }
}
