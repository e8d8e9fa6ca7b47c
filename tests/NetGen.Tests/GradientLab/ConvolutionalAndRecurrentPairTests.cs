using System.Linq;
using System.Threading;
using NetGen.GradientLab;
using NetGen.GradientLab.Data;
using NetGen.GradientLab.Report;
using NetGen.GradientLab.Training;
using Xunit;

namespace NetGen.Tests.GradientLab;

/// <summary>One epoch of the lab's convolutional and recurrent pairs (15 and 16 steps each), shared by their tests.</summary>
public sealed class PairRunFixture
{
    public static readonly string[] Ids = ["conv-sigmoid", "conv-sigmoid-bn", "rnn", "rnn-clip"];

    public PairRunFixture()
    {
        var variants = Ids.Select(id => LabVariant.All.Single(v => v.Id == id)).ToArray();
        Result = Lab.Run(new LabOptions { Epochs = 1, Seed = 42, Variants = variants, Threads = 2 }, null, CancellationToken.None, analyzeDeclarations: false);
    }

    public LabResult Result { get; }

    public VariantResult this[string id] => Result.Results.Single(r => r.Variant.Id == id);
}

/// <summary>
/// The convolutional pair (Sigmoid convolutions, the same with BatchNorm) and the recurrent pair (an RNN over 30 steps,
/// the same with [ClipGradNorm(1.0)]): NetGen's compile-time prediction for each, the same quantity measured on the first
/// batch, the data's shapes and what the monitor records.
/// </summary>
[Collection(GradientLabCollection.Name)]
public sealed class ConvolutionalAndRecurrentPairTests(LabRunFixture lab, PairRunFixture pairs) : IClassFixture<PairRunFixture>
{
    [Fact]
    public void The_predictions_come_from_the_generated_summaries()
    {
        // The first weight layer's predicted gradient relative to the last one's; for the RNN, ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖.
        Assert.Equal(6.4e-7, ReportWriter.Predicted(ConvSigmoidNet.Summary)!.Value, 0.05e-7);
        Assert.Equal(3.2e-2, ReportWriter.Predicted(ConvSigmoidBatchNormNet.Summary)!.Value, 0.05e-2);
        Assert.Equal(2.0e-8, ReportWriter.Predicted(LongRnnNet.Summary)!.Value, 0.05e-8);

        // Clipping does not change the initialisation, so not the prediction either.
        Assert.Equal(ReportWriter.Predicted(LongRnnNet.Summary), ReportWriter.Predicted(ClippedLongRnnNet.Summary));
    }

    [Fact]
    public void NG0001_fires_on_the_vanishing_convolutions_and_both_RNNs_not_on_BatchNorm()
    {
        string[] Ids(string networkClass) => lab.Parallel.Diagnostics.Where(d => d.NetworkClass == networkClass).Select(d => d.Id).ToArray();
        Assert.Equal(["NG0001"], Ids(nameof(ConvSigmoidNet)));
        Assert.Empty(Ids(nameof(ConvSigmoidBatchNormNet)));
        Assert.Equal(["NG0001"], Ids(nameof(LongRnnNet)));
        Assert.Equal(["NG0001"], Ids(nameof(ClippedLongRnnNet)));
    }

    [Fact]
    public void The_measured_ratio_at_the_first_step_agrees_with_the_prediction()
    {
        var sigmoid = pairs["conv-sigmoid"];
        var batchNorm = pairs["conv-sigmoid-bn"];

        // Sigmoid convolutions: below the vanishing threshold, within a factor 3 of the prediction.
        Assert.InRange(sigmoid.InitialRatio, 6.4e-7 / 3, 6.4e-7 * 3);
        Assert.True(sigmoid.Gradients.Verdicts.Vanishing, string.Join("; ", sigmoid.Gradients.Verdicts.Evidence));

        // With BatchNorm: far above it, and the monitor finds nothing.
        Assert.InRange(batchNorm.InitialRatio, 3.2e-2 / 5, 3.2e-2 * 5);
        Assert.Equal("healthy", batchNorm.Gradients.Verdicts.Words);

        // The RNN over 30 steps: the gradient reaching the first step vanishes, predicted 2.0e-8; over 30 steps one random
        // W_hh decides, so the measured ratio varies by more than a factor 10 from one initialisation to the next.
        Assert.All(new[] { pairs["rnn"], pairs["rnn-clip"] }, r => Assert.InRange(r.InitialRatio, 2.0e-8 / 30, 2.0e-8 * 30));
    }

    [Fact]
    public void Every_step_is_measured_on_every_weight_layer_with_the_data_in_its_shapes()
    {
        using (var stripes = LabDataSets.Stripes(42))
        using (var sequences = LabDataSets.LongSequence(42))
        {
            Assert.Equal(new long[] { 960, 1, 8, 8 }, stripes.TrainInputs.shape);
            Assert.Equal(new long[] { 480, 1, 8, 8 }, stripes.TestInputs.shape);
            Assert.Equal(new long[] { 1024, 30, 3 }, sequences.TrainInputs.shape);
            Assert.Equal(new long[] { 512 }, sequences.TestTargets.shape);

            // Three balanced-ish classes in both (each between 25 and 42 percent).
            foreach (var targets in new[] { stripes.TrainTargets, sequences.TrainTargets })
            {
                var counts = Enumerable.Range(0, 3).Select(c => targets.eq(c).sum().item<long>()).ToArray();
                Assert.All(counts, c => Assert.InRange(c / (double)targets.shape[0], 0.25, 0.42));
            }
        }

        foreach (var id in new[] { "conv-sigmoid", "conv-sigmoid-bn" })
        {
            var result = pairs[id];
            Assert.Equal(15, result.Steps);
            Assert.Equal(["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "fc1"], result.Gradients.Layers);
            Assert.All(result.Gradients.Samples, s => Assert.Equal(7, s.Norm.Length));
        }

        foreach (var id in new[] { "rnn", "rnn-clip" })
        {
            var result = pairs[id];
            Assert.Equal(16, result.Steps);
            Assert.Equal(["rnn1.weight_hh", "fc1"], result.Gradients.Layers);
            Assert.Equal(16, result.Gradients.Samples.Count);
        }

        Assert.Null(pairs["rnn"].ClippedSteps);
        Assert.NotNull(pairs["rnn-clip"].ClippedSteps);
    }
}
