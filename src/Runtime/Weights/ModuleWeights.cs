using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NetGen;

/// <summary>
/// Loads and saves a module's weights (its <c>state_dict()</c>: parameters and buffers) in the formats
/// PyTorch uses: the zip-based pickle file written by <c>torch.save(model.state_dict(), path)</c>, and
/// safetensors. Loading checks every key and every shape before it copies anything, so a file that
/// does not fit leaves the module unchanged; saving is atomic, so a crash never destroys the previous file.
/// </summary>
/// <remarks>
/// State-dict keys are the generated field names (<c>fc1.weight</c>, <c>bn1.running_mean</c>), the
/// same as PyTorch's for a module with the same attribute names, so a file moves between the two
/// unchanged. Element types are converted on load as PyTorch's <c>load_state_dict</c> does (a float64
/// file loads into a float32 module). Pickle reading and writing is TorchSharp.PyBridge's; safetensors is
/// NetGen's own, reflection-free codec. Both work in NativeAOT-published applications.
/// </remarks>
public static class ModuleWeights
{
    /// <summary>The first four bytes of a zip file: <c>torch.save</c> files are zip archives since PyTorch 1.6.</summary>
    private static ReadOnlySpan<byte> ZipMagic => "PK\u0003\u0004"u8;

    /// <summary>
    /// Loads a PyTorch state dict saved with <c>torch.save(model.state_dict(), path)</c> into
    /// <paramref name="module"/>. Every key and shape is checked first; on a mismatch nothing is copied.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The <c>.pt</c>/<c>.pth</c>/<c>.bin</c> file.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">The file's keys or shapes differ from the module's.</exception>
    /// <exception cref="InvalidDataException">The file is not a zip-format PyTorch state dict.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TModule LoadPyTorchStateDict<TModule>(this TModule module, string path)
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = torch.NewDisposeScope();
        module.LoadStateDictChecked(ReadFile(path, ReadPickle, "a PyTorch state dict saved by torch.save"), path);
        return module;
    }

    /// <summary>
    /// Loads a PyTorch state dict whose keys differ from the module's (a checkpoint of the same architecture written
    /// by another program) through <paramref name="mapping"/>: renamed keys or matching by position. Every key and
    /// shape is checked first; on a mismatch nothing is copied and the exception lists every difference.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The <c>.pt</c>/<c>.pth</c>/<c>.bin</c> file.</param>
    /// <param name="mapping"><see cref="KeyMapping.Rename"/> or <see cref="KeyMapping.ByPosition"/>.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">The mapped keys or shapes differ from the module's.</exception>
    /// <exception cref="InvalidDataException">The file is not a zip-format PyTorch state dict.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TModule LoadPyTorchStateDict<TModule>(this TModule module, string path, KeyMapping mapping)
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = torch.NewDisposeScope();
        module.LoadStateDictChecked(ReadFile(path, OrderedPickle.Read, "a PyTorch state dict saved by torch.save"), mapping, path);
        return module;
    }

    /// <summary>Loads a PyTorch state dict whose keys <paramref name="rename"/> maps to the module's (null leaves an entry out).</summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The <c>.pt</c>/<c>.pth</c>/<c>.bin</c> file.</param>
    /// <param name="rename">The file's key to the module's key.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">The renamed keys or shapes differ from the module's.</exception>
    public static TModule LoadPyTorchStateDict<TModule>(this TModule module, string path, Func<string, string?> rename)
        where TModule : nn.Module =>
        module.LoadPyTorchStateDict(path, KeyMapping.Rename(rename));

    /// <summary>
    /// Loads a safetensors file whose keys differ from the module's through <paramref name="mapping"/>. Matching by
    /// position uses the order of the file's header. Every key and shape is checked first; on a mismatch nothing is copied.
    /// A file whose keys are stored sorted by name (as Python's <c>safetensors</c> writes them) is refused for matching by
    /// position when the module's order is not sorted too: pairs such as <c>bn1.bias</c> and <c>bn1.weight</c> have the same
    /// shape, so a sorted file would load them into each other's place without any shape complaining.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="mapping"><see cref="KeyMapping.Rename"/> or <see cref="KeyMapping.ByPosition"/>.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">The mapped keys or shapes differ from the module's.</exception>
    /// <exception cref="InvalidDataException">The file is not a safetensors file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">Matching by position, and the file's keys are sorted by name where the module's order is not.</exception>
    public static TModule LoadSafetensors<TModule>(this TModule module, string path, KeyMapping mapping)
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(mapping);
        using var scope = torch.NewDisposeScope();
        var entries = ReadFile(path, SafetensorsFormat.ReadInOrder, "a safetensors file");
        if (mapping is KeyMapping.PositionMapping && entries.Count > 1)
        {
            var fileKeys = entries.Select(e => e.Key).ToList();
            var moduleKeys = InPyTorchOrder(module).Select(e => e.Key).ToList();
            if (SortedLikePythonSafetensors(entries) && !IsSorted(moduleKeys))
            {
                throw new ArgumentException(
                    $"Cannot match {path} to {module.GetName()} by position: the file stores its {fileKeys.Count} keys sorted by name "
                    + $"({string.Join(", ", fileKeys.Take(3))}, ...), as Python's safetensors writes them, not in the order the model registers them "
                    + $"({string.Join(", ", moduleKeys.Take(3))}, ...), so same-shaped tensors would land in each other's place. "
                    + "Load it with a rename from the file's keys to the module's (LoadSafetensors(path, key => ...)), or save the checkpoint with "
                    + "torch.save(model.state_dict()), which keeps the model's order.",
                    nameof(mapping));
            }
        }

        module.LoadStateDictChecked(entries, mapping, path);
        return module;
    }

    /// <summary>
    /// Whether the entries are in the order Python's safetensors writes: grouped by element type (the widest first,
    /// so BatchNorm's int64 counters come before the float32 weights), each group sorted by name.
    /// </summary>
    private static bool SortedLikePythonSafetensors(IReadOnlyList<(string Key, Tensor Tensor)> entries)
    {
        var finished = new HashSet<ScalarType>();
        for (var i = 1; i < entries.Count; i++)
        {
            var (previous, current) = (entries[i - 1].Tensor.dtype, entries[i].Tensor.dtype);
            if (previous != current)
            {
                finished.Add(previous);
                if (finished.Contains(current))
                {
                    return false;
                }
            }
            else if (string.CompareOrdinal(entries[i - 1].Key, entries[i].Key) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSorted(IReadOnlyList<string> keys)
    {
        for (var i = 1; i < keys.Count; i++)
        {
            if (string.CompareOrdinal(keys[i - 1], keys[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Loads a safetensors file whose keys <paramref name="rename"/> maps to the module's (null leaves an entry out).</summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="rename">The file's key to the module's key.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">The renamed keys or shapes differ from the module's.</exception>
    public static TModule LoadSafetensors<TModule>(this TModule module, string path, Func<string, string?> rename)
        where TModule : nn.Module =>
        module.LoadSafetensors(path, KeyMapping.Rename(rename));

    /// <summary>
    /// Copies the entries of a state dict written by another program into <paramref name="module"/> through
    /// <paramref name="mapping"/>, after checking every mapped key and shape. On any mismatch nothing is copied.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="entries">The tensors under the file's keys, in the file's order; they are copied, not kept.</param>
    /// <param name="mapping"><see cref="KeyMapping.Rename"/> or <see cref="KeyMapping.ByPosition"/>.</param>
    /// <param name="source">Where the tensors came from, for the error message.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">Mapped keys or shapes differ; the exception lists every difference.</exception>
    public static TModule LoadStateDictChecked<TModule>(this TModule module, IReadOnlyList<(string Key, Tensor Tensor)> entries, KeyMapping mapping, string source = "The state dict")
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(mapping);
        if (mapping is KeyMapping.RenameMapping rename)
        {
            var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var mismatches = new List<StateDictMismatch>();
            foreach (var (fileKey, tensor) in entries)
            {
                if (rename.Map(fileKey) is not { } key)
                {
                    continue;
                }

                if (!renamed.TryAdd(key, tensor))
                {
                    mismatches.Add(new StateDictMismatch(key, null, tensor.shape) { FileKey = fileKey + ", a second file entry renamed to the same key" });
                }
            }

            if (mismatches.Count > 0)
            {
                throw new StateDictMismatchException(source, module.GetName(), mismatches);
            }

            return module.LoadStateDictChecked(renamed, source);
        }

        var expected = InPyTorchOrder(module);
        var pairs = new List<StateDictMismatch>();
        for (var i = 0; i < Math.Max(expected.Count, entries.Count); i++)
        {
            if (i >= entries.Count)
            {
                pairs.Add(new StateDictMismatch(expected[i].Key, expected[i].Tensor.shape, null));
            }
            else if (i >= expected.Count)
            {
                pairs.Add(new StateDictMismatch($"#{i}", null, entries[i].Tensor.shape) { FileKey = entries[i].Key });
            }
            else if (!expected[i].Tensor.shape.AsSpan().SequenceEqual(entries[i].Tensor.shape))
            {
                pairs.Add(new StateDictMismatch(expected[i].Key, expected[i].Tensor.shape, entries[i].Tensor.shape) { FileKey = entries[i].Key });
            }
        }

        if (pairs.Count > 0)
        {
            throw new StateDictMismatchException(source + " (matched by position)", module.GetName(), pairs);
        }

        using (torch.no_grad())
        {
            for (var i = 0; i < expected.Count; i++)
            {
                expected[i].Tensor.copy_(entries[i].Tensor);
            }
        }

        return module;
    }

    /// <summary>
    /// The module's state dict in PyTorch's order: each module's own parameters, then its own persistent buffers,
    /// then its children in registration order (TorchSharp's <c>state_dict()</c> lists all parameters first).
    /// </summary>
    /// <param name="module">The module.</param>
    /// <returns>Every state-dict key with its tensor.</returns>
    public static IReadOnlyList<(string Key, Tensor Tensor)> InPyTorchOrder(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var result = new List<(string Key, Tensor Tensor)>();
        Collect(module, string.Empty, result);
        return result;

        static void Collect(nn.Module module, string prefix, List<(string Key, Tensor Tensor)> result)
        {
            foreach (var (name, parameter) in module.named_parameters(recurse: false))
            {
                result.Add((prefix + name, parameter));
            }

            foreach (var (name, buffer) in module.named_buffers(recurse: false, include_nonpersistent: false))
            {
                result.Add((prefix + name, buffer));
            }

            foreach (var (name, child) in module.named_children())
            {
                Collect(child, prefix + name + ".", result);
            }
        }
    }

    /// <summary>
    /// Saves <paramref name="module"/>'s state dict as a file PyTorch loads with
    /// <c>model.load_state_dict(torch.load(path))</c>. The write is atomic.
    /// </summary>
    /// <param name="module">The module to save.</param>
    /// <param name="path">The target file; an existing file is replaced only once the new one is complete.</param>
    public static void SavePyTorchStateDict(this nn.Module module, string path) =>
        Save(module, path, WeightFormat.PyTorch, intercept: null);

    /// <summary>
    /// Loads a safetensors file (as written by <c>safetensors.torch.save_file(model.state_dict(), path)</c>)
    /// into <paramref name="module"/>. Every key and shape is checked first; on a mismatch nothing is copied.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">The file's keys or shapes differ from the module's.</exception>
    /// <exception cref="InvalidDataException">The file is not a safetensors file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TModule LoadSafetensors<TModule>(this TModule module, string path)
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = torch.NewDisposeScope();
        module.LoadStateDictChecked(ReadFile(path, ReadSafetensors, "a safetensors file"), path);
        return module;
    }

    /// <summary>Saves <paramref name="module"/>'s state dict as a safetensors file. The write is atomic.</summary>
    /// <param name="module">The module to save.</param>
    /// <param name="path">The target file; an existing file is replaced only once the new one is complete.</param>
    public static void SaveSafetensors(this nn.Module module, string path) =>
        Save(module, path, WeightFormat.Safetensors, intercept: null);

    /// <summary>
    /// Saves a training checkpoint of <paramref name="module"/>'s weights, atomically: the previous
    /// checkpoint at <paramref name="path"/> stays intact until the new one is complete on disk.
    /// A path ending in <c>.safetensors</c> gets a safetensors file; any other, a PyTorch state dict.
    /// </summary>
    /// <param name="module">The module to save.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <remarks>Only the module's parameters and buffers are saved, not an optimiser's state.</remarks>
    public static void SaveCheckpoint(this nn.Module module, string path) =>
        Save(module, path, FormatFromExtension(path), intercept: null);

    /// <summary>
    /// Loads a checkpoint written by <see cref="SaveCheckpoint"/> (or any PyTorch state dict or
    /// safetensors file; the format is read from the file's first bytes). Every key and shape is
    /// checked first; on a mismatch nothing is copied.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">The file's keys or shapes differ from the module's.</exception>
    /// <exception cref="InvalidDataException">The file is neither a PyTorch state dict nor a safetensors file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TModule LoadCheckpoint<TModule>(this TModule module, string path)
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        return IsZip(path) ? module.LoadPyTorchStateDict(path) : module.LoadSafetensors(path);
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="module"/> after checking that it has
    /// exactly the module's keys, each with the module's shape. On any mismatch nothing is copied.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module to load into.</param>
    /// <param name="stateDict">The tensors by state-dict key; they are copied, not kept.</param>
    /// <param name="source">Where the tensors came from, for the error message.</param>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="StateDictMismatchException">Keys or shapes differ; the exception lists every difference.</exception>
    public static TModule LoadStateDictChecked<TModule>(this TModule module, IReadOnlyDictionary<string, Tensor> stateDict, string source = "The state dict")
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateDict);
        var expected = module.state_dict();
        var mismatches = new List<StateDictMismatch>();
        foreach (var (key, target) in expected)
        {
            if (!stateDict.TryGetValue(key, out var found))
            {
                mismatches.Add(new StateDictMismatch(key, target.shape, null));
            }
            else if (!target.shape.AsSpan().SequenceEqual(found.shape))
            {
                mismatches.Add(new StateDictMismatch(key, target.shape, found.shape));
            }
        }

        foreach (var (key, found) in stateDict.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!expected.ContainsKey(key))
            {
                mismatches.Add(new StateDictMismatch(key, null, found.shape));
            }
        }

        if (mismatches.Count > 0)
        {
            throw new StateDictMismatchException(source, module.GetName(), mismatches);
        }

        // Everything fits: only now touch the module. copy_ converts the element type like PyTorch.
        using (torch.no_grad())
        {
            foreach (var (key, target) in expected)
            {
                target.copy_(stateDict[key]);
            }
        }

        return module;
    }

    /// <summary>
    /// The save behind every public save method; <paramref name="intercept"/> lets tests wrap the file
    /// stream, for example to make it throw midway through a checkpoint.
    /// </summary>
    internal static void Save(nn.Module module, string path, WeightFormat format, Func<Stream, Stream>? intercept)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = torch.NewDisposeScope();
        var stateDict = module.state_dict();
        AtomicFile.Write(
            path,
            stream =>
            {
                if (format == WeightFormat.Safetensors)
                {
                    SafetensorsFormat.Write(stream, stateDict);
                }
                else
                {
                    PyTorchPickler.PickleStateDict(stream, stateDict, leaveOpen: true);
                }
            },
            intercept);
    }

    internal static WeightFormat FormatFromExtension(string path) =>
        string.Equals(Path.GetExtension(path), ".safetensors", StringComparison.OrdinalIgnoreCase)
            ? WeightFormat.Safetensors
            : WeightFormat.PyTorch;

    private static T ReadFile<T>(string path, Func<Stream, T> read, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Cannot load weights: {path} does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        try
        {
            return read(stream);
        }
        catch (Exception e) when (e is not (IOException or OutOfMemoryException or StateDictMismatchException))
        {
            // PyBridge reports a bad file with whatever its parser hit (NotImplementedException, InvalidCastException,
            // JsonException, ...): say plainly which file is not what.
            throw new InvalidDataException($"{path} is not {what}: {e.Message}", e);
        }
    }

    private static Dictionary<string, Tensor> ReadPickle(Stream stream)
    {
        var table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        var result = new Dictionary<string, Tensor>(table.Count, StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
            {
                throw new InvalidDataException($"entry {entry.Key} holds a {entry.Value?.GetType().Name ?? "null"}, not a tensor");
            }

            result.Add(key, tensor);
        }

        return result;
    }

    private static Dictionary<string, Tensor> ReadSafetensors(Stream stream) => SafetensorsFormat.Read(stream);

    private static bool IsZip(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Cannot load weights: {path} does not exist.", path);
        }

        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual(ZipMagic);
    }
}

/// <summary>The two weight-file formats NetGen reads and writes.</summary>
internal enum WeightFormat
{
    /// <summary>The zip-based pickle file of <c>torch.save(state_dict)</c>.</summary>
    PyTorch,

    /// <summary>The safetensors format.</summary>
    Safetensors,
}
