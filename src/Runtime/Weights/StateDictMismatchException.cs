using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen;

/// <summary>
/// One entry of a state dict that does not fit a module: a shape that differs, a key the module
/// does not have, or a key the file lacks.
/// </summary>
/// <param name="Key">The state-dict key, as PyTorch spells it (<c>fc1.weight</c>, <c>bn1.running_mean</c>).</param>
/// <param name="ExpectedShape">The module's shape for that key, or <see langword="null"/> when the module has no such key.</param>
/// <param name="FoundShape">The shape in the loaded state dict, or <see langword="null"/> when the state dict lacks the key.</param>
public sealed record StateDictMismatch(string Key, long[]? ExpectedShape, long[]? FoundShape)
{
    /// <summary>
    /// When the load went through a <see cref="KeyMapping"/>: the key the file itself uses for this entry
    /// (<c>layer1.0.conv1.weight</c>), or null when it equals <see cref="Key"/> or the file has no entry here.
    /// </summary>
    public string? FileKey { get; init; }

    /// <summary>A one-line description: <c>fc1.weight: expected shape [8, 4], found [8, 5]</c>.</summary>
    public override string ToString() => (ExpectedShape, FoundShape) switch
    {
        (null, { } found) => $"{Key}: not in the model (found shape {Format(found)}{FromFile})",
        ({ } expected, null) => $"{Key}: missing (expected shape {Format(expected)})",
        ({ } expected, { } found) => $"{Key}: expected shape {Format(expected)}, found {Format(found)}{FromFile}",
        _ => Key,
    };

    private string FromFile => FileKey is null || FileKey == Key ? string.Empty : $" as '{FileKey}' in the file";

    /// <summary>Formats a shape the way PyTorch prints it in its own size-mismatch errors: <c>[8, 4]</c>.</summary>
    internal static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>
/// Thrown when a state dict (from a file or a dictionary) does not fit a module. Every key and every
/// shape is checked before anything is copied, so when this is thrown the module's weights are unchanged.
/// </summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>Creates the exception for the given source and mismatches.</summary>
    /// <param name="source">Where the state dict came from (a file path or a description), used in the message.</param>
    /// <param name="moduleName">The module's name, used in the message.</param>
    /// <param name="mismatches">Every mismatch found; at least one.</param>
    public StateDictMismatchException(string source, string moduleName, IReadOnlyList<StateDictMismatch> mismatches)
        : base(BuildMessage(source, moduleName, mismatches))
    {
        StateDictSource = source;
        Mismatches = mismatches;
    }

    /// <summary>Where the state dict came from: the file path, or a description for an in-memory dictionary.</summary>
    public string StateDictSource { get; }

    /// <summary>Every key that did not fit, in the module's key order, then the keys the module does not have.</summary>
    public IReadOnlyList<StateDictMismatch> Mismatches { get; }

    private static string BuildMessage(string source, string moduleName, IReadOnlyList<StateDictMismatch> mismatches)
    {
        var count = mismatches.Count == 1 ? "1 entry does" : $"{mismatches.Count} entries do";
        return $"{source} does not fit {moduleName}: {count} not match, so nothing was loaded: "
            + string.Join("; ", mismatches.Select(m => m.ToString()));
    }
}
