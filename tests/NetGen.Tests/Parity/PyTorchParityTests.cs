using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Parity;

/// <summary>
/// Numerical parity between the generated TorchSharp modules (ParityNetworks.cs) and the same
/// networks written by hand in PyTorch. The reference numbers come from make_reference.py and are
/// checked in as Parity/pytorch_reference.json, so these tests need no Python.
/// Each test loads PyTorch's initial state dict into a fresh generated module and replays the
/// script's sequence: train-mode forward, MSE loss, backward, (clip), eval-mode forward, one Adam step.
/// </summary>
public sealed class PyTorchParityTests
{
    /// <summary>Absolute tolerance for every compared tensor element and the loss (float32, libtorch CPU).</summary>
    private const double AbsoluteTolerance = 1e-5;

    /// <summary>Relative tolerance for the total gradient norm returned by ClipGradients().</summary>
    private const double RelativeTolerance = 1e-5;

    private const double AdamLearningRate = 1e-2;

    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Parity", "pytorch_reference.json"))));

    private readonly ITestOutputHelper output;

    public PyTorchParityTests(ITestOutputHelper output) => this.output = output;

    // ----------------------------------------------------------------------------------------
    // Tests
    // ----------------------------------------------------------------------------------------

    [Fact]
    public void ReferenceFileDeclaresTheToleranceTheseTestsUse()
    {
        Assert.Equal(AbsoluteTolerance, Reference.Value.RootElement.GetProperty("tolerance").GetDouble());
        Assert.Equal(AdamLearningRate, Network("ParityNet").GetProperty("adam").GetProperty("lr").GetDouble());
        Assert.Equal(AdamLearningRate, Network("ParityNoBiasNet").GetProperty("adam").GetProperty("lr").GetDouble());
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void StateDictKeysMatchPyTorch(string network)
    {
        using var scope = torch.NewDisposeScope();
        var model = Create(network);
        var reference = Network(network).GetProperty("initial_state_dict");

        var expected = reference.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var actual = model.state_dict().Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, actual);

        // Shapes and dtypes, too, so that a wrong layer size is reported as such.
        var stateDict = model.state_dict();
        foreach (var entry in reference.EnumerateObject())
        {
            var tensor = stateDict[entry.Name];
            Assert.True(
                ExpectedDType(entry.Value) == tensor.dtype,
                $"{network} state_dict['{entry.Name}']: dtype {tensor.dtype}, PyTorch has {entry.Value.GetProperty("dtype").GetString()}");
            Assert.True(
                Shape(entry.Value).SequenceEqual(tensor.shape),
                $"{network} state_dict['{entry.Name}']: shape [{string.Join(", ", tensor.shape)}], PyTorch has [{string.Join(", ", Shape(entry.Value))}]");
        }
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void LoadedStateIsThePyTorchInitialState(string network)
    {
        // Guards the loading itself: copy_ into state_dict() entries must reach the module's live tensors.
        using var scope = torch.NewDisposeScope();
        var model = Create(network);
        LoadInitialState(network, model);
        var reference = Network(network).GetProperty("initial_state_dict");

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var entry in reference.EnumerateObject())
        {
            var live = parameters.TryGetValue(entry.Name, out var p) ? p
                : buffers.TryGetValue(entry.Name, out var b) ? b
                : throw new Xunit.Sdk.XunitException($"{network}: '{entry.Name}' is in state_dict() but neither a parameter nor a buffer");
            AssertClose($"{network} loaded {entry.Name}", entry.Value, live, 0.0);
        }
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void TrainModeForwardOutputMatchesPyTorch(string network)
    {
        using var scope = torch.NewDisposeScope();
        var run = TrainStep(network);
        AssertClose($"{network} train-mode output", Network(network).GetProperty("train_output"), run.Output);
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void MseLossMatchesPyTorch(string network)
    {
        using var scope = torch.NewDisposeScope();
        var run = TrainStep(network);
        double expected = Network(network).GetProperty("loss").GetDouble();
        double actual = run.Loss.item<float>();
        Report($"{network} loss", Math.Abs(expected - actual));
        Assert.True(
            Math.Abs(expected - actual) <= AbsoluteTolerance,
            $"{network} MSE loss: expected {Fmt(expected)}, actual {Fmt(actual)}, |diff| {Fmt(Math.Abs(expected - actual))} > {AbsoluteTolerance}");
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void GradientsMatchPyTorch(string network)
    {
        using var scope = torch.NewDisposeScope();
        var run = TrainStep(network);
        AssertGradients($"{network} gradient", Network(network).GetProperty("gradients"), run.Model);
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void BatchNormRunningStatsAfterTrainForwardMatchPyTorch(string network)
    {
        using var scope = torch.NewDisposeScope();
        var run = TrainStep(network);
        var reference = Network(network).GetProperty("running_stats_after_train_forward");

        var stats = run.Model.named_buffers()
            .Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal)
                        || b.name.EndsWith("running_var", StringComparison.Ordinal)
                        || b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .ToDictionary(b => b.name, b => b.buffer);
        Assert.Equal(
            reference.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
            stats.Keys.OrderBy(n => n, StringComparer.Ordinal));

        foreach (var entry in reference.EnumerateObject())
        {
            AssertClose($"{network} {entry.Name} after one train-mode forward", entry.Value, stats[entry.Name]);
        }

        if (network == "ParityNet")
        {
            Assert.Equal(1L, stats["bn1.num_batches_tracked"].item<long>());
        }
    }

    [Fact]
    public void ClipGradientsReturnsPyTorchTotalNormAndClipsLikePyTorch()
    {
        using var scope = torch.NewDisposeScope();
        var reference = Network("ParityNet").GetProperty("clip_grad_norm");
        var run = TrainStep("ParityNet");

        double expected = reference.GetProperty("total_norm").GetDouble();
        double actual = ((ParityNet)run.Model).ClipGradients();
        double relative = Math.Abs(expected - actual) / Math.Abs(expected);
        Report("ParityNet clip total norm (relative)", relative);
        Assert.True(
            relative <= RelativeTolerance,
            $"ParityNet ClipGradients(): expected total norm {Fmt(expected)}, actual {Fmt(actual)}, relative diff {Fmt(relative)} > {RelativeTolerance}");

        // The reference data is chosen so that clipping really happens (checked in make_reference.py).
        Assert.True(expected > reference.GetProperty("max_norm").GetDouble(), "reference total norm does not exceed max_norm; regenerate the reference");
        AssertGradients("ParityNet clipped gradient", reference.GetProperty("clipped_gradients"), run.Model);
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void EvalModeForwardAfterTrainStepMatchesPyTorch(string network)
    {
        using var scope = torch.NewDisposeScope();
        var run = TrainStep(network);
        ClipIfReferenceDid(network, run.Model);

        run.Model.eval();
        Tensor evalOutput;
        using (torch.no_grad())
        {
            evalOutput = run.Model.call(run.Input);
        }

        AssertClose($"{network} eval-mode output", Network(network).GetProperty("eval_output"), evalOutput);
    }

    [Theory]
    [InlineData("ParityNet")]
    [InlineData("ParityNoBiasNet")]
    public void OneAdamStepMatchesPyTorch(string network)
    {
        using var scope = torch.NewDisposeScope();
        var run = TrainStep(network);
        ClipIfReferenceDid(network, run.Model);
        run.Model.eval();
        using (torch.no_grad())
        {
            run.Model.call(run.Input);
        }

        var optimizer = torch.optim.Adam(run.Model.parameters(), lr: AdamLearningRate);
        optimizer.step();

        var reference = Network(network).GetProperty("adam").GetProperty("parameters_after_step");
        var parameters = run.Model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        Assert.Equal(
            reference.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
            parameters.Keys.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var entry in reference.EnumerateObject())
        {
            AssertClose($"{network} {entry.Name} after one Adam step", entry.Value, parameters[entry.Name]);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Replaying the reference sequence
    // ----------------------------------------------------------------------------------------

    private sealed record TrainRun(nn.Module<Tensor, Tensor> Model, Tensor Input, Tensor Output, Tensor Loss);

    private static nn.Module<Tensor, Tensor> Create(string network) => network switch
    {
        "ParityNet" => new ParityNet(),
        "ParityNoBiasNet" => new ParityNoBiasNet(),
        _ => throw new ArgumentOutOfRangeException(nameof(network), network, "unknown parity network"),
    };

    private static JsonElement Network(string network) =>
        Reference.Value.RootElement.GetProperty("networks").GetProperty(network);

    /// <summary>New module with PyTorch's initial state; train-mode forward, MSE loss (mean), backward.</summary>
    private static TrainRun TrainStep(string network)
    {
        var reference = Network(network);
        var model = Create(network);
        LoadInitialState(network, model);

        var input = ToTensor(reference.GetProperty("input"));
        var target = ToTensor(reference.GetProperty("target"));

        model.train();
        var output = model.call(input);
        var loss = nn.functional.mse_loss(output, target);
        loss.backward();
        return new TrainRun(model, input, output, loss);
    }

    private static void LoadInitialState(string network, nn.Module<Tensor, Tensor> model)
    {
        var reference = Network(network).GetProperty("initial_state_dict");
        var stateDict = model.state_dict();
        Assert.Equal(
            reference.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
            stateDict.Keys.OrderBy(n => n, StringComparer.Ordinal));

        using (torch.no_grad())
        {
            foreach (var entry in reference.EnumerateObject())
            {
                stateDict[entry.Name].copy_(ToTensor(entry.Value));
            }
        }
    }

    private static void ClipIfReferenceDid(string network, nn.Module<Tensor, Tensor> model)
    {
        if (Network(network).TryGetProperty("clip_grad_norm", out _))
        {
            ((ParityNet)model).ClipGradients();
        }
    }

    // ----------------------------------------------------------------------------------------
    // Reference tensors and assertions
    // ----------------------------------------------------------------------------------------

    private static long[] Shape(JsonElement tensor) =>
        tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();

    private static ScalarType ExpectedDType(JsonElement tensor) => tensor.GetProperty("dtype").GetString() switch
    {
        "float32" => ScalarType.Float32,
        "int64" => ScalarType.Int64,
        var other => throw new NotSupportedException($"reference dtype '{other}'"),
    };

    /// <summary>Row-major flattening of the nested "values" lists (a bare number for a 0-d tensor).</summary>
    private static double[] Values(JsonElement tensor)
    {
        var values = new List<double>();
        Flatten(tensor.GetProperty("values"), values);
        return values.ToArray();

        static void Flatten(JsonElement element, List<double> into)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, into);
                }
            }
            else
            {
                into.Add(element.GetDouble());
            }
        }
    }

    private static Tensor ToTensor(JsonElement tensor)
    {
        var shape = Shape(tensor);
        var values = Values(tensor);
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), values.LongLength);
        return ExpectedDType(tensor) switch
        {
            // Each JSON number is the exact value of a float32, so the cast back is lossless.
            ScalarType.Float32 => torch.tensor(values.Select(v => (float)v).ToArray(), shape),
            ScalarType.Int64 => torch.tensor(values.Select(v => (long)v).ToArray(), shape),
            var other => throw new NotSupportedException(other.ToString()),
        };
    }

    private static double[] ToDoubles(Tensor tensor)
    {
        var t = tensor.detach().cpu().contiguous();
        return t.dtype switch
        {
            ScalarType.Float32 => t.data<float>().ToArray().Select(v => (double)v).ToArray(),
            ScalarType.Float64 => t.data<double>().ToArray(),
            ScalarType.Int64 => t.data<long>().ToArray().Select(v => (double)v).ToArray(),
            var other => throw new NotSupportedException($"dtype {other}"),
        };
    }

    private void AssertGradients(string what, JsonElement reference, nn.Module<Tensor, Tensor> model)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(
            reference.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
            parameters.Keys.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var entry in reference.EnumerateObject())
        {
            var grad = parameters[entry.Name].grad;
            Assert.True(grad is not null, $"{what} {entry.Name}: no gradient after backward()");
            AssertClose($"{what} {entry.Name}", entry.Value, grad!);
        }
    }

    /// <summary>
    /// Shape must be equal; every element within <paramref name="tolerance"/> (default
    /// <see cref="AbsoluteTolerance"/>). The failure lists each offending element with its index,
    /// expected and actual value.
    /// </summary>
    private void AssertClose(string what, JsonElement expectedTensor, Tensor actualTensor, double tolerance = AbsoluteTolerance)
    {
        var expectedShape = Shape(expectedTensor);
        Assert.True(
            expectedShape.SequenceEqual(actualTensor.shape),
            $"{what}: shape [{string.Join(", ", actualTensor.shape)}], expected [{string.Join(", ", expectedShape)}]");

        var expected = Values(expectedTensor);
        var actual = ToDoubles(actualTensor);
        Assert.Equal(expected.Length, actual.Length);

        double maxDiff = 0;
        var failures = new StringBuilder();
        int failed = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(expected[i] - actual[i]);
            if (double.IsNaN(diff))
            {
                diff = double.PositiveInfinity;
            }

            maxDiff = Math.Max(maxDiff, diff);
            if (diff > tolerance)
            {
                if (++failed <= 10)
                {
                    failures.AppendLine(
                        $"  [{Index(i, expectedShape)}] expected {Fmt(expected[i])}, actual {Fmt(actual[i])}, |diff| {Fmt(diff)}");
                }
            }
        }

        Report(what, maxDiff);
        if (failed > 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"{what}: {failed} of {expected.Length} element(s) differ from PyTorch by more than {tolerance} (max |diff| {Fmt(maxDiff)}):{Environment.NewLine}{failures}");
        }
    }

    private static string Index(int flat, long[] shape)
    {
        if (shape.Length == 0)
        {
            return "";
        }

        var index = new long[shape.Length];
        long rest = flat;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = rest % shape[d];
            rest /= shape[d];
        }

        return string.Join(", ", index);
    }

    private static string Fmt(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private void Report(string what, double maxDiff) =>
        output.WriteLine($"{what}: max |diff| = {maxDiff.ToString("E2", CultureInfo.InvariantCulture)}");
}
