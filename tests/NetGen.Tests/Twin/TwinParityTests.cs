using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using NetGen.Tests.Catalog;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Twin;

/// <summary>
/// The PyTorch twins against the .NET modules they come from, for networks that together use every catalogue kind
/// (Catalog/CatalogNetworks.cs, Catalog/VariedNetworks.cs) plus declared initialisation, loss and clipping
/// (TwinNetworks.cs). Twin/Fixtures holds each twin's source and the .NET module's weights (written by
/// <see cref="Committed_twin_sources_are_what_the_generator_writes_today"/> with NETGEN_WRITE_TWIN_FIXTURES=1);
/// make_twin_reference.py runs every twin with those weights under Debian's PyTorch and commits
/// twin_reference.json. These tests need no Python: they load the same weights into the .NET module, replay the
/// script's inputs and compare outputs and gradients.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public sealed class TwinParityTests
{
    /// <summary>Largest allowed difference: absolute, or relative to the reference value where that exceeds 1.</summary>
    private const double Tolerance = 1e-5;

    private const int FirstSeed = 20261206;

    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TwinDirectory(), "twin_reference.json"))));

    private readonly ITestOutputHelper output;

    public TwinParityTests(ITestOutputHelper output) => this.output = output;

    /// <summary>The parity networks: every catalogue and varied network, and the ones declaring init, loss and clipping.</summary>
    public static IReadOnlyList<Type> ParityNetworks { get; } = ((IEnumerable<object[]>)SummaryMatchesRuntimeTests.Networks)
        .Select(row => typeof(EveryLayerNet).Assembly.GetType("NetGen.Tests.Catalog." + (string)row[0], throwOnError: true)!)
        .Concat(new[] { typeof(TwinClassifier), typeof(TwinRegressor), typeof(TwinReservedNames) })
        .Concat(new[] { typeof(TwinVolumeInit), typeof(TwinTransposedInit) })
        .ToList();

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var network in ParityNetworks)
            {
                data.Add(network.Name);
            }

            return data;
        }
    }

    [Fact]
    public void Committed_twin_sources_are_what_the_generator_writes_today()
    {
        var fixtures = FixtureDirectory();
        if (Environment.GetEnvironmentVariable("NETGEN_WRITE_TWIN_FIXTURES") == "1")
        {
            WriteFixtures(fixtures);
        }

        foreach (var network in ParityNetworks)
        {
            var committed = File.ReadAllText(Path.Combine(fixtures, network.Name + ".py")).Replace("\r\n", "\n");
            Assert.True(
                committed == PyTorchTwin.Source(network),
                $"Twin/Fixtures/{network.Name}.py differs from the twin the generator writes today: regenerate the fixtures "
                + "(NETGEN_WRITE_TWIN_FIXTURES=1, then make_twin_reference.py; see Twin/make_twin_reference.py).");
        }

        Assert.Equal(
            ParityNetworks.Select(n => n.Name).OrderBy(n => n, StringComparer.Ordinal),
            Reference.Value.RootElement.GetProperty("networks").EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(Tolerance, Reference.Value.RootElement.GetProperty("tolerance").GetDouble());
    }

    [Fact]
    public void The_parity_networks_use_every_catalogue_kind()
    {
        var sources = string.Concat(ParityNetworks.Select(PyTorchTwin.Source));
        foreach (var spelling in new[]
        {
            "nn.Linear(", "nn.Conv2d(", "nn.Conv1d(", "F.max_pool2d(", "F.avg_pool2d(", "F.adaptive_avg_pool2d(", "nn.BatchNorm1d(", "nn.BatchNorm2d(",
            "nn.LayerNorm(", "F.relu(", "F.relu6(", "torch.sigmoid(", "torch.tanh(", "F.selu(", "F.gelu(", "F.leaky_relu(", "F.elu(", "nn.PReLU(",
            "F.softmax(", "F.log_softmax(", "F.dropout(", ".flatten(1)", "nn.LSTM(", "nn.GRU(", "nn.RNN(", ".select(1, -1)", "x = x + self.res",
            "= Encoder()", "_initialise(", "def loss(", "clip_grad_value_(",
            "nn.Embedding(20, 8, padding_idx=0)", "x + self.pos1.weight", "nn.MultiheadAttention(", "attn_mask=", "nn.TransformerEncoderLayer(",
            "norm_first=True", ".mean(1)", "nn.ModuleList([", "torch.cat([branch(x) for branch in self.branch1], 1)", "self.branch2[0](x) + self.branch2[1](x)",
            ".add_module(\"downsample\", HalvingProjection())", "self.res1(x) + self.res1.downsample(x)",
            "nn.GroupNorm(", "nn.InstanceNorm1d(", "nn.InstanceNorm2d(", "F.dropout2d(", ".unflatten(", ".reshape(", ".transpose(", "bidirectional=True",
        })
        {
            Assert.Contains(spelling, sources, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Outputs_and_gradients_equal_the_twins(string name)
    {
        var reference = Reference.Value.RootElement.GetProperty("networks").GetProperty(name);
        var worst = new Worst();
        foreach (var mode in reference.GetProperty("modes").EnumerateObject())
        {
            using var scope = torch.NewDisposeScope();
            var module = LoadModule(name);
            if (mode.Name == "train")
            {
                module.train();
            }
            else
            {
                module.eval();
            }

            // Token ids (an Embedding first) have no gradient; float inputs do.
            var input = ToTensor(reference.GetProperty("input"));
            if (input.is_floating_point())
            {
                input.requires_grad_(true);
            }

            var projection = ToTensor(reference.GetProperty("projection"));
            var result = module.call(input);
            (result * projection).sum().backward();

            var expected = mode.Value;
            worst.Check($"{name} {mode.Name} output", expected.GetProperty("output"), result);
            if (expected.TryGetProperty("input_grad", out var inputGradient))
            {
                worst.Check($"{name} {mode.Name} input gradient", inputGradient, input.grad!);
            }

            CheckGradients(worst, $"{name} {mode.Name}", expected.GetProperty("grads"), module);
            if (expected.TryGetProperty("buffers", out var buffers))
            {
                var state = module.state_dict();
                foreach (var buffer in buffers.EnumerateObject())
                {
                    worst.Check($"{name} {mode.Name} {buffer.Name}", buffer.Value, state[buffer.Name]);
                }
            }
        }

        if (reference.TryGetProperty("declared", out var declared))
        {
            using var scope = torch.NewDisposeScope();
            var module = LoadModule(name);
            module.train();
            var input = ToTensor(reference.GetProperty("input"));
            var target = ToTensor(declared.GetProperty("target"));
            var loss = (Tensor)module.GetType().GetMethod("Loss")!.Invoke(module, new object[] { module.call(input), target })!;
            worst.Check($"{name} declared loss", declared.GetProperty("loss").GetDouble(), loss.item<float>());
            loss.backward();
            module.GetType().GetMethod("ClipGradientValues")?.Invoke(module, null);
            var norm = (double)module.GetType().GetMethod("ClipGradients")!.Invoke(module, null)!;
            worst.Check($"{name} clip_gradients norm", declared.GetProperty("norm").GetDouble(), norm);
            CheckGradients(worst, $"{name} clipped", declared.GetProperty("grads"), module);
        }

        output.WriteLine($"{name}: {worst.Count} values compared, worst difference {worst.Value:E2} at {worst.Where}");
        Assert.True(worst.Count > 0);
        Assert.True(worst.Value <= Tolerance, $"{name}: {worst.Where} differs by {worst.Value:E2} (tolerance {Tolerance:E0})");
    }

    [Theory]
    [InlineData(nameof(TwinClassifier))]
    [InlineData(nameof(TwinRegressor))]
    [InlineData(nameof(TwinVolumeInit))]
    [InlineData(nameof(TwinTransposedInit))]
    public void Declared_initialisation_draws_the_same_weights_from_the_same_seed(string name)
    {
        // Both engines draw from libtorch's CPU generator in the same order (each layer's default init at construction,
        // then the declared init layer by layer), so the same seed gives the same weights.
        var reference = Reference.Value.RootElement.GetProperty("networks").GetProperty(name).GetProperty("seeded_init");
        using var scope = torch.NewDisposeScope();
        var type = ParityNetworks.Single(n => n.Name == name);
        // A first construction before seeding: without it, the first network built in the test process came out different.
        ((nn.Module)Activator.CreateInstance(type)!).Dispose();
        torch.manual_seed(reference.GetProperty("seed").GetInt64());
        var module = (nn.Module)Activator.CreateInstance(type)!;
        var state = module.state_dict();
        var worst = new Worst();
        foreach (var entry in reference.GetProperty("state").EnumerateObject())
        {
            worst.Check($"{name} initial {entry.Name}", entry.Value, state[entry.Name]);
        }

        output.WriteLine($"{name}: {worst.Count} initial values compared, worst difference {worst.Value:E2} at {worst.Where}");
        Assert.True(worst.Value <= Tolerance, $"{name}: {worst.Where} differs by {worst.Value:E2}");
    }

    private static void CheckGradients(Worst worst, string what, JsonElement expected, nn.Module module)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(
            expected.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
            parameters.Keys.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var gradient in expected.EnumerateObject())
        {
            worst.Check($"{what} {gradient.Name} gradient", gradient.Value, parameters[gradient.Name].grad!);
        }
    }

    private static nn.Module<Tensor, Tensor> LoadModule(string name)
    {
        var type = ParityNetworks.Single(n => n.Name == name);
        var module = (nn.Module<Tensor, Tensor>)Activator.CreateInstance(type)!;
        return module.LoadSafetensors(Path.Combine(FixtureDirectory(), name + ".safetensors"));
    }

    /// <summary>
    /// The twin sources, and the .NET modules' weights with seeded initialisation; the tensors that start constant
    /// (normalisation scales and shifts, running statistics, PReLU slopes) are spread out so that they are tested too.
    /// </summary>
    private static void WriteFixtures(string fixtures)
    {
        Directory.CreateDirectory(fixtures);
        PyTorchTwin.Write(fixtures, ParityNetworks.ToArray());
        File.Delete(Path.Combine(fixtures, PyTorchTwin.LauncherFileName));
        for (var i = 0; i < ParityNetworks.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(SeedOf(ParityNetworks[i].Name));
            var module = (nn.Module)Activator.CreateInstance(ParityNetworks[i])!;
            using (torch.no_grad())
            {
                foreach (var (key, tensor) in module.state_dict())
                {
                    if (!tensor.is_floating_point() || tensor.numel() == 0)
                    {
                        continue;
                    }

                    if (key.EndsWith("running_var", StringComparison.Ordinal))
                    {
                        tensor.uniform_(0.5, 1.5);
                    }
                    else if (tensor.numel() == 1 || (tensor.max() - tensor.min()).item<float>() == 0)
                    {
                        tensor.add_(torch.empty_like(tensor).uniform_(-0.3, 0.3));
                    }
                }
            }

            module.SaveSafetensors(Path.Combine(fixtures, ParityNetworks[i].Name + ".safetensors"));
        }

        // Training data for the launcher's fixture run (V01Mlp, MSE): make_twin_reference.py trains it one epoch.
        torch.manual_seed(FirstSeed);
        using var inputs = torch.randn(32, 10);
        using var targets = torch.randn(32, 5);
        PyTorchTwin.WriteData(Path.Combine(fixtures, "V01Mlp.data.safetensors"), inputs, targets);

        // Token data for a network that starts with an Embedding (int64 ids, cross-entropy): the launcher trains it one epoch too.
        using var tokens = torch.randint(0, 20, new long[] { 32, 6 }, dtype: ScalarType.Int64);
        using var classes = torch.randint(0, 3, new long[] { 32 }, dtype: ScalarType.Int64);
        PyTorchTwin.WriteData(Path.Combine(fixtures, "EveryTextLayerNet.data.safetensors"), tokens, classes);
    }

    /// <summary>A seed from the network's name (FNV-1a), so adding a parity network leaves the others' weights as they are.</summary>
    private static long SeedOf(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return FirstSeed + (hash % 1_000_000);
    }

    private static Tensor ToTensor(JsonElement tensor)
    {
        var shape = tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var values = tensor.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var t = torch.tensor(values, dtype: tensor.GetProperty("dtype").GetString() == "int64" ? ScalarType.Int64 : ScalarType.Float32);
        return t.reshape(shape);
    }

    private static string TwinDirectory([CallerFilePath] string thisFile = "") => Path.GetDirectoryName(thisFile)!;

    private static string FixtureDirectory() => Path.Combine(TwinDirectory(), "Fixtures");

    /// <summary>The largest difference seen, where, and how many values were compared.</summary>
    private sealed class Worst
    {
        public double Value { get; private set; }

        public string Where { get; private set; } = "nothing";

        public int Count { get; private set; }

        public void Check(string what, double expected, double actual)
        {
            Count++;
            var difference = Math.Abs(expected - actual) / Math.Max(1.0, Math.Abs(expected));
            if (!(difference <= Value))
            {
                Value = double.IsNaN(difference) ? double.PositiveInfinity : difference;
                Where = what;
            }
        }

        public void Check(string what, JsonElement expected, Tensor actual)
        {
            var shape = expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            Assert.True(shape.SequenceEqual(actual.shape), $"{what}: twin shape [{string.Join(", ", shape)}], .NET [{string.Join(", ", actual.shape)}]");
            // The reference keeps every stride-th element of large tensors, and the whole tensor's L2 norm.
            var values = actual.detach().cpu().to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
            var stride = expected.GetProperty("stride").GetInt32();
            var index = 0;
            foreach (var value in expected.GetProperty("values").EnumerateArray())
            {
                Check(what, value.GetDouble(), values[index]);
                index += stride;
            }

            Assert.Equal((values.Length + stride - 1) / stride, (index + stride - 1) / stride);
            if (expected.TryGetProperty("norm", out var norm))
            {
                Check(what + " (L2 norm)", norm.GetDouble(), Math.Sqrt(values.Sum(v => v * v)));
            }
        }
    }
}
