using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Monitoring;

/// <summary>
/// Xavier and Kaiming initialisation against PyTorch: the gains of calculate_gain, and the very numbers PyTorch draws from
/// the same seed (Monitoring/init_reference.json, written by make_init_reference.py with PyTorch 1.13).
/// </summary>
[Collection(SeededCollection.Name)]
public sealed class WeightInitTests
{
    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Monitoring", "init_reference.json"))));

    [Fact]
    public void Gains_equal_PyTorchs_calculate_gain_including_SELU_and_the_default_leaky_slope()
    {
        var gains = Reference.Value.RootElement.GetProperty("gains").EnumerateArray().ToArray();
        Assert.Equal(7, gains.Length);
        foreach (var entry in gains)
        {
            var nonlinearity = Enum.Parse<Nonlinearity>(entry.GetProperty("nonlinearity").GetString()!);
            var slope = entry.GetProperty("slope").GetDouble();
            Assert.Equal(entry.GetProperty("gain").GetDouble(), WeightInit.Gain(nonlinearity, slope), 1e-15);
        }

        // PyTorch's default slope is 0.01; TorchSharp's calculate_gain assumes 0, which would give √2.
        Assert.Equal(Math.Sqrt(2 / 1.0001), WeightInit.Gain(Nonlinearity.LeakyReLU), 1e-15);
        Assert.Equal(0.75, WeightInit.Gain(Nonlinearity.SELU));
    }

    [Fact]
    public void Every_scheme_draws_exactly_the_numbers_PyTorch_draws_from_the_same_seed()
    {
        var root = Reference.Value.RootElement;
        var seed = root.GetProperty("seed").GetInt64();
        var cases = root.GetProperty("cases").EnumerateArray().ToArray();
        Assert.Equal(7, cases.Length);
        foreach (var entry in cases)
        {
            var scheme = Enum.Parse<Init>(entry.GetProperty("scheme").GetString()!);
            var nonlinearity = Enum.Parse<Nonlinearity>(entry.GetProperty("nonlinearity").GetString()!);
            var mode = Enum.Parse<FanMode>(entry.GetProperty("mode").GetString()!);
            var shape = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var expected = entry.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();

            torch.manual_seed(seed);
            using var weight = torch.empty(shape);
            WeightInit.Apply(weight, null, scheme, nonlinearity, entry.GetProperty("slope").GetDouble(), mode);

            var actual = weight.flatten().data<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= 1e-7, $"{scheme} {nonlinearity} {mode} [{string.Join(", ", shape)}]: largest difference {worst}");
        }
    }

    [Fact]
    public void Applying_to_a_layer_sets_the_weight_and_zeroes_the_bias_unless_told_otherwise()
    {
        torch.manual_seed(51);
        using var layer = torch.nn.Linear(256, 512);
        WeightInit.Apply(layer, Init.KaimingNormal, Nonlinearity.ReLU);
        Assert.Equal(Math.Sqrt(2.0 / 256), layer.weight!.std().item<float>(), 0.03 * Math.Sqrt(2.0 / 256));
        Assert.Equal(0.0, layer.bias!.abs().max().item<float>());

        using var keepBias = torch.nn.Linear(256, 512);
        var bias = keepBias.bias!.bytes.ToArray();
        WeightInit.Apply(keepBias, Init.XavierUniform, Nonlinearity.Tanh, zeroBias: false);
        var bound = 5.0 / 3.0 * Math.Sqrt(6.0 / (256 + 512));
        Assert.InRange(keepBias.weight!.abs().max().item<float>(), 0.99 * bound, bound);
        Assert.True(bias.AsSpan().SequenceEqual(keepBias.bias!.bytes));
        Assert.True(keepBias.weight.requires_grad);
    }

    [Theory]
    [InlineData(Init.None)]
    [InlineData(Init.Default)]
    public void None_and_Default_keep_PyTorchs_default_initialisation(Init scheme)
    {
        using var layer = torch.nn.Linear(8, 4);
        var weight = layer.weight!.bytes.ToArray();
        var bias = layer.bias!.bytes.ToArray();
        WeightInit.Apply(layer, scheme, Nonlinearity.ReLU);
        Assert.True(weight.AsSpan().SequenceEqual(layer.weight.bytes));
        Assert.True(bias.AsSpan().SequenceEqual(layer.bias.bytes));
    }

    [Fact]
    public void Fans_follow_PyTorch_for_linear_and_convolution_weights_and_bad_input_is_named()
    {
        using var linear = torch.empty(10, 3);
        using var conv = torch.empty(4, 3, 2, 2);
        Assert.Equal((3L, 10L), WeightInit.Fans(linear));
        Assert.Equal((12L, 16L), WeightInit.Fans(conv));

        using var vector = torch.empty(5);
        Assert.Contains("shape [5]", Assert.Throws<ArgumentException>(() => WeightInit.Fans(vector)).Message);
        using var noWeight = torch.nn.ReLU();
        Assert.Contains("no parameter named 'weight'", Assert.Throws<ArgumentException>(() => WeightInit.Apply(noWeight, Init.KaimingUniform, Nonlinearity.ReLU)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.Gain(Nonlinearity.LeakyReLU, double.NaN));
    }
}
