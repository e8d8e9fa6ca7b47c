using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Tests.Shipping;

/// <summary>Paths and readers shared by the shipping tests: committed reference files, scratch folders, JSON tensors.</summary>
internal static class ShippingFiles
{
    /// <summary>tests/NetGen.Tests/Shipping in the source tree (the reference files are read where they are committed).</summary>
    public static string SourceDirectory([CallerFilePath] string thisFile = "") => Path.GetDirectoryName(thisFile)!;

    public static string Reference(string name) => Path.Combine(SourceDirectory(), "Reference", name);

    /// <summary>The repository root: tests/NetGen.Tests/Shipping is three levels below it.</summary>
    public static string RepositoryRoot() => Path.GetFullPath(Path.Combine(SourceDirectory(), "..", "..", ".."));

    public static JsonElement ReadJson(string name) => JsonDocument.Parse(File.ReadAllText(Reference(name))).RootElement;

    /// <summary>A JSON array of arrays of numbers as a float32 tensor.</summary>
    public static Tensor Matrix(JsonElement rows) =>
        torch.tensor(
            rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray(),
            new long[] { rows.GetArrayLength(), rows[0].GetArrayLength() });

    /// <summary>A fresh empty directory under the system temp folder; delete it with <see cref="DeleteDirectory"/>.</summary>
    public static string NewScratchDirectory(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), $"netgen-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>Same shape, same element type, every element equal.</summary>
    public static bool Identical(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static double MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
