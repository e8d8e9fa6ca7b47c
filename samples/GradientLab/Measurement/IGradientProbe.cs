using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace NetGen.GradientLab.Measurement;

// The contract between the lab and whatever measures gradients and decides verdicts. The lab only
// talks to IGradientProbe and reads the records below; GradientProbes.Create (in the implementation
// file, MonitorGradientProbe.cs) is the one place that chooses the implementation: today NetGen's own
// runtime gradient monitor, the Monitor that [GradientMonitor] generates on each variant.

/// <summary>Measures one network's gradients while it trains and decides the verdicts at the end.</summary>
public interface IGradientProbe
{
    /// <summary>
    /// Passed to the network's <c>forward(input, observeLayer)</c> on every training step, or null when the
    /// probe needs no activations. It sees each layer's output before the tensor is disposed.
    /// </summary>
    Action<string, Tensor>? LayerObserver { get; }

    /// <summary>Called after <c>loss.backward()</c> and before clipping and the optimiser step.</summary>
    /// <param name="step">The training step, counted from 1 as the gradient monitor counts training passes.</param>
    void AfterBackward(int step);

    /// <summary>The first to the last weight layer's gradient norm at the first step (NaN before it).</summary>
    double FirstStepRatio { get; }

    /// <summary>Everything measured, the summary numbers and the verdicts.</summary>
    GradientFlowReport Finish();
}

/// <summary>Gradient statistics of the measured layers at one training step, first layer first.</summary>
/// <param name="Step">The training step, counted from 1.</param>
/// <param name="Norm">The L2 norm of each layer's weight gradient.</param>
/// <param name="MeanAbs">The mean absolute value of each layer's weight gradient.</param>
/// <param name="MaxAbs">The largest absolute value of each layer's weight gradient.</param>
public sealed record GradientSample(int Step, double[] Norm, double[] MeanAbs, double[] MaxAbs);

/// <summary>The fraction of zero outputs over the batch in each monitored ReLU layer at one step.</summary>
/// <param name="Step">The training step, counted from 1.</param>
/// <param name="ZeroFraction">One value in [0, 1] per ReLU layer, in forward order.</param>
public sealed record ActivationSample(int Step, double[] ZeroFraction);

/// <summary>The verdicts on one training run, each with the evidence in words.</summary>
/// <param name="Vanishing">The first layers receive (almost) no gradient.</param>
/// <param name="Exploding">The gradient grew without bound or became non-finite.</param>
/// <param name="DyingRelu">A ReLU layer outputs mostly zeros, so little gradient passes through it.</param>
/// <param name="Evidence">One sentence per verdict that fired (and per rule that almost did, where useful).</param>
public sealed record GradientVerdicts(bool Vanishing, bool Exploding, bool DyingRelu, IReadOnlyList<string> Evidence)
{
    /// <summary>The verdicts that fired as short words ("vanishing", "exploding", "dying ReLU"), or "healthy".</summary>
    public string Words
    {
        get
        {
            var words = new List<string>();
            if (Vanishing)
            {
                words.Add("vanishing");
            }

            if (Exploding)
            {
                words.Add("exploding");
            }

            if (DyingRelu)
            {
                words.Add("dying ReLU");
            }

            return words.Count == 0 ? "healthy" : string.Join(", ", words);
        }
    }
}

/// <summary>What a probe measured over a whole training run.</summary>
/// <param name="Layers">The measured layers' names, first to last (<c>fc1</c>, <c>res1.fc1</c>, ...).</param>
/// <param name="Samples">Gradient statistics per sampled step.</param>
/// <param name="ReluLayers">The monitored ReLU layers' names, in forward order.</param>
/// <param name="ActivationSamples">Zero-output fractions per sampled step.</param>
/// <param name="FirstLastRatio">The median over the samples of the first to the last layer's weight-gradient norm.</param>
/// <param name="Verdicts">The verdicts.</param>
/// <param name="Thresholds">The thresholds the verdicts used, in words, for the report.</param>
/// <param name="VanishingMeanAbs">The mean |g| below which a layer's gradient counts as vanished, drawn on the gradient-flow plots.</param>
public sealed record GradientFlowReport(
    IReadOnlyList<string> Layers,
    IReadOnlyList<GradientSample> Samples,
    IReadOnlyList<string> ReluLayers,
    IReadOnlyList<ActivationSample> ActivationSamples,
    double FirstLastRatio,
    GradientVerdicts Verdicts,
    string Thresholds,
    double VanishingMeanAbs);
