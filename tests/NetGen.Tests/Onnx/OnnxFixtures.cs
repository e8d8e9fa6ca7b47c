using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Tests.Onnx;

/// <summary>Shared steps of the ONNX tests: a catalogue network with trained-looking BatchNorm statistics, export, run.</summary>
internal static class OnnxFixtures
{
    /// <summary>
    /// Creates the network, runs two training-mode batches through it so BatchNorm's running statistics move away
    /// from (0, 1), and switches to eval mode.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(string networkName, int seed)
    {
        torch.manual_seed(seed);
        var type = typeof(OnnxFixtures).Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        var module = (nn.Module<Tensor, Tensor>)Activator.CreateInstance(type)!;
        module.train();
        using (torch.no_grad())
        {
            for (var i = 0; i < 2; i++)
            {
                using var scope = torch.NewDisposeScope();
                module.forward(RandomInput(module, 8, scale: 2, shift: 0.5));
            }
        }

        module.eval();
        return module;
    }

    /// <summary>
    /// A random batch for the network: token ids over the whole vocabulary when it starts with an Embedding,
    /// otherwise normal floats times <paramref name="scale"/> plus <paramref name="shift"/>.
    /// </summary>
    public static Tensor RandomInput(nn.Module<Tensor, Tensor> module, long batch, double scale = 1, double shift = 0)
    {
        var shape = new[] { batch }.Concat(SampleShape(module)).ToArray();
        return Vocabulary(module) is { } vocabulary
            ? torch.randint(0, vocabulary, shape, dtype: ScalarType.Int64)
            : (torch.randn(shape) * scale) + shift;
    }

    /// <summary>The token table's size when the network starts with an Embedding (its parameters over its width); null otherwise.</summary>
    public static long? Vocabulary(nn.Module<Tensor, Tensor> module)
    {
        var first = ((NetworkSummary)module.GetType().GetProperty("Summary")!.GetValue(null)!).Layers[0];
        return first.Type == "Embedding" ? first.Parameters / first.OutputShape[^1] : null;
    }

    public static long[] SampleShape(nn.Module<Tensor, Tensor> module) =>
        ((NetworkSummary)module.GetType().GetProperty("Summary")!.GetValue(null)!).InputShape.ToArray();

    public static void Export(nn.Module<Tensor, Tensor> module, string path, int opset = 17) =>
        module.ExportOnnx(path, new OnnxExportOptions { Opset = opset });

    public static (long[] Shape, float[] Values) RunOnnx(InferenceSession session, Tensor input)
    {
        using var value = input.dtype == ScalarType.Int64
            ? OrtValue.CreateTensorValueFromMemory(input.contiguous().data<long>().ToArray(), input.shape)
            : OrtValue.CreateTensorValueFromMemory(input.contiguous().data<float>().ToArray(), input.shape);
        using var results = session.Run(new RunOptions(), new[] { "input" }, new[] { value }, new[] { "output" });
        var result = results[0];
        return (result.GetTensorTypeAndShape().Shape, result.GetTensorDataAsSpan<float>().ToArray());
    }
}

/// <summary>A folder under the temp directory, deleted with everything in it.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netgen-onnx-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
