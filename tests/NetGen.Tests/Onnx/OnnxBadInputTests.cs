using System;
using System.IO;
using System.Linq;
using NetGen.Tests.Catalog;
using Xunit;

namespace NetGen.Tests.Onnx;

/// <summary>Exports that cannot succeed fail with a clear exception and leave no file, not even a temporary one.</summary>
public class OnnxBadInputTests
{
    [Fact]
    public void A_missing_folder_is_a_clear_exception()
    {
        using var module = OnnxFixtures.Create(nameof(V01Mlp), seed: 1);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "missing", "net.onnx");

        var e = Assert.Throws<DirectoryNotFoundException>(() => OnnxFixtures.Export(module, path));

        Assert.Contains(Path.Combine(temp.Path, "missing"), e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_read_only_folder_is_a_clear_exception_and_leaves_no_file()
    {
        using var module = OnnxFixtures.Create(nameof(V01Mlp), seed: 1);
        using var temp = new TemporaryFolder();
        var folder = Path.Combine(temp.Path, "locked");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        if (CanWrite(folder))
        {
            // Running as root, permissions do not stop writes; sysfs refuses new files even to root.
            folder = "/sys";
        }

        var path = Path.Combine(folder, "net.onnx");
        var e = Assert.Throws<UnauthorizedAccessException>(() => OnnxFixtures.Export(module, path));

        Assert.Contains("not writable", e.Message);
        Assert.Contains(folder, e.Message);
        Assert.False(File.Exists(path));
        File.SetUnixFileMode(Path.Combine(temp.Path, "locked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void An_opset_too_old_for_a_layer_names_the_layer_and_writes_nothing()
    {
        using var module = OnnxFixtures.Create(nameof(V14Transformerish), seed: 1);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "net.onnx");
        File.WriteAllText(path, "previous");

        var e = Assert.Throws<NotSupportedException>(() => OnnxFixtures.Export(module, path, opset: 16));

        Assert.Contains("ln1 (LayerNorm)", e.Message);
        Assert.Contains("opset 17", e.Message);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(22)]
    public void An_opset_outside_the_written_range_is_a_clear_exception(int opset)
    {
        using var module = OnnxFixtures.Create(nameof(V01Mlp), seed: 1);
        using var temp = new TemporaryFolder();

        var e = Assert.Throws<NotSupportedException>(() => OnnxFixtures.Export(module, Path.Combine(temp.Path, "net.onnx"), opset));

        Assert.Contains($"opset {opset}", e.Message);
        Assert.Contains("13 to 21", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public void An_older_opset_still_exports_networks_without_newer_operators()
    {
        using var module = OnnxFixtures.Create(nameof(V18AdaptiveRect), seed: 1);
        using var temp = new TemporaryFolder();
        foreach (var opset in new[] { 13, 21 })
        {
            var path = Path.Combine(temp.Path, $"net{opset}.onnx");
            OnnxFixtures.Export(module, path, opset);
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
            using var input = TorchSharp.torch.randn(3, 3, 10, 10);
            using var expected = module.forward(input);
            var actual = OnnxFixtures.RunOnnx(session, input);
            var difference = expected.data<float>().ToArray().Zip(actual.Values, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(difference <= OnnxExportParityTests.Tolerance, $"opset {opset}: {difference:E2}");
        }
    }

    [Fact]
    public void A_module_that_is_not_a_netgen_network_is_a_clear_exception()
    {
        using var module = TorchSharp.torch.nn.Sequential(TorchSharp.torch.nn.Linear(3, 2));
        using var temp = new TemporaryFolder();

        var e = Assert.Throws<ArgumentException>(() => module.ExportOnnx(Path.Combine(temp.Path, "net.onnx")));

        Assert.Contains("is not a NetGen network", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    private static bool CanWrite(string folder)
    {
        var probe = Path.Combine(folder, ".probe");
        try
        {
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
