using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using NetGen.Generator.GradientFlow;
using NetGen.Generator.Parsing;
using NetGen.Tests.GradientFlow;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Calibration;

/// <summary>
/// The first/last weight-gradient ratio of stacked recurrent layers (<see cref="RecurrentPrediction.WeightRatio"/>)
/// against TorchSharp: the norm of all of the first recurrent layer's weights and biases over the last one's, at
/// PyTorch's default initialisation, standard-normal inputs, cross-entropy against random labels, geometric mean over
/// three seeds. Networks from RecurrentCalibrationNetworks.cs: a dozen by default, every stacked one (44) with
/// NETGEN_ALL_STACKED=1 (the table in docs/analyzers.md).
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class StackedRecurrentWeightRatioTests
{
    /// <summary>How far a prediction may be from the measurement.</summary>
    private const double Factor = 1.5;

    private static readonly string[] Networks =
    {
        "RNN32x2Steps10", "RNN32x3Steps20", "RNN32x4Steps10", "RNN16x3Steps20Split",
        "LSTM32x2Steps10", "LSTM32x3Steps20", "LSTM32x4Steps10", "LSTM16x3Steps10Split",
        "GRU32x2Steps10", "GRU32x3Steps20", "GRU32x4Steps10", "GRU64x2Steps20Split",
    };

    private static readonly Regex RecurrentParameter = new(@"^(.*)\.(weight|bias)_(ih|hh)_l(\d+)$");

    private readonly ITestOutputHelper _output;

    public StackedRecurrentWeightRatioTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void The_predicted_first_to_last_weight_gradient_ratio_of_stacked_recurrent_layers_is_within_a_factor_1_5_of_TorchSharp()
    {
        var all = Environment.GetEnvironmentVariable("NETGEN_ALL_STACKED") == "1";
        var source = SourceFiles.Read("Calibration/RecurrentCalibrationNetworks.cs");
        var run = GeneratorHarness.Run(source);
        var names = all
            ? typeof(StackedRecurrentWeightRatioTests).Assembly.GetTypes().Where(t => t.Namespace == "NetGen.Tests.Calibration.Recurrent" && !t.Name.Contains("x1")).Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray()
            : Networks;
        var rows = new List<(string Name, double Predicted, double Measured)>();
        foreach (var name in names)
        {
            var parsed = NetworkParser.Parse(run.Output.GetTypeByMetadataName("NetGen.Tests.Calibration.Recurrent." + name)!, default)!;
            var prediction = RecurrentFlow.Predict(parsed);
            Assert.NotNull(prediction);
            var type = typeof(StackedRecurrentWeightRatioTests).Assembly.GetType("NetGen.Tests.Calibration.Recurrent." + name, throwOnError: true)!;
            var input = parsed.Model!.InputShape;
            var measured = Measure(() => (nn.Module<Tensor, Tensor>)Activator.CreateInstance(type)!, input.Dims[0], input.Dims[1]);
            rows.Add((name, prediction!.WeightRatio, measured));
            _output.WriteLine(FormattableString.Invariant($"{name}: predicted {prediction.WeightRatio:0.000}, measured {measured:0.000}, measured/predicted {measured / prediction.WeightRatio:0.00}"));
        }

        Assert.All(rows, r => Assert.True(
            Math.Abs(Math.Log(r.Predicted / r.Measured)) <= Math.Log(Factor),
            FormattableString.Invariant($"{r.Name}: predicted {r.Predicted:0.000}, measured {r.Measured:0.000}")));
    }

    [Fact]
    public void A_single_recurrent_layer_has_no_weight_ratio()
    {
        var source = SourceFiles.Read("Calibration/RecurrentCalibrationNetworks.cs");
        var run = GeneratorHarness.Run(source);
        var parsed = NetworkParser.Parse(run.Output.GetTypeByMetadataName("NetGen.Tests.Calibration.Recurrent.LSTM32x1Steps10")!, default)!;
        var prediction = RecurrentFlow.Predict(parsed)!;
        Assert.Equal(1, prediction.Layers);
        Assert.True(double.IsNaN(prediction.WeightRatio));
    }

    /// <summary>The first recurrent layer's weight-gradient norm over the last one's, geometric mean over three seeds.</summary>
    private static double Measure(Func<nn.Module<Tensor, Tensor>> create, long steps, long features)
    {
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            var logSum = 0.0;
            const int Seeds = 3;
            for (var seed = 1; seed <= Seeds; seed++)
            {
                torch.manual_seed(seed);
                using var network = create();
                network.to(ScalarType.Float64);
                network.train();
                using var scope = NewDisposeScope();
                var generator = new torch.Generator((ulong)seed + 1000);
                var input = randn(new long[] { GradientRatio.BatchSize, steps, features }, dtype: ScalarType.Float64, generator: generator);
                var output = network.call(input);
                var labels = randint(0, output.shape[1], new long[] { GradientRatio.BatchSize }, generator: generator);
                nn.functional.cross_entropy(output, labels).backward();

                // Group weight_ih_lk, weight_hh_lk, bias_ih_lk, bias_hh_lk by module and k, in registration order.
                var layers = new List<(string Key, double Squared)>();
                foreach (var (name, parameter) in network.named_parameters())
                {
                    var match = RecurrentParameter.Match(name);
                    if (!match.Success)
                    {
                        continue;
                    }

                    var key = match.Groups[1].Value + "/" + match.Groups[4].Value;
                    var squared = parameter.grad!.pow(2).sum().item<double>();
                    var index = layers.FindIndex(l => l.Key == key);
                    if (index < 0)
                    {
                        layers.Add((key, squared));
                    }
                    else
                    {
                        layers[index] = (key, layers[index].Squared + squared);
                    }
                }

                Assert.True(layers.Count >= 2, $"{layers.Count} recurrent layers found");
                logSum += 0.5 * Math.Log(layers[0].Squared / layers[layers.Count - 1].Squared);
            }

            return Math.Exp(logSum / Seeds);
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }
}
