using Microsoft.ML.OnnxRuntime;
using NetGen.Benchmarks.Networks;
using NetGen.Inference;

namespace NetGen.Benchmarks.Inference;

/// <summary>
/// A benchmark network exported with <c>ExportOnnx</c> and run through <see cref="OnnxNetwork"/>: the typed class an app
/// would get generated, written out here because this project references TorchSharp.
/// </summary>
public sealed class BenchmarkOnnxNetwork(byte[] model, NetworkSetup setup, SessionOptions options)
    : OnnxNetwork(setup.Kind.ToString(), model, setup.Sample, new long[] { setup.Outputs }, options)
{
    /// <summary>Session options with the same threads as libtorch's setting: one intra-op and one inter-op thread, or ONNX Runtime's default.</summary>
    public static SessionOptions Options(string threads)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads == Infrastructure.Threads.One)
        {
            options.IntraOpNumThreads = 1;
            options.InterOpNumThreads = 1;
        }

        return options;
    }
}
