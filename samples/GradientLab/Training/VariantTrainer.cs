using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using NetGen.GradientLab.Data;
using NetGen.GradientLab.Measurement;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.GradientLab.Training;

/// <summary>The optimiser and batch settings of a task.</summary>
/// <param name="LearningRate">SGD's learning rate.</param>
/// <param name="Momentum">SGD's momentum (0 for plain SGD, as in the seed's DeepNet example).</param>
/// <param name="BatchSize">Samples per step.</param>
public sealed record TrainingSettings(double LearningRate, double Momentum, int BatchSize)
{
    /// <summary>
    /// The learning rate decays to zero over the run on a cosine. Spiral: SGD with momentum 0.9, learning rate 0.05, batches of 64 — plain SGD, not Adam, because Adam
    /// rescales every parameter's step by its own gradient size and so hides a vanishing gradient from the loss.
    /// DeepNet: the seed's plain SGD, with a learning rate large enough that the unclipped network's
    /// gradients blow up, so that <c>[ClipGradNorm(1.0)]</c> has something to prevent. Stripes: the spiral's settings.
    /// Long sequences: plain SGD at learning rate 4, the smallest tried (1, 2, 4) at which the unclipped RNN's gradient
    /// explodes during training for each of three seeds.
    /// </summary>
    /// <param name="task">The task.</param>
    public static TrainingSettings For(LabTask task) => task switch
    {
        LabTask.Spiral => new TrainingSettings(0.05, 0.9, 64),
        LabTask.DeepNetRegression => new TrainingSettings(0.3, 0, 32),
        LabTask.Stripes => new TrainingSettings(0.05, 0.9, 64),
        LabTask.LongSequence => new TrainingSettings(4.0, 0, 64),
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown task"),
    };
}

/// <summary>Progress of one variant's training, reported after every step.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Step">Steps done so far.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Epoch">The epoch in progress, from 1.</param>
/// <param name="LastEpochLoss">The mean training loss of the last finished epoch, if any.</param>
public readonly record struct TrainingProgress(LabVariant Variant, int Step, int TotalSteps, int Epoch, double? LastEpochLoss);

/// <summary>The outcome of training one variant.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Summary">Its compile-time layer summary.</param>
/// <param name="Settings">The optimiser settings used.</param>
/// <param name="EpochLoss">The mean training loss of every epoch run.</param>
/// <param name="TestLoss">The loss on the held-out set after training (NaN if training diverged).</param>
/// <param name="TestAccuracy">The held-out accuracy for classification tasks; null for regression.</param>
/// <param name="Steps">Training steps run.</param>
/// <param name="DivergedAtStep">The step (counted from 1) whose loss or, with clipping, gradient norm was not finite, where training stopped; null if none.</param>
/// <param name="ClippedSteps">Steps whose gradient norm <c>ClipGradients()</c> reduced; null without clipping.</param>
/// <param name="Gradients">What the gradient probe measured, and its verdicts.</param>
/// <param name="InitialRatio">At the first step, the quantity NetGen predicts at compile time: the first to the last
/// weight layer's gradient norm, or for a recurrent network ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ of the batch's input.</param>
/// <param name="Seconds">Wall-clock training time (not part of the reproducible numbers).</param>
public sealed record VariantResult(
    LabVariant Variant,
    NetworkSummary Summary,
    TrainingSettings Settings,
    IReadOnlyList<double> EpochLoss,
    double TestLoss,
    double? TestAccuracy,
    int Steps,
    int? DivergedAtStep,
    int? ClippedSteps,
    GradientFlowReport Gradients,
    double InitialRatio,
    double Seconds)
{
    /// <summary>The last epoch's mean training loss.</summary>
    public double FinalLoss => EpochLoss.Count == 0 ? double.NaN : EpochLoss[^1];
}

/// <summary>Trains one variant on its task, observing it with a gradient probe.</summary>
public static class VariantTrainer
{
    /// <summary>The maximum norm declared by <c>[ClipGradNorm(1.0)]</c> on ClippedDeepNet.</summary>
    private const double ClipMaxNorm = 1.0;

    // Constructing a network draws its initial weights from TorchSharp's one global generator; variants that
    // train in parallel take turns, each seeding it right before, so every variant gets the same weights
    // whatever else runs.
    private static readonly Lock ConstructionLock = new();

    /// <summary>Trains <paramref name="variant"/> for <paramref name="epochs"/> epochs on <paramref name="data"/>.</summary>
    /// <param name="variant">The variant.</param>
    /// <param name="data">Its task's data set (shared read-only between threads).</param>
    /// <param name="epochs">Epochs to train.</param>
    /// <param name="seed">The run's seed; the variant's own seeds derive from it and its catalogue index.</param>
    /// <param name="progress">Called after every step, from the training thread.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    public static VariantResult Train(LabVariant variant, LabData data, int epochs, int seed, Action<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        // One core per variant: the numbers do not depend on how many variants run at once, and tiny layers gain
        // nothing from intra-op threads. The setting is per thread for OpenMP, so set it on the training thread.
        torch.set_num_threads(1);
        var stopwatch = Stopwatch.StartNew();
        var settings = TrainingSettings.For(variant.Task);
        var variantSeed = unchecked(seed * 1_000L + variant.Index);

        LabNetwork network;
        lock (ConstructionLock)
        {
            torch.manual_seed(variantSeed);
            network = variant.Create();
        }

        using var module = network.Module;
        var probe = GradientProbes.Create(network);
        using var optimizer = torch.optim.SGD(module.parameters(), settings.LearningRate, momentum: settings.Momentum);

        // Cosine decay to zero over the run (Loshchilov and Hutter, 2017): the last epochs settle instead of bouncing.
        var schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs);
        var classification = variant.Task != LabTask.DeepNetRegression;
        var recurrent = variant.Task == LabTask.LongSequence;
        var initialRatio = double.NaN;
        var order = new Random(unchecked((int)variantSeed));
        var samples = data.TrainCount;
        var stepsPerEpoch = (samples + settings.BatchSize - 1) / settings.BatchSize;
        var totalSteps = stepsPerEpoch * epochs;
        var epochLoss = new List<double>();
        int? divergedAt = null;
        int? clipped = network.ClipGradients is null ? null : 0;
        var step = 0;
        var permutation = Enumerable.Range(0, samples).Select(i => (long)i).ToArray();

        module.train();
        for (var epoch = 1; epoch <= epochs && divergedAt is null; epoch++)
        {
            Shuffle(permutation, order);
            double lossSum = 0;
            var batches = 0;
            for (var start = 0; start < samples; start += settings.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var count = Math.Min(settings.BatchSize, samples - start);
                var index = torch.tensor(permutation.AsSpan(start, count).ToArray());
                var inputs = data.TrainInputs.index_select(0, index);
                var targets = data.TrainTargets.index_select(0, index);

                // At the first step a recurrent network's input keeps its gradient: the prediction is about ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖.
                var measureTime = recurrent && step == 0;
                if (measureTime)
                {
                    inputs.requires_grad_(true);
                }

                optimizer.zero_grad();
                var output = network.Forward(inputs, probe.LayerObserver);
                var loss = classification
                    ? nn.functional.cross_entropy(output, targets)
                    : nn.functional.mse_loss(output, targets);
                loss.backward();

                // Steps count from 1, as the gradient monitor counts training passes.
                step++;
                probe.AfterBackward(step);
                if (step == 1)
                {
                    initialRatio = measureTime ? TimeRatio(inputs.grad!) : probe.FirstStepRatio;
                }

                // ClipGradients() returns a non-finite norm, and leaves the gradients as they are, when one is NaN or
                // infinite: stepping would write it into the weights, so that step is where training diverged.
                var norm = network.ClipGradients is { } clip ? clip() : 0.0;
                if (norm > ClipMaxNorm)
                {
                    clipped++;
                }

                var lossValue = loss.item<float>();
                if (!float.IsFinite(lossValue) || !double.IsFinite(norm))
                {
                    divergedAt = step;
                    break;
                }

                optimizer.step();
                lossSum += lossValue;
                batches++;
                progress?.Invoke(new TrainingProgress(variant, step, totalSteps, epoch, epochLoss.Count > 0 ? epochLoss[^1] : null));
            }

            if (divergedAt is null)
            {
                epochLoss.Add(lossSum / batches);
                schedule.step();
            }
        }

        var (testLoss, accuracy) = divergedAt is null ? Evaluate(network, data, classification) : (double.NaN, classification ? (double?)double.NaN : null);
        progress?.Invoke(new TrainingProgress(variant, totalSteps, totalSteps, epochs, epochLoss.Count > 0 ? epochLoss[^1] : null));
        return new VariantResult(variant, network.Summary, settings, epochLoss, testLoss, accuracy, step, divergedAt, clipped, probe.Finish(), initialRatio, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ over the batch, from the input's gradient [batch, steps, features].</summary>
    private static double TimeRatio(Tensor inputGradient)
    {
        var first = inputGradient.select(1, 0).norm().item<float>();
        var last = inputGradient.select(1, -1).norm().item<float>();
        return last > 0 ? (double)first / last : double.NaN;
    }

    private static (double Loss, double? Accuracy) Evaluate(LabNetwork network, LabData data, bool classification)
    {
        network.Module.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var output = network.Forward(data.TestInputs, null);
        if (!classification)
        {
            return (nn.functional.mse_loss(output, data.TestTargets).item<float>(), null);
        }

        var loss = nn.functional.cross_entropy(output, data.TestTargets).item<float>();
        var accuracy = output.argmax(1).eq(data.TestTargets).to_type(ScalarType.Float64).mean().item<double>();
        return (loss, accuracy);
    }

    /// <summary>Fisher–Yates with the variant's own generator, so batch order depends on the seed alone.</summary>
    private static void Shuffle(long[] values, Random random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
