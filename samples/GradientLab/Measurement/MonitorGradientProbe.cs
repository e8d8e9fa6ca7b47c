using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Monitoring;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.GradientLab.Measurement;

/// <summary>Chooses the gradient probe the lab uses.</summary>
public static class GradientProbes
{
    /// <summary>A probe for <paramref name="network"/>; call once per training run.</summary>
    /// <param name="network">The network about to be trained.</param>
    public static IGradientProbe Create(LabNetwork network) => new MonitorGradientProbe(network.Monitor);
}

/// <summary>
/// Measures with NetGen's own runtime gradient monitor: the <c>Monitor</c> property that <c>[GradientMonitor]</c> makes
/// the generator emit on every variant in Variants.cs. The generated <c>forward</c> feeds it (a probe on every layer
/// output); this class calls <see cref="GradientMonitor.AfterBackward"/> after each <c>loss.backward()</c> and turns the
/// report it returns into the lab's records.
/// </summary>
/// <remarks>
/// <para>What it reads from each <see cref="GradientReport"/>: every Linear and Conv2d layer's weight-gradient norm (an RNN's
/// recurrent weight <c>weight_hh_l0</c>), mean |g| and
/// max |g| (<see cref="ParameterGradientStats"/> of its <c>weight</c>; for a residual block, of each Linear inside it,
/// named <c>res1.fc1</c>), the monitor's first/last ratio, the ReLU layers' zero fractions, and the verdicts.</para>
/// <para>The monitor judges each sample on its own. A table needs one verdict per run, so the lab summarises the
/// per-step verdicts; it adds no threshold of its own (see <see cref="Finish"/> for the summary rule).</para>
/// </remarks>
internal sealed class MonitorGradientProbe : IGradientProbe
{
    // A condition the monitor reports on at least this fraction of the steps is a property of the run, not one batch.
    private const double PersistentFraction = 0.5;

    private readonly GradientMonitor _monitor;
    private readonly (int Layer, string Parameter)[] _weights;
    private readonly string[] _layerNames;
    private readonly int[] _reluLayers;
    private readonly string[] _reluNames;
    private readonly List<GradientSample> _samples = [];
    private readonly List<ActivationSample> _activationSamples = [];
    private readonly List<double> _ratios = [];
    // Each step's verdicts (empty when healthy): all the run summary needs from the reports.
    private readonly List<IReadOnlyList<GradientVerdict>> _verdicts = [];

    public MonitorGradientProbe(GradientMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        if (monitor.Options.SampleEvery != 1)
        {
            throw new ArgumentException($"Gradient Lab plots every training step, so its networks' [GradientMonitor] must sample every step (SampleEvery = 1); it is {monitor.Options.SampleEvery}.", nameof(monitor));
        }

        _monitor = monitor;
        var weights = new List<(int, string)>();
        var names = new List<string>();
        for (var i = 0; i < monitor.Layers.Count; i++)
        {
            var layer = monitor.Layers[i];
            if (layer.Module is Linear or Conv2d)
            {
                weights.Add((i, "weight"));
                names.Add(layer.Name);
            }
            else if (layer.Module is RNN)
            {
                // The recurrent matrix, the one backpropagation through time multiplies by at every step.
                weights.Add((i, "weight_hh_l0"));
                names.Add(layer.Name + ".weight_hh");
            }
            else if (layer.Kind == LayerKind.Other && layer.Module is { } block)
            {
                // A residual block: the monitor records its parameters under their names inside the block.
                foreach (var (name, module) in block.named_modules())
                {
                    if (module is Linear)
                    {
                        weights.Add((i, name + ".weight"));
                        names.Add(layer.Name + "." + name);
                    }
                }
            }
        }

        _weights = [.. weights];
        _layerNames = [.. names];
        _reluLayers = Enumerable.Range(0, monitor.Layers.Count).Where(i => monitor.Layers[i].Kind == LayerKind.ReLU).ToArray();
        _reluNames = _reluLayers.Select(i => monitor.Layers[i].Name).ToArray();
    }

    /// <summary>None: the generated <c>forward</c> already hands every layer output to the monitor.</summary>
    public Action<string, Tensor>? LayerObserver => null;

    public double FirstStepRatio => _ratios.Count > 0 ? _ratios[0] : double.NaN;

    public void AfterBackward(int step)
    {
        var report = _monitor.AfterBackward()
            ?? throw new InvalidOperationException($"The gradient monitor did not sample training step {step}; the lab needs every step (SampleEvery = 1) and one forward pass per backward pass.");
        if (report.Step != step)
        {
            throw new InvalidOperationException($"The gradient monitor counted step {report.Step} where the lab is at step {step}: a forward pass ran outside the training loop.");
        }

        var count = _weights.Length;
        var norm = new double[count];
        var meanAbs = new double[count];
        var maxAbs = new double[count];
        for (var i = 0; i < count; i++)
        {
            var (layer, parameter) = _weights[i];

            // No gradient at all (never reached) counts as zero, as p.grad is null.
            var stats = report.Layers[layer].Parameter(parameter);
            (norm[i], meanAbs[i], maxAbs[i]) = stats is { } s ? (s.Norm, s.MeanAbs, s.MaxAbs) : (0, 0, 0);
        }

        _samples.Add(new GradientSample(step, norm, meanAbs, maxAbs));
        _ratios.Add(report.FirstToLastRatio);
        if (_reluLayers.Length > 0)
        {
            _activationSamples.Add(new ActivationSample(step, _reluLayers.Select(i => report.Layers[i].ZeroFraction ?? double.NaN).ToArray()));
        }

        _verdicts.Add(report.Verdicts);
    }

    /// <summary>
    /// Summarises the monitor's per-step verdicts into one per run: <b>exploding</b> when any step had a non-finite
    /// gradient, or when any other exploding rule fired on at least half of the steps; <b>vanishing</b> and <b>dying
    /// ReLU</b> when the monitor raised them on at least half of the steps. Every rule that fired at all is listed in the
    /// evidence with its count and its first message, counted or not.
    /// </summary>
    public GradientFlowReport Finish()
    {
        var steps = _verdicts.Count;
        var verdicts = _verdicts.SelectMany(v => v).ToArray();
        var evidence = new List<string>();
        bool Persistent(GradientIssue issue, Func<GradientVerdict, bool>? rule = null) =>
            steps > 0 && _verdicts.Count(step => step.Any(v => v.Issue == issue && (rule?.Invoke(v) ?? true))) >= PersistentFraction * steps;

        var vanishing = Persistent(GradientIssue.Vanishing);
        var nonFinite = verdicts.Any(v => v.Rule == GradientRule.NonFinite);
        var persistentExploding = Persistent(GradientIssue.Exploding, v => v.Rule != GradientRule.NonFinite);
        var exploding = nonFinite || persistentExploding;
        var dying = Persistent(GradientIssue.DyingReLU);

        foreach (var group in verdicts.GroupBy(v => v.Rule).OrderBy(g => g.Key))
        {
            var first = group.First();
            var stepsWith = group.Select(v => v.Step).Distinct().Count();
            var counted = first.Issue switch
            {
                GradientIssue.Vanishing => vanishing,
                GradientIssue.Exploding => group.Key == GradientRule.NonFinite || persistentExploding,
                _ => dying,
            };
            var layers = group.Select(v => v.Layer).Where(l => l is not null).Distinct().ToArray();
            evidence.Add(Invariant(
                $"{Word(first.Issue)} ({first.Rule}) on {stepsWith} of {steps} steps{(layers.Length > 1 ? $" ({string.Join(", ", layers)})" : "")}, steps {first.Step} to {group.Max(v => v.Step)}{(counted ? "" : ", not persistent: not counted")}. First: {first.Message}"));
        }

        var finiteRatios = _ratios.Where(double.IsFinite).Order().ToArray();
        var medianRatio = finiteRatios.Length == 0 ? double.NaN : finiteRatios[finiteRatios.Length / 2];
        var o = _monitor.Options;
        var thresholds = Invariant(
            $"NetGen's GradientMonitor, sampling every step, published defaults: vanishing when first/last weight-gradient norm ratio < {o.VanishingRatio:0e+0} with the first norm < {o.VanishingFirstLayerNorm:0e+0}, or a Linear layer's mean |g| < {o.VanishingMeanAbs:0e+0}; ") + Invariant(
            $"exploding when a gradient is non-finite, the ratio > {o.ExplodingRatio}, or the total norm rose at each of {o.GrowthWindow} consecutive samples by at least {o.GrowthFactor}x to a new high; ") + Invariant(
            $"dying ReLU when at least {o.DyingReluFraction:P0} of a ReLU layer's units are zero for the whole batch. ") +
            "The lab reports a non-finite gradient at any step, and every other verdict when the monitor raised it on at least half of the steps";
        return new GradientFlowReport(_layerNames, _samples, _reluNames, _activationSamples, medianRatio, new GradientVerdicts(vanishing, exploding, dying, evidence), thresholds, o.VanishingMeanAbs);
    }

    private static string Word(GradientIssue issue) => issue switch
    {
        GradientIssue.Vanishing => "vanishing",
        GradientIssue.Exploding => "exploding",
        _ => "dying ReLU",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
