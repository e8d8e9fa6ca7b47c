using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Architectures;

/// <summary>
/// ResNet-18 declared with NetGen attributes against torchvision's: the parameter count, and the eval-mode output on
/// the same weights and input. The weights are torchvision's random initialisation, written by make_resnet18.py next
/// to this file (float16 storage, float32 arithmetic; see the script), so the test needs no Python.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class ResNet18Tests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string Weights = Fixture("resnet18_fp16.pt");

    /// <summary>torchvision's keys to NetGen's: layer{s}.{i} is the (2(s-1)+i+1)-th residual, downsample.0/1 are the shortcut's conv1/bn1.</summary>
    public static string TorchvisionToNetGen(string key)
    {
        var renamed = Regex.Replace(key, @"^layer(\d)\.(\d)\.", m => $"res{(2 * (int.Parse(m.Groups[1].Value) - 1)) + int.Parse(m.Groups[2].Value) + 1}.");
        return renamed.Replace(".downsample.0.", ".downsample.conv1.").Replace(".downsample.1.", ".downsample.bn1.");
    }

    [Fact]
    public void Has_exactly_torchvisions_parameter_count()
    {
        Assert.Equal(11_689_512, ResNet18.Summary.TotalParameters);
        using var model = new ResNet18();
        Assert.Equal(11_689_512, model.parameters().Sum(p => p.numel()));
        Assert.Equal(new long[] { 1000 }, ResNet18.Summary.OutputShape);
        Assert.Equal(new long[] { 128, 8, 8 }, ResNet18.Summary["res3"].OutputShape);
        Assert.Equal(221_696 + 8_448, ResNet18.Summary["res3"].Parameters);
    }

    [Fact]
    public void Loads_a_torchvision_state_dict_through_renamed_keys_and_matches_its_output()
    {
        using var model = new ResNet18().LoadPyTorchStateDict(Weights, TorchvisionToNetGen);
        var difference = MaxDifferenceFromTorchvision(model);
        output.WriteLine($"ResNet-18, largest |NetGen - torchvision| over the 2x1000 outputs: {difference:E2}");
        Assert.True(difference <= 1e-4, $"{difference}");
    }

    [Fact]
    public void Loads_a_torchvision_state_dict_by_position_and_matches_its_output()
    {
        using var model = new ResNet18().LoadPyTorchStateDict(Weights, KeyMapping.ByPosition);
        Assert.True(MaxDifferenceFromTorchvision(model) <= 1e-4);

        // By position, every tensor lands where renaming puts it: the two mappings agree entry by entry.
        using var renamed = new ResNet18().LoadPyTorchStateDict(Weights, TorchvisionToNetGen);
        var expected = renamed.state_dict();
        foreach (var (key, tensor) in model.state_dict())
        {
            Assert.True(Same(tensor, expected[key]), key);
        }
    }

    [Fact]
    public void A_renaming_that_leaves_keys_out_lists_them_and_loads_nothing()
    {
        torch.manual_seed(3);
        using var model = new ResNet18();
        using var before = model.conv1.weight!.clone();
        var error = Assert.Throws<StateDictMismatchException>(() =>
            model.LoadPyTorchStateDict(Weights, key => key.StartsWith("fc.", StringComparison.Ordinal) ? null : key));

        // Without the layer rename, the 114 block keys are unknown and the 114 res* keys missing; fc is left out on purpose,
        // so fc.weight and fc.bias are missing too; the stem (conv1, bn1) matches.
        Assert.Contains(error.Mismatches, m => m.Key == "fc.weight" && m.FoundShape is null);
        Assert.Contains(error.Mismatches, m => m.Key == "layer1.0.conv1.weight" && m.ExpectedShape is null);
        Assert.Contains(error.Mismatches, m => m.Key == "res3.downsample.conv1.weight" && m.FoundShape is null);
        Assert.Equal(114 + 116, error.Mismatches.Count);
        Assert.True(Same(model.conv1.weight!, before));
    }

    [Fact]
    public void Matching_by_position_against_another_architecture_lists_every_differing_pair_and_loads_nothing()
    {
        using var model = new Project128();
        using var before = model.conv1.weight!.clone();
        var error = Assert.Throws<StateDictMismatchException>(() => model.LoadPyTorchStateDict(Weights, KeyMapping.ByPosition));

        Assert.Contains("matched by position", error.Message);
        var first = error.Mismatches[0];
        Assert.Equal("conv1.weight", first.Key);
        Assert.Equal(new long[] { 128, 64, 1, 1 }, first.ExpectedShape);
        Assert.Equal(new long[] { 64, 3, 7, 7 }, first.FoundShape);
        Assert.Contains("bn1.weight: expected shape [128], found [64]", error.Message);

        // 6 module entries against 122 in the file: the 116 extra file entries are listed with their file keys.
        Assert.Equal(122 - 6 + 5, error.Mismatches.Count);
        Assert.Equal("fc.bias", error.Mismatches[^1].FileKey);
        Assert.True(Same(model.conv1.weight!, before));
    }

    [Fact]
    public void A_safetensors_file_sorted_by_name_is_refused_by_position_and_loads_by_name()
    {
        // Python's safetensors stores the entries grouped by element type (int64 counters first), each group sorted by name.
        using var scope = torch.NewDisposeScope();
        using var source = new ResNet18().LoadPyTorchStateDict(Weights, TorchvisionToNetGen);
        var sorted = source.state_dict()
            .OrderBy(e => e.Value.dtype == ScalarType.Int64 ? 0 : 1)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .ToList();
        var path = Path.Combine(Path.GetTempPath(), "netgen-sorted-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            using (var file = File.Create(path))
            {
                SafetensorsFormat.Write(file, sorted);
            }

            using var model = new ResNet18();
            var error = Assert.Throws<ArgumentException>(() => model.LoadSafetensors(path, KeyMapping.ByPosition));
            Assert.Contains("sorted by name", error.Message, StringComparison.Ordinal);
            Assert.Contains("(bn1.num_batches_tracked, res1.bn1.num_batches_tracked, res1.bn2.num_batches_tracked, ...)", error.Message, StringComparison.Ordinal);
            Assert.Contains("(conv1.weight, bn1.weight, bn1.bias, ...)", error.Message, StringComparison.Ordinal);
            Assert.Contains("rename", error.Message, StringComparison.Ordinal);

            // By name the same file loads, tensor for tensor.
            model.LoadSafetensors(path, key => key);
            var expected = source.state_dict();
            Assert.All(model.state_dict(), e => Assert.True(Same(e.Value, expected[e.Key]), e.Key));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_pytorch_order_is_each_modules_parameters_then_buffers_then_children()
    {
        using var model = new ResNet18();
        var keys = ModuleWeights.InPyTorchOrder(model).Select(e => e.Key).ToList();
        Assert.Equal(model.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal), keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(
            new[] { "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "res1.conv1.weight" },
            keys.Take(7));
        Assert.Equal(new[] { "res3.downsample.conv1.weight", "res3.downsample.bn1.weight" }, keys.SkipWhile(k => !k.StartsWith("res3.downsample", StringComparison.Ordinal)).Take(2));
        Assert.Equal("fc.bias", keys[^1]);
    }

    /// <summary>The largest absolute difference between the model's eval output and torchvision's on the fixture's input.</summary>
    private static double MaxDifferenceFromTorchvision(ResNet18 model)
    {
        using var scope = torch.NewDisposeScope();
        var io = PyTorchUnpickler.UnpickleStateDict(Fixture("resnet18_io.pt"));
        var input = (Tensor)io["input"]!;
        var expected = (Tensor)io["output"]!;
        Assert.Equal(new long[] { 2, 3, 64, 64 }, input.shape);
        model.eval();
        using var noGrad = torch.no_grad();
        var output = model.call(input);
        Assert.Equal(expected.shape, output.shape);
        Assert.True(expected.abs().max().item<float>() > 1, "the reference output is not trivially small");
        return (output - expected).abs().max().item<float>();
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Architectures", name);
}
