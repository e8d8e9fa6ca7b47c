using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.GradientLab.Measurement;

/// <summary>Chooses the gradient probe the lab uses.</summary>
public static class GradientProbes
{
    /// <summary>A probe for <paramref name="network"/>; call once per training run.</summary>
    /// <param name="network">The network about to be trained.</param>
    public static IGradientProbe Create(LabNetwork network) => new InterimGradientProbe(network);
}

/// <summary>
/// ============================================================================================
/// INTERIM: stands in for NetGen's runtime gradient monitor ([GradientMonitor], issue 4) until it
/// lands. To swap it in, replace this file with one whose GradientProbes.Create adapts the monitor
/// to IGradientProbe (its per-layer weight-gradient norm, mean |g| and max |g| fill GradientSample,
/// its verdicts fill GradientVerdicts); nothing else in the lab changes.
/// ============================================================================================
/// </summary>
/// <remarks>
/// It reads <c>weight.grad</c> of every Linear layer (residual blocks' included, in registration order)
/// after backward, and counts the zeros in every ReLU layer's output through <c>forward</c>'s layer observer.
/// The verdicts use the thresholds of AUTOTRAINER (Zhang et al., ICSE 2021), DeepDiagnosis (Wardat et al.,
/// ICSE 2022) and TheDeepChecker (Ben Braiek and Khomh, 2022), applied per sampled step:
/// <list type="bullet">
/// <item>vanishing: first/last weight-gradient norm ratio &lt; 1e-3 with the first norm &lt; 1e-4, or the first
/// layer's mean |g| &lt; 1e-7; reported when that holds on at least half of the steps (a persistent condition,
/// not a single quiet batch);</item>
/// <item>exploding: a non-finite gradient at any step; the ratio &gt; 70 on at least half of the steps; or some
/// layer's norm doubling from each step to the next over 5 consecutive steps;</item>
/// <item>dying ReLU: a ReLU layer in which at least 70 % of the units output zero for every sample of the batch
/// (dead units, which pass no gradient), averaged over the last tenth of the steps (the state the network ends in).</item>
/// </list>
/// </remarks>
internal sealed class InterimGradientProbe : IGradientProbe
{
    private const double VanishingRatio = 1e-3;
    private const double VanishingFirstNorm = 1e-4;
    private const double VanishingMeanAbs = 1e-7;
    private const double ExplodingRatio = 70;
    private const int DoublingRun = 5;
    private const double DyingReluZeros = 0.7;
    private const double PersistentFraction = 0.5;

    private readonly string[] _layerNames;
    private readonly Linear[] _linears;
    private readonly string[] _reluNames;
    private readonly Dictionary<string, int> _reluIndex;
    private readonly List<GradientSample> _samples = [];
    private readonly List<ActivationSample> _activationSamples = [];
    private double[] _deadFractions;
    private bool _sawActivations;

    public InterimGradientProbe(LabNetwork network)
    {
        var linears = network.Module.named_modules().Where(m => m.module is Linear).ToArray();
        _layerNames = linears.Select(m => m.name).ToArray();
        _linears = linears.Select(m => (Linear)m.module).ToArray();
        _reluNames = network.Summary.Layers.Where(l => l.Type == "ReLU").Select(l => l.Name).ToArray();
        _reluIndex = _reluNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);
        _deadFractions = new double[_reluNames.Length];
        LayerObserver = _reluNames.Length == 0 ? null : ObserveLayer;
    }

    public Action<string, Tensor>? LayerObserver { get; }

    private void ObserveLayer(string layer, Tensor output)
    {
        if (_reluIndex.TryGetValue(layer, out var index))
        {
            // A unit is dead on this batch when it outputs zero for every sample: the largest output over the batch is 0.
            using var perUnit = output.flatten(1);
            using var largest = perUnit.amax(0);
            using var dead = largest.eq(0).sum();
            _deadFractions[index] = dead.item<long>() / (double)largest.numel();
            _sawActivations = true;
        }
    }

    public void AfterBackward(int step)
    {
        var count = _linears.Length;
        var norm = new double[count];
        var meanAbs = new double[count];
        var maxAbs = new double[count];
        using (torch.no_grad())
        {
            for (var i = 0; i < count; i++)
            {
                var grad = _linears[i].weight!.grad;
                if (grad is null)
                {
                    norm[i] = meanAbs[i] = maxAbs[i] = 0;
                    continue;
                }

                // One read-back per layer: the three statistics stacked into one tensor.
                using var abs = grad.abs();
                using var n = grad.norm();
                using var mean = abs.mean();
                using var max = abs.max();
                using var stats = torch.stack([n, mean, max]).to_type(ScalarType.Float64);
                var values = stats.data<double>().ToArray();
                (norm[i], meanAbs[i], maxAbs[i]) = (values[0], values[1], values[2]);
            }
        }

        _samples.Add(new GradientSample(step, norm, meanAbs, maxAbs));
        if (_sawActivations)
        {
            _activationSamples.Add(new ActivationSample(step, _deadFractions));
            _deadFractions = new double[_reluNames.Length];
            _sawActivations = false;
        }
    }

    public GradientFlowReport Finish()
    {
        var evidence = new List<string>();
        var ratios = _samples.Select(Ratio).ToArray();
        var finiteRatios = ratios.Where(double.IsFinite).Order().ToArray();
        var medianRatio = finiteRatios.Length == 0 ? double.NaN : finiteRatios[finiteRatios.Length / 2];

        // Vanishing: persistent over the run.
        var vanishingSteps = _samples.Count(s =>
            (Ratio(s) < VanishingRatio && s.Norm[0] < VanishingFirstNorm) || s.MeanAbs[0] < VanishingMeanAbs);
        var vanishing = _samples.Count > 0 && vanishingSteps >= PersistentFraction * _samples.Count;
        if (vanishing)
        {
            evidence.Add(Invariant($"vanishing on {vanishingSteps} of {_samples.Count} steps: median first/last norm ratio {medianRatio:0.##e+0} (< {VanishingRatio:0e+0}), median first-layer norm {Median(_samples.Select(s => s.Norm[0])):0.##e+0} (< {VanishingFirstNorm:0e+0})"));
        }

        // Exploding: non-finite, a persistently large ratio, or a run of doublings.
        var nonFinite = _samples.FirstOrDefault(s => s.Norm.Any(v => !double.IsFinite(v)));
        var largeRatioSteps = ratios.Count(r => r > ExplodingRatio);
        var doubling = FindDoublingRun();
        var exploding = nonFinite is not null || (_samples.Count > 0 && largeRatioSteps >= PersistentFraction * _samples.Count) || doubling is not null;
        if (nonFinite is not null)
        {
            evidence.Add(Invariant($"exploding: non-finite gradient at step {nonFinite.Step}"));
        }

        if (_samples.Count > 0 && largeRatioSteps >= PersistentFraction * _samples.Count)
        {
            evidence.Add(Invariant($"exploding: first/last norm ratio above {ExplodingRatio} on {largeRatioSteps} of {_samples.Count} steps"));
        }

        if (doubling is { } run)
        {
            evidence.Add(Invariant($"exploding: {_layerNames[run.Layer]}'s gradient norm doubled at every step from step {run.Step} to {run.Step + DoublingRun - 1}"));
        }

        // Dying ReLU: the state at the end of training.
        var dyingLayers = new List<string>();
        if (_activationSamples.Count > 0)
        {
            var tail = _activationSamples.Skip(_activationSamples.Count - Math.Max(1, _activationSamples.Count / 10)).ToArray();
            for (var r = 0; r < _reluNames.Length; r++)
            {
                var dead = tail.Average(s => s.DeadFraction[r]);
                if (dead >= DyingReluZeros)
                {
                    dyingLayers.Add(Invariant($"{_reluNames[r]} ({dead:P0})"));
                }
            }
        }

        var dying = dyingLayers.Count > 0;
        if (dying)
        {
            evidence.Add(Invariant($"dying ReLU: dead units (zero for the whole batch) at the end of training in {string.Join(", ", dyingLayers)}, threshold {DyingReluZeros:P0}"));
        }

        var thresholds = Invariant(
            $"vanishing: first/last weight-gradient norm ratio < {VanishingRatio:0e+0} with first norm < {VanishingFirstNorm:0e+0}, or first-layer mean |g| < {VanishingMeanAbs:0e+0}, on at least half of the steps; ") + Invariant(
            $"exploding: a non-finite gradient, ratio > {ExplodingRatio} on at least half of the steps, or a layer's norm doubling at each of {DoublingRun} consecutive steps; ") + Invariant(
            $"dying ReLU: at least {DyingReluZeros:P0} of a ReLU layer's units output zero for the whole batch, over the last tenth of training");
        return new GradientFlowReport(_layerNames, _samples, _reluNames, _activationSamples, medianRatio, new GradientVerdicts(vanishing, exploding, dying, evidence), thresholds);
    }

    private static double Ratio(GradientSample s) => s.Norm[0] / s.Norm[^1];

    private (int Layer, int Step)? FindDoublingRun()
    {
        for (var layer = 0; layer < _layerNames.Length; layer++)
        {
            var run = 1;
            for (var i = 1; i < _samples.Count; i++)
            {
                run = _samples[i].Norm[layer] >= 2 * _samples[i - 1].Norm[layer] && _samples[i - 1].Norm[layer] > 0 ? run + 1 : 1;
                if (run >= DoublingRun)
                {
                    return (layer, _samples[i - DoublingRun + 1].Step);
                }
            }
        }

        return null;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
