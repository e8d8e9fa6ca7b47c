using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Monitoring
{
    /// <summary>
    /// Watches a network's gradients at run time. A network declared with <c>[GradientMonitor]</c> owns one (its
    /// generated <c>Monitor</c> property) built from its layer table. Every <see cref="GradientMonitorOptions.SampleEvery"/>-th
    /// training forward pass is sampled: <see cref="Probe(int, Tensor)"/> records, on the forward side, the fraction of
    /// each ReLU's outputs that are zero and places a <see cref="GradientProbe"/> on every layer output, whose backward
    /// records the norm of the gradient flowing into that output; <see cref="AfterBackward"/> then reads the parameter
    /// gradients, judges the sample and publishes a <see cref="GradientReport"/>.
    /// </summary>
    /// <remarks>
    /// <para>Who calls what: the generated <c>forward</c> calls <see cref="BeginForward"/> once and
    /// <see cref="Probe(int, Tensor)"/> after each layer; the generated <c>TrainStep</c> (or a hand-written loop) calls
    /// <see cref="AfterBackward"/> after <c>loss.backward()</c> and before the optimiser's step. Passes in evaluation
    /// mode or under <c>torch.no_grad()</c> are not counted.</para>
    /// <para>A monitor belongs to one training loop: it is not thread-safe.</para>
    /// </remarks>
    public sealed class GradientMonitor
    {
        private readonly torch.nn.Module owner;
        private readonly MonitoredLayer[] layers;
        private readonly int firstAffine;
        private readonly int lastAffine;
        private readonly double[] outputGradientNorms;
        private readonly double[] zeroFractions;
        private double highestBeforeWindow;
        private readonly double[] deadFractions;

        private readonly Queue<GradientReport> reports = new();
        private readonly Queue<double> recentTotalNorms = new();
        private readonly VerdictStream verdicts = new();

        // The last sample's statistics by parameter object, so the training step's finiteness check need not read the same
        // gradients a second time.
        private readonly Dictionary<TorchSharp.Modules.Parameter, GradientSums> lastSums = new(ReferenceEqualityComparer.Instance);
        private long passes;
        private long sampledPass;

        /// <summary>Creates a monitor for a network.</summary>
        /// <param name="owner">The network; its <c>training</c> flag decides whether a forward pass counts.</param>
        /// <param name="layers">The layer table, in forward order; names must be unique.</param>
        /// <param name="options">Sampling and thresholds; <c>null</c> for the published defaults.</param>
        public GradientMonitor(torch.nn.Module owner, IReadOnlyList<MonitoredLayer> layers, GradientMonitorOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(owner);
            ArgumentNullException.ThrowIfNull(layers);
            if (layers.Count == 0)
            {
                throw new ArgumentException("A gradient monitor needs at least one layer.", nameof(layers));
            }

            var duplicate = layers.GroupBy(l => l.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new ArgumentException($"Layer names must be unique; '{duplicate.Key}' appears {duplicate.Count()} times.", nameof(layers));
            }

            this.owner = owner;
            this.layers = layers.ToArray();
            Options = options ?? new GradientMonitorOptions();
            firstAffine = Array.FindIndex(this.layers, l => l.Kind == LayerKind.Affine);
            lastAffine = Array.FindLastIndex(this.layers, l => l.Kind == LayerKind.Affine);
            outputGradientNorms = new double[this.layers.Length];
            zeroFractions = new double[this.layers.Length];
            deadFractions = new double[this.layers.Length];
        }

        /// <summary>Sampling, thresholds and history size; changes apply from the next sample.</summary>
        public GradientMonitorOptions Options { get; }

        /// <summary>The layer table, in forward order.</summary>
        public IReadOnlyList<MonitoredLayer> Layers => layers;

        /// <summary>Whether the monitor samples at all (default <c>true</c>). When <c>false</c>, forward passes cost one test per layer and are not counted.</summary>
        public bool Enabled { get; set; } = true;

        /// <summary>Whether the current forward pass is being sampled.</summary>
        public bool IsSampling => sampledPass != 0;

        /// <summary>The number of training forward passes counted so far.</summary>
        public long Passes => passes;

        /// <summary>The most recent report, or <c>null</c> before the first sampled backward pass.</summary>
        public GradientReport? Latest { get; private set; }

        /// <summary>The kept reports, oldest first (at most <see cref="GradientMonitorOptions.HistoryCapacity"/>).</summary>
        public IReadOnlyList<GradientReport> Reports => reports.ToArray();

        /// <summary>Every verdict as it is raised, for Rx or any <see cref="IObserver{T}"/>; dispose the subscription to stop.</summary>
        public IObservable<GradientVerdict> Verdicts => verdicts;

        /// <summary>Raised for every verdict, right after the report that carries it is published.</summary>
        public event EventHandler<GradientVerdict>? VerdictRaised;

        /// <summary>Raised for every published report, healthy or not.</summary>
        public event EventHandler<GradientReport>? Sampled;

        /// <summary>One layer's statistics across the kept reports, oldest first: a series to plot against <see cref="LayerGradientStats.Step"/>.</summary>
        /// <param name="layer">The layer's name.</param>
        public IReadOnlyList<LayerGradientStats> History(string layer) => History(IndexOf(layer));

        /// <summary>One layer's statistics across the kept reports, oldest first.</summary>
        /// <param name="layer">The layer's index in the layer table.</param>
        public IReadOnlyList<LayerGradientStats> History(int layer)
        {
            CheckIndex(layer);
            return reports.Select(r => r.Layers[layer]).ToArray();
        }

        /// <summary>
        /// Starts a forward pass; the generated <c>forward</c> calls it first. It counts the pass when the network is in training
        /// mode with gradients enabled, and decides whether the pass is sampled.
        /// </summary>
        public void BeginForward()
        {
            Autograd.CustomFunctionTensors.Release();
            lastSums.Clear();
            sampledPass = 0;
            if (!Enabled || !owner.training || !torch.is_grad_enabled())
            {
                return;
            }

            passes++;
            if ((passes - 1) % Options.SampleEvery == 0)
            {
                sampledPass = passes;
                Array.Fill(outputGradientNorms, double.NaN);
                Array.Fill(zeroFractions, double.NaN);
                Array.Fill(deadFractions, double.NaN);
            }
        }

        /// <summary>
        /// Watches a network whose <c>forward</c> is user-written, where there is no generated code to call
        /// <see cref="BeginForward"/> and <see cref="Probe(int, Tensor)"/>: a forward pre-hook on the network begins each pass, and
        /// a forward hook on each layer module of the table (those taking and returning one tensor) probes its output. Hooks
        /// fire through <c>call(...)</c>, as in PyTorch through <c>module(x)</c>: a forward that calls a layer's <c>forward</c>
        /// directly leaves that layer's output gradient unrecorded (its parameter gradients are still read), and a network
        /// run through its own <c>forward</c> instead of <c>call</c> (or <c>TrainStep</c>) is not sampled.
        /// </summary>
        /// <returns>The number of layer modules hooked.</returns>
        public int AttachHooks()
        {
            if (owner is not nn.Module<Tensor, Tensor> network)
            {
                throw new InvalidOperationException($"{owner.GetName()} does not take and return one tensor, so no forward pre-hook can begin its passes.");
            }

            network.register_forward_pre_hook((_, input) =>
            {
                BeginForward();
                return input;
            });
            var hooked = 0;
            for (var i = 0; i < layers.Length; i++)
            {
                if (layers[i].Module is nn.Module<Tensor, Tensor> module)
                {
                    var index = i;
                    module.register_forward_hook((_, _, output) => Probe(index, output));
                    hooked++;
                }
            }

            return hooked;
        }

        /// <summary>
        /// Watches the output of layer <paramref name="layer"/>; the generated <c>forward</c> wraps each layer call in it. On a
        /// sampled pass it measures a ReLU's zero outputs and returns an identity of <paramref name="output"/> whose backward
        /// records the incoming gradient's norm; otherwise it returns <paramref name="output"/> itself.
        /// </summary>
        /// <param name="layer">The layer's index in the layer table.</param>
        /// <param name="output">The layer's output. The probe takes ownership: use the returned tensor, and dispose that one.</param>
        /// <returns>A tensor equal to <paramref name="output"/>.</returns>
        public Tensor Probe(int layer, Tensor output)
        {
            if (sampledPass == 0)
            {
                return output;
            }

            CheckIndex(layer);
            ArgumentNullException.ThrowIfNull(output);
            if (layers[layer].Kind == LayerKind.ReLU)
            {
                (zeroFractions[layer], deadFractions[layer]) = ZeroAndDeadFractions(output);
            }

            if (!output.requires_grad)
            {
                return output;
            }

            var probed = GradientProbe.apply(output, this, layer, sampledPass);

            // The autograd graph holds what backward needs; this wrapper of the layer's output is no longer used.
            output.Dispose();
            return probed;
        }

        /// <summary>
        /// Finishes a sampled pass: reads every layer's parameter gradients, judges the sample, stores and publishes the report.
        /// Call it after <c>loss.backward()</c> and before the optimiser's step (which changes nothing it reads, but
        /// clipping does). Returns <c>null</c>, at the cost of one test, when the last forward pass was not sampled.
        /// </summary>
        /// <returns>The new report, or <c>null</c>.</returns>
        public GradientReport? AfterBackward()
        {
            Autograd.CustomFunctionTensors.Release();
            var step = sampledPass;
            sampledPass = 0;
            if (step == 0)
            {
                return null;
            }

            var stats = MeasureLayers(step);
            var report = Judge(step, stats);
            Publish(report);
            return report;
        }

        /// <summary>
        /// Publishes a non-finite verdict found outside a sample; the training step calls it when it skips an optimiser step on
        /// a pass that was not sampled.
        /// </summary>
        internal GradientVerdict ReportNonFinite(IReadOnlyList<string> parameterNames)
        {
            var layer = parameterNames.Select(LayerOfParameter).FirstOrDefault(l => l is not null);
            var verdict = new GradientVerdict(
                GradientIssue.Exploding,
                GradientRule.NonFinite,
                layer,
                double.NaN,
                double.PositiveInfinity,
                passes,
                $"Exploding gradient at step {passes}: non-finite gradient (NaN or infinity) in {Describe(parameterNames)}; the optimiser step was skipped.");
            RaiseVerdict(verdict);
            return verdict;
        }

        /// <summary>Called by <see cref="GradientProbe"/> from autograd's backward pass.</summary>
        internal void OnOutputGradient(int layer, long pass, Tensor gradient)
        {
            if (gradient is null || gradient.IsInvalid)
            {
                return;
            }

            if (pass != sampledPass || (uint)layer >= (uint)layers.Length)
            {
                // A gradient from an older graph (two forward passes, one backward): not this sample's.
                return;
            }

            using var norm = torch.linalg.vector_norm(gradient);
            outputGradientNorms[layer] = TensorValues.ToDouble(norm);
        }

        /// <summary>
        /// The share of a ReLU's outputs that are zero, and the share of its units (one per feature position) that are zero
        /// for every sample of the batch: a unit that is zero for all of them passes no gradient to its weights on this batch.
        /// </summary>
        private static (double Zero, double Dead) ZeroAndDeadFractions(Tensor output)
        {
            var count = output.numel();
            if (count == 0 || output.dim() < 2 || output.shape[0] == 0)
            {
                return (double.NaN, double.NaN);
            }

            using var nonZero = torch.count_nonzero(output);
            using var detached = output.detach();
            using var units = detached.flatten(1);
            using var nonZeroUnits = units.ne(0);
            using var alive = nonZeroUnits.any(0);
            using var aliveCount = torch.count_nonzero(alive);
            var unitCount = units.shape[1];
            return (1.0 - (nonZero.item<long>() / (double)count), 1.0 - (aliveCount.item<long>() / (double)unitCount));
        }

        /// <summary>The statistics the last sample computed for <paramref name="parameter"/>'s gradient, if it did.</summary>
        internal bool TryGetLastSums(TorchSharp.Modules.Parameter parameter, out GradientSums sums) => lastSums.TryGetValue(parameter, out sums);

        private LayerGradientStats[] MeasureLayers(long step)
        {
            lastSums.Clear();
            var perLayer = new List<ParameterGradientStats>[layers.Length];
            for (var i = 0; i < layers.Length; i++)
            {
                if (layers[i].Module is not { } module)
                {
                    continue;
                }

                foreach (var (name, parameter) in module.named_parameters())
                {
                    using var gradient = parameter.grad;
                    if (gradient is null)
                    {
                        continue;
                    }

                    var count = gradient.numel();
                    var sums = GradientStatistics.Compute(gradient);
                    lastSums[parameter] = sums;
                    (perLayer[i] ??= new List<ParameterGradientStats>()).Add(
                        new ParameterGradientStats(name, count, sums.Norm, count == 0 ? 0 : sums.SumAbs / count, sums.MaxAbs));
                }
            }

            var result = new LayerGradientStats[layers.Length];
            for (var i = 0; i < layers.Length; i++)
            {
                result[i] = new LayerGradientStats(
                    step,
                    i,
                    layers[i].Name,
                    layers[i].Kind,
                    (IReadOnlyList<ParameterGradientStats>?)perLayer[i] ?? Array.Empty<ParameterGradientStats>(),
                    double.IsNaN(outputGradientNorms[i]) ? null : outputGradientNorms[i],
                    layers[i].Kind == LayerKind.ReLU && !double.IsNaN(zeroFractions[i]) ? zeroFractions[i] : null,
                    layers[i].Kind == LayerKind.ReLU && !double.IsNaN(deadFractions[i]) ? deadFractions[i] : null);
            }

            return result;
        }

        private GradientReport Judge(long step, LayerGradientStats[] stats)
        {
            var o = Options;
            var found = new List<GradientVerdict>();
            var totalNorm = Math.Sqrt(stats.SelectMany(l => l.Parameters).Sum(p => p.Norm * p.Norm));
            var nonFinite = stats.Where(l => !IsFinite(l.Norm) || !IsFinite(l.MaxAbs) || !IsFinite(l.ActivationGradientNorm)).ToList();
            var allFinite = nonFinite.Count == 0 && IsFinite(totalNorm);

            var ratio = double.NaN;
            if (firstAffine >= 0 && lastAffine > firstAffine)
            {
                var first = WeightNorm(stats[firstAffine]);
                var last = WeightNorm(stats[lastAffine]);
                ratio = last > 0 ? first / last : double.NaN;
                var firstName = layers[firstAffine].Name;
                var lastName = layers[lastAffine].Name;
                if (ratio < o.VanishingRatio && first < o.VanishingFirstLayerNorm)
                {
                    found.Add(new GradientVerdict(GradientIssue.Vanishing, GradientRule.FirstToLastRatioLow, firstName, ratio, o.VanishingRatio, step,
                        $"Vanishing gradient at step {step}: {firstName}'s weight-gradient norm {N(first)} is {N(ratio)} of {lastName}'s (below {N(o.VanishingRatio)}) and below {N(o.VanishingFirstLayerNorm)} (AUTOTRAINER)."));
                }

                if (ratio > o.ExplodingRatio)
                {
                    found.Add(new GradientVerdict(GradientIssue.Exploding, GradientRule.FirstToLastRatioHigh, firstName, ratio, o.ExplodingRatio, step,
                        $"Exploding gradient at step {step}: {firstName}'s weight-gradient norm {N(first)} is {N(ratio)} times {lastName}'s (above {N(o.ExplodingRatio)}, AUTOTRAINER)."));
                }
            }

            foreach (var layer in stats.Where(l => l.Kind == LayerKind.Affine && l.MeanAbs < o.VanishingMeanAbs))
            {
                found.Add(new GradientVerdict(GradientIssue.Vanishing, GradientRule.MeanAbsGradientLow, layer.Name, layer.MeanAbs!.Value, o.VanishingMeanAbs, step,
                    $"Vanishing gradient at step {step}: {layer.Name}'s mean |g| is {N(layer.MeanAbs.Value)} (below {N(o.VanishingMeanAbs)}, DeepDiagnosis)."));
            }

            if (!allFinite)
            {
                // Backward runs from the output: the last layer in forward order with a non-finite gradient is where it entered.
                var where = nonFinite.Count > 0 ? nonFinite[^1].Name : null;
                found.Add(new GradientVerdict(GradientIssue.Exploding, GradientRule.NonFinite, where, totalNorm, double.PositiveInfinity, step,
                    $"Exploding gradient at step {step}: non-finite gradient (NaN or infinity) in {Describe(nonFinite.Select(l => l.Name).ToArray())}."));
                recentTotalNorms.Clear();
                highestBeforeWindow = 0;
            }
            else
            {
                recentTotalNorms.Enqueue(totalNorm);
                while (recentTotalNorms.Count > o.GrowthWindow)
                {
                    highestBeforeWindow = Math.Max(highestBeforeWindow, recentTotalNorms.Dequeue());
                }

                // A run of rises alone is batch-to-batch noise as often as not (sampling every step, it fired on every one of
                // the Gradient Lab's ten variants, healthy ones included); a growing gradient also sets a new high.
                if (recentTotalNorms.Count == o.GrowthWindow)
                {
                    var window = recentTotalNorms.ToArray();
                    var rising = window.Zip(window.Skip(1), (a, b) => b > a).All(r => r);
                    var growth = window[^1] / window[0];
                    if (rising && growth >= o.GrowthFactor && window[^1] > highestBeforeWindow)
                    {
                        var high = highestBeforeWindow > 0 ? $", above every earlier sample (highest {N(highestBeforeWindow)})" : string.Empty;
                        found.Add(new GradientVerdict(GradientIssue.Exploding, GradientRule.NormGrowth, null, growth, o.GrowthFactor, step,
                            $"Exploding gradient at step {step}: the total gradient norm rose at each of the last {o.GrowthWindow} samples, from {N(window[0])} to {N(window[^1])} ({N(growth)}x, at least {N(o.GrowthFactor)}x){high} (TheDeepChecker)."));
                    }
                }
            }

            foreach (var layer in stats.Where(l => l.DeadFraction >= o.DyingReluFraction))
            {
                found.Add(new GradientVerdict(GradientIssue.DyingReLU, GradientRule.DeadUnits, layer.Name, layer.DeadFraction!.Value, o.DyingReluFraction, step,
                    $"Dying ReLU at step {step}: {Percent(layer.DeadFraction.Value)} of {layer.Name}'s units output zero for every sample of the batch (at least {Percent(o.DyingReluFraction)}; AUTOTRAINER, DeepDiagnosis)."));
            }

            return new GradientReport(step, stats, totalNorm, ratio, allFinite, found);
        }

        private void Publish(GradientReport report)
        {
            reports.Enqueue(report);
            while (reports.Count > Options.HistoryCapacity)
            {
                reports.Dequeue();
            }

            Latest = report;
            foreach (var verdict in report.Verdicts)
            {
                RaiseVerdict(verdict);
            }

            Sampled?.Invoke(this, report);
        }

        private void RaiseVerdict(GradientVerdict verdict)
        {
            VerdictRaised?.Invoke(this, verdict);
            verdicts.Publish(verdict);
        }

        /// <summary>AUTOTRAINER compares kernels: the weight's gradient norm when the layer has one, else all of its parameters'.</summary>
        private static double WeightNorm(LayerGradientStats layer) => layer.Parameter("weight")?.Norm ?? layer.Norm ?? double.NaN;

        private string? LayerOfParameter(string parameterName)
        {
            var dot = parameterName.IndexOf('.', StringComparison.Ordinal);
            var prefix = dot < 0 ? parameterName : parameterName[..dot];
            return layers.FirstOrDefault(l => l.Name == prefix)?.Name;
        }

        private int IndexOf(string layer)
        {
            var index = Array.FindIndex(layers, l => l.Name == layer);
            return index >= 0 ? index : throw new KeyNotFoundException($"The monitor has no layer named '{layer}'; its layers are {string.Join(", ", layers.Select(l => l.Name))}.");
        }

        private void CheckIndex(int layer)
        {
            if ((uint)layer >= (uint)layers.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The monitor's layer table has {layers.Length} layers (indices 0 to {layers.Length - 1}).");
            }
        }

        private static bool IsFinite(double? value) => value is not { } v || double.IsFinite(v);

        private static string Describe(IReadOnlyList<string> names) =>
            names.Count switch
            {
                0 => "the gradients",
                1 => names[0],
                <= 4 => string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1],
                _ => $"{names[0]}, {names[1]} and {names.Count - 2} more",
            };

        private static string N(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

        private static string Percent(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    }
}
