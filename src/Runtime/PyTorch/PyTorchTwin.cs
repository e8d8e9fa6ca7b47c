using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text;
using static TorchSharp.torch;

namespace NetGen;

/// <summary>
/// The PyTorch twins of NetGen networks on disk: each network's Python module (its generated
/// <c>PyTorchSource</c>), the data-parallel launcher <c>train.py</c> that trains a twin with
/// <c>torch.distributed</c>, and the training data as a safetensors file. The trained weights come back with
/// <see cref="ModuleWeights.LoadSafetensors{TModule}(TModule, string)"/> or <see cref="ModuleWeights.LoadPyTorchStateDict{TModule}(TModule, string)"/>.
/// </summary>
public static class PyTorchTwin
{
    /// <summary>The launcher's file name.</summary>
    public const string LauncherFileName = "train.py";

    private const string LauncherResource = "NetGen.PyTorch.train.py";

    /// <summary>
    /// The Python source of <paramref name="network"/>'s twin: the static <c>PyTorchSource</c> property NetGen
    /// generates on every network class.
    /// </summary>
    /// <param name="network">A NetGen network class, such as <c>typeof(SimpleNet)</c>.</param>
    /// <returns>A Python module defining the twin class, <c>MODEL</c>, <c>INPUT_SHAPE</c>, <c>LOSS</c>, <c>clip_gradients</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="network"/> has no generated <c>PyTorchSource</c>.</exception>
    public static string Source(Type network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (NetworkSummary.Of(network) is { ForwardIsUserWritten: true })
        {
            throw new ArgumentException(NetworkSummary.UserForwardMessage(network, "a PyTorch twin"), nameof(network));
        }

        var property = network.GetProperty("PyTorchSource", BindingFlags.Public | BindingFlags.Static);
        return property?.GetValue(null) as string
            ?? throw new ArgumentException(
                $"{network.FullName} has no static PyTorchSource property: it is not a NetGen network (no layer attributes, or the declaration has an NG01xx error), or its project sets NetGenPyTorchTwin to false.",
                nameof(network));
    }

    /// <summary>The launcher script, <c>train.py</c>, as shipped in this assembly.</summary>
    public static string LauncherSource()
    {
        using var stream = typeof(PyTorchTwin).Assembly.GetManifestResourceStream(LauncherResource)
            ?? throw new InvalidOperationException($"The resource {LauncherResource} is missing from {typeof(PyTorchTwin).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Writes <c>{ClassName}.py</c> for each network and the launcher <c>train.py</c> into <paramref name="directory"/>
    /// (created if missing). Each file is written atomically: a reader sees the old file or the new one, never a part.
    /// </summary>
    /// <param name="directory">The target directory.</param>
    /// <param name="networks">NetGen network classes.</param>
    /// <returns>The paths written, the networks' modules first, then <c>train.py</c>.</returns>
    public static IReadOnlyList<string> Write(string directory, params Type[] networks)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(networks);
        if (networks.Length == 0)
        {
            throw new ArgumentException("Name at least one network, such as PyTorchTwin.Write(directory, typeof(SimpleNet)).", nameof(networks));
        }

        // Read every source first, so that a wrong type leaves the directory untouched.
        var files = new List<(string Name, string Text)>();
        foreach (var network in networks)
        {
            files.Add((network.Name + ".py", Source(network)));
        }

        files.Add((LauncherFileName, LauncherSource()));
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var (name, text) in files)
        {
            var path = Path.Combine(directory, name);
            var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
            AtomicFile.Write(path, stream => stream.Write(bytes));
            written.Add(path);
        }

        return written;
    }

    /// <summary>
    /// Reads every tensor of a safetensors file, such as one written by <see cref="WriteData"/> or by the twin's side
    /// (outputs to compare, weights). The tensors are created in the caller's dispose scope.
    /// </summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <returns>The tensors by name.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyDictionary<string, Tensor> ReadTensors(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Cannot read tensors: {path} does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        try
        {
            return SafetensorsFormat.Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes training data for the launcher: a safetensors file with the tensors <c>inputs</c> (samples along the
    /// first dimension) and <c>targets</c> (class indices as int64 for cross-entropy and NLL, values otherwise).
    /// The write is atomic.
    /// </summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="inputs">The inputs, shape [samples, ...one sample's shape]: floats, or int64 token ids for a network that starts with an <c>Embedding</c>.</param>
    /// <param name="targets">The targets, shape [samples] or [samples, ...].</param>
    /// <exception cref="ArgumentException">The two tensors disagree on the number of samples.</exception>
    public static void WriteData(string path, Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.dim() < 1 || targets.dim() < 1 || inputs.shape[0] != targets.shape[0])
        {
            throw new ArgumentException(
                $"inputs {StateDictMismatch.Format(inputs.shape)} and targets {StateDictMismatch.Format(targets.shape)} must have the same number of samples in their first dimension.",
                nameof(targets));
        }

        AtomicFile.Write(path, stream => SafetensorsFormat.Write(stream, new[]
        {
            new KeyValuePair<string, Tensor>("inputs", inputs),
            new KeyValuePair<string, Tensor>("targets", targets),
        }));
    }
}
