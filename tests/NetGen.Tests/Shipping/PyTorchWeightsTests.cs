using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using Xunit;
using static NetGen.Tests.Shipping.ShippingFiles;
using static TorchSharp.torch;

namespace NetGen.Tests.Shipping;

/// <summary>
/// PyTorch weights in and out of a generated module, against files made by Debian's python3-torch
/// (Reference/*, written by pytorch_weights.py; the tests need no Python).
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public sealed class PyTorchWeightsTests
{
    private const double Tolerance = 1e-5;

    /// <summary>Set to 1 to rewrite Reference/netgen_trained.* from a fresh TorchSharp training run; then run `pytorch_weights.py check`.</summary>
    private const string RewriteVariable = "NETGEN_WRITE_SHIPPING_REFERENCE";

    [Theory]
    [InlineData("pytorch_trained.pt")]
    [InlineData("pytorch_trained.safetensors")]
    public void Weights_trained_in_PyTorch_give_PyTorchs_outputs_within_1e_5(string file)
    {
        using var scope = torch.NewDisposeScope();
        var reference = ReadJson("pytorch_trained.json");
        var inputs = Matrix(reference.GetProperty("inputs"));
        var expected = Matrix(reference.GetProperty("outputs"));
        using var model = new ShipNet();
        model.eval();
        var untrained = ShippingFiles.MaxAbsDifference(model.call(inputs), expected);

        if (file.EndsWith(".pt", StringComparison.Ordinal))
        {
            model.LoadPyTorchStateDict(Reference(file));
        }
        else
        {
            model.LoadSafetensors(Reference(file));
        }

        var difference = ShippingFiles.MaxAbsDifference(model.call(inputs), expected);
        Assert.True(untrained > 0.1, $"a fresh ShipNet is already within {untrained} of PyTorch's outputs: the test would prove nothing");
        Assert.True(difference <= Tolerance, $"max |NetGen - PyTorch| = {difference} after loading {file}");
        Assert.Equal(new long[] { 6, 3 }, expected.shape);
        Assert.Equal(reference.GetProperty("bn1_num_batches_tracked").GetInt64(), model.bn1.num_batches_tracked!.item<long>());
        Assert.Equal(reference.GetProperty("fc1_weight_sum").GetDouble(), model.fc1.weight!.sum().item<float>(), Tolerance);
    }

    [Fact]
    public void LoadCheckpoint_reads_either_format_from_the_files_first_bytes()
    {
        using var scope = torch.NewDisposeScope();
        using var fromPickle = new ShipNet().LoadCheckpoint(Reference("pytorch_trained.pt"));
        using var fromSafetensors = new ShipNet().LoadCheckpoint(Reference("pytorch_trained.safetensors"));
        var pickled = fromPickle.state_dict();
        var safe = fromSafetensors.state_dict();
        Assert.Equal(9, pickled.Count);
        foreach (var (key, tensor) in pickled)
        {
            Assert.True(ShippingFiles.Identical(tensor, safe[key]), $"{key} differs between the two PyTorch files");
        }
    }

    [Theory]
    [InlineData("pytorch_trained.pt")]
    [InlineData("pytorch_trained.safetensors")]
    public void A_shape_mismatch_names_the_layer_and_both_shapes_and_changes_no_weight(string file)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ShipNetNarrowOutput();
        var before = Snapshot(model);

        var error = Assert.Throws<StateDictMismatchException>(() => model.LoadCheckpoint(Reference(file)));

        Assert.Equal(
            new[] { "fc2.weight: expected shape [2, 8], found [3, 8]", "fc2.bias: expected shape [2], found [3]" },
            error.Mismatches.Select(m => m.ToString()));
        Assert.Contains("fc2.weight: expected shape [2, 8], found [3, 8]", error.Message, StringComparison.Ordinal);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was loaded", error.Message, StringComparison.Ordinal);
        // fc1 and bn1 fit the file, and are still untouched: everything is checked before anything is copied.
        AssertUnchanged(before, model);
    }

    [Fact]
    public void Keys_the_module_lacks_are_reported_and_no_weight_changes()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ShipNetWithoutBatchNorm();
        var before = Snapshot(model);

        var error = Assert.Throws<StateDictMismatchException>(() => model.LoadPyTorchStateDict(Reference("pytorch_trained.pt")));

        Assert.Equal(
            new[] { "bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean", "bn1.running_var", "bn1.weight" },
            error.Mismatches.Select(m => m.Key));
        Assert.All(error.Mismatches, m => Assert.Null(m.ExpectedShape));
        Assert.Equal("bn1.running_mean: not in the model (found shape [8])", error.Mismatches[2].ToString());
        AssertUnchanged(before, model);
    }

    [Fact]
    public void Keys_the_state_dict_lacks_are_reported_and_no_weight_changes()
    {
        using var scope = torch.NewDisposeScope();
        using var source = new ShipNet().LoadPyTorchStateDict(Reference("pytorch_trained.pt"));
        var partial = source.state_dict().Where(e => e.Key != "bn1.running_var").ToDictionary(e => e.Key, e => e.Value);
        using var model = new ShipNet();
        var before = Snapshot(model);

        var error = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDictChecked(partial, "partial"));

        var mismatch = Assert.Single(error.Mismatches);
        Assert.Equal("bn1.running_var: missing (expected shape [8])", mismatch.ToString());
        Assert.StartsWith("partial does not fit ShipNet: 1 entry does not match", error.Message, StringComparison.Ordinal);
        AssertUnchanged(before, model);
    }

    [Fact]
    public void A_file_that_is_not_a_state_dict_is_rejected_with_its_path_and_no_weight_changes()
    {
        var directory = NewScratchDirectory("weights");
        try
        {
            using var scope = torch.NewDisposeScope();
            var text = Path.Combine(directory, "notes.pt");
            File.WriteAllText(text, "these are not weights");
            using var model = new ShipNet();
            var before = Snapshot(model);

            var notPickle = Assert.Throws<InvalidDataException>(() => model.LoadPyTorchStateDict(text));
            var notSafetensors = Assert.Throws<InvalidDataException>(() => model.LoadSafetensors(Reference("pytorch_trained.pt")));
            var missing = Assert.Throws<FileNotFoundException>(() => model.LoadCheckpoint(Path.Combine(directory, "absent.pt")));

            Assert.StartsWith($"{text} is not a PyTorch state dict saved by torch.save", notPickle.Message, StringComparison.Ordinal);
            Assert.Contains("pytorch_trained.pt is not a safetensors file", notSafetensors.Message, StringComparison.Ordinal);
            Assert.Contains("absent.pt does not exist", missing.Message, StringComparison.Ordinal);
            AssertUnchanged(before, model);
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    [Fact]
    public void A_truncated_safetensors_file_is_rejected_before_any_tensor_is_read()
    {
        var directory = NewScratchDirectory("weights");
        try
        {
            using var scope = torch.NewDisposeScope();
            var bytes = File.ReadAllBytes(Reference("pytorch_trained.safetensors"));
            var truncated = Path.Combine(directory, "truncated.safetensors");
            File.WriteAllBytes(truncated, bytes[..^4]); // the last 4 bytes are fc2.bias's last float
            using var model = new ShipNet();
            var before = Snapshot(model);

            var error = Assert.Throws<InvalidDataException>(() => model.LoadSafetensors(truncated));

            Assert.Contains("fc2.bias: data_offsets", error.Message, StringComparison.Ordinal);
            Assert.Contains("do not hold 12 bytes for shape [3]", error.Message, StringComparison.Ordinal);
            AssertUnchanged(before, model);
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    [Theory]
    [InlineData("weights.pt")]
    [InlineData("weights.safetensors")]
    public void Saved_weights_load_back_bit_for_bit(string name)
    {
        var directory = NewScratchDirectory("weights");
        try
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(31);
            using var saved = new ShipNet();
            saved.train();
            saved.call(torch.randn(16, 4) * 2 + 1); // move the BatchNorm statistics away from their initial values
            var path = Path.Combine(directory, name);
            if (name.EndsWith(".pt", StringComparison.Ordinal))
            {
                saved.SavePyTorchStateDict(path);
            }
            else
            {
                saved.SaveSafetensors(path);
            }

            using var loaded = new ShipNet().LoadCheckpoint(path);

            var original = saved.state_dict();
            Assert.Equal(original.Keys.Order(), loaded.state_dict().Keys.Order());
            foreach (var (key, tensor) in loaded.state_dict())
            {
                Assert.True(ShippingFiles.Identical(tensor, original[key]), $"{key} changed in the round trip through {name}");
            }

            Assert.Equal(1, loaded.bn1.num_batches_tracked!.item<long>());
            saved.eval();
            loaded.eval();
            var input = torch.randn(5, 4);
            Assert.Equal(0.0, ShippingFiles.MaxAbsDifference(saved.call(input), loaded.call(input)));
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    /// <summary>
    /// NetGen → PyTorch. Reference/netgen_trained.pt was written by <see cref="ModuleWeights.SavePyTorchStateDict"/>
    /// after training in TorchSharp; `pytorch_weights.py check` loaded it in PyTorch 1.13 (strict) and recorded
    /// PyTorch's outputs. Here: PyTorch's outputs equal NetGen's, and today's writer still produces the very bytes
    /// PyTorch accepted (every zip entry identical), so what was checked by hand in PyTorch still holds.
    /// </summary>
    [Fact]
    public void A_NetGen_saved_state_dict_loads_in_PyTorch_with_the_same_outputs()
    {
        if (Environment.GetEnvironmentVariable(RewriteVariable) == "1")
        {
            WriteNetGenReference();
        }

        using var scope = torch.NewDisposeScope();
        var recorded = ReadJson("netgen_trained.json");
        var pytorch = ReadJson("netgen_trained.pytorch.json");
        var inputs = Matrix(recorded.GetProperty("inputs"));
        var netgenOutputs = Matrix(recorded.GetProperty("outputs"));
        var pytorchOutputs = Matrix(pytorch.GetProperty("outputs"));

        Assert.Equal("<All keys matched successfully>", pytorch.GetProperty("load_state_dict").GetString());
        Assert.Equal(9, pytorch.GetProperty("keys").GetArrayLength());
        Assert.Equal("torch.int64", pytorch.GetProperty("dtypes").GetProperty("bn1.num_batches_tracked").GetString());
        Assert.Equal(recorded.GetProperty("train_steps").GetInt64(), pytorch.GetProperty("bn1_num_batches_tracked").GetInt64());
        Assert.True(ShippingFiles.MaxAbsDifference(pytorchOutputs, netgenOutputs) <= Tolerance);

        using var model = new ShipNet().LoadPyTorchStateDict(Reference("netgen_trained.pt"));
        model.eval();
        var outputs = model.call(inputs);
        Assert.True(ShippingFiles.MaxAbsDifference(outputs, pytorchOutputs) <= Tolerance);

        var directory = NewScratchDirectory("weights");
        try
        {
            var resaved = Path.Combine(directory, "resaved.pt");
            model.SavePyTorchStateDict(resaved);
            var committed = ZipEntries(Reference("netgen_trained.pt"));
            var today = ZipEntries(resaved);
            Assert.Equal(committed.Keys.Order(), today.Keys.Order());
            Assert.Contains("model/data.pkl", committed.Keys);
            Assert.Equal(11, committed.Keys.Count); // version, data.pkl and one storage per tensor (9)
            foreach (var (name, bytes) in committed)
            {
                Assert.True(bytes.AsSpan().SequenceEqual(today[name]), $"zip entry {name} differs from the file PyTorch loaded");
            }

            // The safetensors file the script parsed independently (it has no safetensors library) is what the writer still writes.
            var resavedSafetensors = Path.Combine(directory, "resaved.safetensors");
            model.SaveSafetensors(resavedSafetensors);
            Assert.Equal(File.ReadAllBytes(Reference("netgen_trained.safetensors")), File.ReadAllBytes(resavedSafetensors));
            Assert.Equal(0.0, pytorch.GetProperty("safetensors_max_abs_difference_from_pt").GetDouble());
            Assert.Equal(9, pytorch.GetProperty("safetensors_keys").GetInt32());
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    private static void WriteNetGenReference()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4242);
        using var model = new ShipNet();
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 0.05);
        var data = torch.randn(64, 4);
        var targets = data.matmul(torch.randn(4, 3)).tanh() * 2;
        const int steps = 25;
        model.train();
        for (var step = 0; step < steps; step++)
        {
            optimizer.zero_grad();
            torch.nn.functional.mse_loss(model.call(data), targets).backward();
            optimizer.step();
        }

        model.eval();
        var inputs = torch.randn(6, 4);
        var outputs = model.call(inputs);
        model.SavePyTorchStateDict(Reference("netgen_trained.pt"));
        model.SaveSafetensors(Reference("netgen_trained.safetensors"));
        var json = new Dictionary<string, object>
        {
            ["generator"] = $"PyTorchWeightsTests.WriteNetGenReference ({RewriteVariable}=1)",
            ["train_steps"] = steps,
            ["inputs"] = Rows(inputs),
            ["outputs"] = Rows(outputs),
        };
        File.WriteAllText(Reference("netgen_trained.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static float[][] Rows(Tensor matrix) =>
        Enumerable.Range(0, (int)matrix.shape[0]).Select(i => matrix[i].data<float>().ToArray()).ToArray();

    private static Dictionary<string, byte[]> ZipEntries(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        return archive.Entries.ToDictionary(
            e => e.FullName,
            e =>
            {
                using var stream = e.Open();
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                return memory.ToArray();
            });
    }

    internal static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());

    internal static void AssertUnchanged(Dictionary<string, Tensor> before, nn.Module module)
    {
        var now = module.state_dict();
        Assert.Equal(before.Keys.Order(), now.Keys.Order());
        foreach (var (key, tensor) in now)
        {
            Assert.True(ShippingFiles.Identical(tensor, before[key]), $"{key} changed although the load failed");
        }
    }
}
