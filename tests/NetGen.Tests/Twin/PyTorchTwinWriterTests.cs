using System;
using System.IO;
using System.Linq;
using NetGen.Tests.Networks;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.Twin;

/// <summary>PyTorchTwin.Write, WriteData and ReadTensors: what lands on disk for the launcher.</summary>
public sealed class PyTorchTwinWriterTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "netgen-twin-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Write_puts_each_twin_and_the_launcher_in_the_directory_and_nothing_else()
    {
        var written = PyTorchTwin.Write(Path.Combine(directory, "twins"), typeof(SimpleNet), typeof(DeepNet));

        Assert.Equal(new[] { "SimpleNet.py", "DeepNet.py", "train.py" }, written.Select(Path.GetFileName));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(directory, "twins"), "*", SearchOption.AllDirectories).Length);
        Assert.Equal(SimpleNet.PyTorchSource, File.ReadAllText(written[0]));
        var launcher = File.ReadAllText(written[2]);
        Assert.Equal(PyTorchTwin.LauncherSource(), launcher);
        Assert.Contains("DistributedSampler", launcher, StringComparison.Ordinal);
        Assert.Contains("mp.spawn(run_process", launcher, StringComparison.Ordinal);
        Assert.Contains("init_method=\"env://\"", launcher, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_refuses_a_type_that_is_not_a_network_before_writing_anything()
    {
        var e = Assert.Throws<ArgumentException>(() => PyTorchTwin.Write(directory, typeof(SimpleNet), typeof(string)));
        Assert.Contains("System.String", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void WriteData_writes_inputs_and_targets_that_read_back_exactly()
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "data.safetensors");
        using var inputs = torch.arange(0, 24, dtype: torch.float32).reshape(6, 4);
        using var targets = torch.tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        PyTorchTwin.WriteData(path, inputs, targets);

        var read = PyTorchTwin.ReadTensors(path);
        Assert.Equal(new[] { "inputs", "targets" }, read.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(new long[] { 6, 4 }, read["inputs"].shape);
        Assert.Equal(torch.ScalarType.Int64, read["targets"].dtype);
        Assert.Equal(0.0, (read["inputs"] - inputs).abs().max().item<float>());
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2 }, read["targets"].data<long>().ToArray());
    }

    [Fact]
    public void WriteData_refuses_inputs_and_targets_with_different_sample_counts()
    {
        Directory.CreateDirectory(directory);
        using var inputs = torch.zeros(6, 4);
        using var targets = torch.zeros(5, dtype: torch.int64);
        var e = Assert.Throws<ArgumentException>(() => PyTorchTwin.WriteData(Path.Combine(directory, "data.safetensors"), inputs, targets));
        Assert.Contains("inputs [6, 4] and targets [5]", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory));
    }
}
