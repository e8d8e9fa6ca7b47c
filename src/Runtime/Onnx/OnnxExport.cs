using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using NetGen.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen;

/// <summary>Options for <see cref="OnnxExport.ExportOnnx"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// The ONNX opset (default 17, the first with <c>LayerNormalization</c>). NetGen writes opsets
    /// <see cref="OnnxGraphBuilder.MinimumOpset"/> to <see cref="OnnxGraphBuilder.MaximumOpset"/>; a layer whose
    /// operator is newer than the opset (LayerNorm before 17) makes the export fail before anything is written.
    /// </summary>
    public int Opset { get; init; } = 17;
}

/// <summary>
/// Exports a NetGen network to ONNX from the generator's own description of its graph (no tracing): the
/// inference graph with the module's current weights, input <c>input</c> and output <c>output</c> with a
/// symbolic batch dimension <c>batch</c>, initializers named by their state-dict keys.
/// </summary>
public static class OnnxExport
{
    /// <summary>
    /// Writes <paramref name="module"/> as an ONNX model to <paramref name="path"/>, atomically: a failure
    /// leaves no file (or the previous one) behind. The graph has eval semantics whatever the module's mode:
    /// BatchNorm uses its running statistics and Dropout is the identity.
    /// </summary>
    /// <param name="module">A NetGen-generated network (it implements <see cref="IOnnxExportable"/>).</param>
    /// <param name="path">The <c>.onnx</c> file to write; an existing file is replaced only once the new one is complete.</param>
    /// <param name="options">The opset; null for the defaults.</param>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be written.</exception>
    /// <exception cref="NotSupportedException">The opset is outside NetGen's range or too old for one of the layers.</exception>
    /// <exception cref="ArgumentException">The module is not a NetGen network.</exception>
    public static void ExportOnnx(this nn.Module<Tensor, Tensor> module, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var model = ToOnnxModel(module, options);
        try
        {
            AtomicFile.Write(path, model.WriteTo);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException(
                $"Cannot export {module.GetName()} to {path}: the folder {Path.GetDirectoryName(Path.GetFullPath(path))} is not writable ({e.Message}).", e);
        }
    }

    /// <summary>The ONNX model of <paramref name="module"/> as bytes, for writing to a stream or a database.</summary>
    /// <param name="module">A NetGen-generated network.</param>
    /// <param name="options">The opset; null for the defaults.</param>
    public static byte[] ToOnnxBytes(this nn.Module<Tensor, Tensor> module, OnnxExportOptions? options = null) =>
        ToOnnxModel(module, options).ToByteArray();

    private static Onnx.Proto.ModelProto ToOnnxModel(nn.Module<Tensor, Tensor> module, OnnxExportOptions? options)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (NetworkSummary.Of(module.GetType()) is { ForwardIsUserWritten: true })
        {
            throw new ArgumentException(NetworkSummary.UserForwardMessage(module.GetType(), "an ONNX graph"), nameof(module));
        }

        if (module is not IOnnxExportable network)
        {
            throw new ArgumentException(
                $"{module.GetType().Name} is not a NetGen network with an ONNX graph: only classes declared with NetGen's layer attributes describe one "
                + "(in a project that references NetGen.Onnx, and without NG01xx errors).", nameof(module));
        }

        var opset = (options ?? new OnnxExportOptions()).Opset;
        using var scope = torch.NewDisposeScope();
        var stateDict = module.state_dict();
        var builder = new OnnxGraphBuilder(module.GetType().Name, opset, key =>
        {
            if (!stateDict.TryGetValue(key, out var tensor))
            {
                throw new InvalidOperationException($"{module.GetType().Name} has no parameter or buffer '{key}'.");
            }

            using var values = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
            return new OnnxWeight(values.shape.ToArray(), values.data<float>().ToArray());
        });
        network.BuildOnnxGraph(builder);
        return builder.ToModel();
    }
}
