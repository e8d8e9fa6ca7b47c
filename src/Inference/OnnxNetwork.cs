using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace NetGen.Inference;

/// <summary>
/// A NetGen network running in ONNX Runtime, without TorchSharp. NetGen generates one subclass per declared
/// network in an app that references this library and not TorchSharp: <c>new SimpleNet("simplenet.onnx")</c>
/// loads a model written by <c>ExportOnnx</c> and checks its shapes against the declaration, and <c>Run</c>
/// computes a batch. A network that starts with an <c>Embedding</c> takes int64 token ids (the <c>long</c> overloads of
/// <c>Run</c>); every other network takes floats. Instances are thread-safe for <c>Run</c> (as <see cref="InferenceSession"/> is) and own
/// native memory: dispose them.
/// </summary>
public abstract class OnnxNetwork : IDisposable
{
    private readonly long[] sampleInput;
    private readonly long[] sampleOutput;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly TensorElementType inputType;

    /// <summary>Loads <paramref name="modelPath"/> and checks it against the declared shapes.</summary>
    /// <param name="networkName">The declaring class's name, for messages.</param>
    /// <param name="modelPath">The <c>.onnx</c> file.</param>
    /// <param name="sampleInputShape">The declared shape of one input sample.</param>
    /// <param name="sampleOutputShape">The declared shape of one output sample.</param>
    /// <param name="options">Session options; null for ONNX Runtime's defaults.</param>
    /// <exception cref="OnnxShapeMismatchException">The model's input or output does not have the declared shape.</exception>
    /// <exception cref="System.IO.FileNotFoundException">The file does not exist.</exception>
    protected OnnxNetwork(string networkName, string modelPath, IReadOnlyList<long> sampleInputShape, IReadOnlyList<long> sampleOutputShape, SessionOptions? options)
        : this(networkName, modelPath, sampleInputShape, sampleOutputShape, options, takesTokens: false)
    {
    }

    /// <summary>Loads <paramref name="modelPath"/> and checks it against the declared shapes and input type.</summary>
    /// <param name="networkName">The declaring class's name, for messages.</param>
    /// <param name="modelPath">The <c>.onnx</c> file.</param>
    /// <param name="sampleInputShape">The declared shape of one input sample.</param>
    /// <param name="sampleOutputShape">The declared shape of one output sample.</param>
    /// <param name="options">Session options; null for ONNX Runtime's defaults.</param>
    /// <param name="takesTokens">Whether the input is int64 token ids (the network starts with an <c>Embedding</c>) rather than floats.</param>
    /// <exception cref="OnnxShapeMismatchException">The model's input or output does not have the declared shape or type.</exception>
    /// <exception cref="System.IO.FileNotFoundException">The file does not exist.</exception>
    protected OnnxNetwork(string networkName, string modelPath, IReadOnlyList<long> sampleInputShape, IReadOnlyList<long> sampleOutputShape, SessionOptions? options, bool takesTokens)
        : this(networkName, modelPath, Open(modelPath, options), sampleInputShape, sampleOutputShape, takesTokens)
    {
    }

    /// <summary>Loads a model from memory and checks it against the declared shapes.</summary>
    /// <param name="networkName">The declaring class's name, for messages.</param>
    /// <param name="model">The bytes of the <c>.onnx</c> model.</param>
    /// <param name="sampleInputShape">The declared shape of one input sample.</param>
    /// <param name="sampleOutputShape">The declared shape of one output sample.</param>
    /// <param name="options">Session options; null for ONNX Runtime's defaults.</param>
    /// <exception cref="OnnxShapeMismatchException">The model's input or output does not have the declared shape.</exception>
    protected OnnxNetwork(string networkName, byte[] model, IReadOnlyList<long> sampleInputShape, IReadOnlyList<long> sampleOutputShape, SessionOptions? options)
        : this(networkName, model, sampleInputShape, sampleOutputShape, options, takesTokens: false)
    {
    }

    /// <summary>Loads a model from memory and checks it against the declared shapes and input type.</summary>
    /// <param name="networkName">The declaring class's name, for messages.</param>
    /// <param name="model">The bytes of the <c>.onnx</c> model.</param>
    /// <param name="sampleInputShape">The declared shape of one input sample.</param>
    /// <param name="sampleOutputShape">The declared shape of one output sample.</param>
    /// <param name="options">Session options; null for ONNX Runtime's defaults.</param>
    /// <param name="takesTokens">Whether the input is int64 token ids (the network starts with an <c>Embedding</c>) rather than floats.</param>
    /// <exception cref="OnnxShapeMismatchException">The model's input or output does not have the declared shape or type.</exception>
    protected OnnxNetwork(string networkName, byte[] model, IReadOnlyList<long> sampleInputShape, IReadOnlyList<long> sampleOutputShape, SessionOptions? options, bool takesTokens)
        : this(networkName, "the model", options is null ? new InferenceSession(model) : new InferenceSession(model, options), sampleInputShape, sampleOutputShape, takesTokens)
    {
    }

    private OnnxNetwork(string networkName, string source, InferenceSession session, IReadOnlyList<long> sampleInputShape, IReadOnlyList<long> sampleOutputShape, bool takesTokens)
    {
        NetworkName = networkName;
        inputType = takesTokens ? TensorElementType.Int64 : TensorElementType.Float;
        sampleInput = sampleInputShape.ToArray();
        sampleOutput = sampleOutputShape.ToArray();
        Session = session;
        try
        {
            inputNames = new[] { Check(source, "input", session.InputMetadata, sampleInput, inputType) };
            outputNames = new[] { Check(source, "output", session.OutputMetadata, sampleOutput, TensorElementType.Float) };
        }
        catch
        {
            session.Dispose();
            throw;
        }

        InputLength = checked((int)sampleInput.Aggregate(1L, (a, b) => a * b));
        OutputLength = checked((int)sampleOutput.Aggregate(1L, (a, b) => a * b));
    }

    /// <summary>The declaring network's class name.</summary>
    public string NetworkName { get; }

    /// <summary>The ONNX Runtime session, for what this class does not wrap (metadata, profiling, other <c>Run</c> overloads).</summary>
    public InferenceSession Session { get; }

    /// <summary>Whether the network takes int64 token ids (it starts with an <c>Embedding</c>): call the <c>long</c> overloads of <c>Run</c>.</summary>
    public bool TakesTokens => inputType == TensorElementType.Int64;

    /// <summary>The number of values in one input sample (784 for <c>[Input(784)]</c>).</summary>
    public int InputLength { get; }

    /// <summary>The number of floats in one output sample.</summary>
    public int OutputLength { get; }

    /// <summary>
    /// Runs a batch given as consecutive samples in row-major order: <paramref name="input"/> holds a whole
    /// number of samples of <see cref="InputLength"/> floats each. Returns the outputs the same way, one sample of
    /// <see cref="OutputLength"/> floats after another.
    /// </summary>
    /// <param name="input">Batch × the declared input shape, row-major.</param>
    /// <returns>Batch × the declared output shape, row-major.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <see cref="InputLength"/>.</exception>
    public float[] Run(ReadOnlySpan<float> input)
    {
        RequireInput(TensorElementType.Float);
        var output = new float[checked(BatchOf(input.Length) * OutputLength)];
        Run(input, output);
        return output;
    }

    /// <summary>Runs a batch into a buffer the caller owns, without allocating the output.</summary>
    /// <param name="input">Batch × the declared input shape, row-major.</param>
    /// <param name="output">Batch × the declared output shape; its length must match the batch exactly.</param>
    /// <exception cref="ArgumentException">A length does not fit the declared shapes.</exception>
    public void Run(ReadOnlySpan<float> input, Span<float> output)
    {
        RequireInput(TensorElementType.Float);
        RunBatch(input, output, TensorElementType.Float);
    }

    /// <summary>
    /// Runs a batch of token ids (for a network that starts with an <c>Embedding</c>): <paramref name="tokens"/> holds
    /// a whole number of samples of <see cref="InputLength"/> ids each, row-major. Returns the outputs one sample after another.
    /// </summary>
    /// <param name="tokens">Batch × the declared input shape of token ids, row-major.</param>
    /// <returns>Batch × the declared output shape, row-major.</returns>
    /// <exception cref="ArgumentException">The network takes floats, or the length is not a positive multiple of <see cref="InputLength"/>.</exception>
    public float[] Run(ReadOnlySpan<long> tokens)
    {
        RequireInput(TensorElementType.Int64);
        var output = new float[checked(BatchOf(tokens.Length) * OutputLength)];
        RunBatch(tokens, output, TensorElementType.Int64);
        return output;
    }

    /// <summary>Runs a batch of token ids into a buffer the caller owns, without allocating the output.</summary>
    /// <param name="tokens">Batch × the declared input shape of token ids, row-major.</param>
    /// <param name="output">Batch × the declared output shape; its length must match the batch exactly.</param>
    /// <exception cref="ArgumentException">The network takes floats, or a length does not fit the declared shapes.</exception>
    public void Run(ReadOnlySpan<long> tokens, Span<float> output)
    {
        RequireInput(TensorElementType.Int64);
        RunBatch(tokens, output, TensorElementType.Int64);
    }

    /// <summary>Runs a batch of token ids given as a <see cref="DenseTensor{T}"/> of shape [batch, declared input shape].</summary>
    /// <param name="tokens">The batch of token ids.</param>
    /// <returns>The outputs, shape [batch, declared output shape].</returns>
    /// <exception cref="ArgumentException">The network takes floats, or the tensor's shape is not [batch, declared input shape].</exception>
    public DenseTensor<float> Run(DenseTensor<long> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        RequireInput(TensorElementType.Int64);
        var batch = CheckShape(tokens.Dimensions.ToArray().Select(d => (long)d).ToArray());
        var output = new DenseTensor<float>(Batched(batch, sampleOutput).Select(d => checked((int)d)).ToArray());
        RunBatch<long>(tokens.Buffer.Span, output.Buffer.Span, TensorElementType.Int64);
        return output;
    }

    private unsafe void RunBatch<T>(ReadOnlySpan<T> input, Span<float> output, TensorElementType type)
        where T : unmanaged
    {
        var batch = BatchOf(input.Length);
        if (output.Length != batch * OutputLength)
        {
            throw new ArgumentException(
                $"{NetworkName}: a batch of {batch} needs an output of {batch * OutputLength} floats ({batch} × {Text(sampleOutput)}), not {output.Length}.",
                nameof(output));
        }

        fixed (T* inputPointer = input)
        fixed (float* outputPointer = output)
        {
            using var inputValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, type, Batched(batch, sampleInput), (IntPtr)inputPointer, input.Length * sizeof(T));
            using var outputValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, Batched(batch, sampleOutput), (IntPtr)outputPointer, output.Length * sizeof(float));
            using var runOptions = new RunOptions();
            Session.Run(runOptions, inputNames, new[] { inputValue }, outputNames, new[] { outputValue });
        }
    }

    /// <summary>Runs a batch given as ONNX Runtime's <see cref="DenseTensor{T}"/> of shape [batch, declared input shape].</summary>
    /// <param name="input">The batch.</param>
    /// <returns>The outputs, shape [batch, declared output shape].</returns>
    /// <exception cref="ArgumentException">The tensor's shape is not [batch, declared input shape].</exception>
    public DenseTensor<float> Run(DenseTensor<float> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireInput(TensorElementType.Float);
        var dims = input.Dimensions.ToArray().Select(d => (long)d).ToArray();
        var batch = CheckShape(dims);
        var output = new DenseTensor<float>(Batched(batch, sampleOutput).Select(d => checked((int)d)).ToArray());
        Run(input.Buffer.Span, output.Buffer.Span);
        return output;
    }

    /// <summary>
    /// Runs a batch given as an <see cref="OrtValue"/> tensor of shape [batch, declared input shape]: float, or int64 token
    /// ids for a network that starts with an <c>Embedding</c>.
    /// </summary>
    /// <param name="input">The batch.</param>
    /// <returns>The output tensor, shape [batch, declared output shape]; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">The tensor's element type is not the network's or its shape is not [batch, declared input shape].</exception>
    public OrtValue Run(OrtValue input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var info = input.GetTensorTypeAndShape();
        if (info.ElementDataType != inputType)
        {
            throw new ArgumentException($"{NetworkName} takes {TypeText(inputType)} tensors, not {info.ElementDataType}.", nameof(input));
        }

        var batch = CheckShape(info.Shape);
        var output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, Batched(batch, sampleOutput));
        try
        {
            using var runOptions = new RunOptions();
            Session.Run(runOptions, inputNames, new[] { input }, outputNames, new[] { output });
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the session when <paramref name="disposing"/>.</summary>
    /// <param name="disposing">Whether this is <see cref="Dispose()"/> rather than a finalizer.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Session.Dispose();
        }
    }

    private static InferenceSession Open(string modelPath, SessionOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!System.IO.File.Exists(modelPath))
        {
            throw new System.IO.FileNotFoundException($"The ONNX model {modelPath} does not exist.", modelPath);
        }

        return options is null ? new InferenceSession(modelPath) : new InferenceSession(modelPath, options);
    }

    private string Check(string source, string role, IReadOnlyDictionary<string, NodeMetadata> metadata, long[] sample, TensorElementType type)
    {
        var expected = "[batch, " + string.Join(", ", sample.Select(Number)) + "]";
        if (metadata.Count != 1)
        {
            throw new OnnxShapeMismatchException(
                $"{source} does not fit {NetworkName}: it has {metadata.Count} {role}s ({string.Join(", ", metadata.Keys)}), but {NetworkName} has one {role} of shape {expected}.");
        }

        var (name, node) = metadata.First();
        var actual = "[" + string.Join(", ", node.Dimensions.Select((d, i) => d < 0 ? (string.IsNullOrEmpty(node.SymbolicDimensions[i]) ? "?" : node.SymbolicDimensions[i]) : Number(d))) + "]";
        var fits = node.ElementDataType == type
            && node.Dimensions.Length == sample.Length + 1
            && node.Dimensions.Skip(1).Select(d => (long)d).SequenceEqual(sample);
        if (!fits)
        {
            throw new OnnxShapeMismatchException(
                $"{source} does not fit {NetworkName}: its {role} '{name}' is {node.ElementDataType} {actual}, but {NetworkName} declares {TypeText(type)} {expected}. " +
                $"Export the model from {NetworkName}, or load this file with the class it was exported from.");
        }

        return name;
    }

    private void RequireInput(TensorElementType type)
    {
        if (type != inputType)
        {
            throw new ArgumentException(
                inputType == TensorElementType.Int64
                    ? $"{NetworkName} starts with an Embedding and takes int64 token ids: pass long values (Run(ReadOnlySpan<long>), Run(DenseTensor<long>)), not floats."
                    : $"{NetworkName} takes float inputs, not token ids: pass float values.",
                "input");
        }
    }

    private static string TypeText(TensorElementType type) => type == TensorElementType.Int64 ? "int64" : "float";

    private int BatchOf(int length)
    {
        if (length == 0 || length % InputLength != 0)
        {
            var unit = TakesTokens ? "token ids" : "floats";
            throw new ArgumentException(
                $"{NetworkName} takes whole samples of {InputLength} {unit} (shape {Text(sampleInput)}); {length} {unit} is not a positive multiple of {InputLength}.",
                "input");
        }

        return length / InputLength;
    }

    private int CheckShape(IReadOnlyList<long> dims)
    {
        if (dims.Count != sampleInput.Length + 1 || !dims.Skip(1).SequenceEqual(sampleInput) || dims[0] < 1)
        {
            throw new ArgumentException(
                $"{NetworkName} takes tensors of shape [batch, {string.Join(", ", sampleInput.Select(Number))}], not [{string.Join(", ", dims.Select(Number))}].",
                "input");
        }

        return checked((int)dims[0]);
    }

    private static long[] Batched(long batch, long[] sample) => new[] { batch }.Concat(sample).ToArray();

    private static string Text(long[] shape) => "[" + string.Join(", ", shape.Select(Number)) + "]";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>An ONNX model whose input or output does not have the shape the network declares.</summary>
public sealed class OnnxShapeMismatchException : Exception
{
    /// <summary>Creates the exception with a message naming both shapes.</summary>
    /// <param name="message">What the file has and what the network declares.</param>
    public OnnxShapeMismatchException(string message)
        : base(message)
    {
    }
}
