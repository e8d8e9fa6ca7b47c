using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Parsing;
using NetGen.Generator.GradientFlow;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0001: the mean-field prediction of the first/last Linear weight-gradient ratio at initialisation is
    /// below the threshold. The message names the run of layers that shrinks the gradient most (a run ends
    /// at normalisation or a residual connection), the derivative bound of its saturating activations, and the predicted per-layer factor.
    /// </summary>
    internal sealed class VanishingGradientRule : NetworkRule
    {
        public const string ThresholdKey = "netgen.NG0001.threshold";

        /// <summary>AUTOTRAINER's definition of vanishing, confirmed by the calibration suite
        /// (tests/NetGen.Tests/Calibration, table in docs/analyzers.md).</summary>
        public const double DefaultThreshold = 1e-3;

        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.VanishingGradient);

        public override void Analyze(NetworkRuleContext network)
        {
            var threshold = network.Option(ThresholdKey, DefaultThreshold, t => t > 0 && t < 1, "the threshold must be a number between 0 and 1, such as 1e-3");
            if (network.RecurrentPrediction is { } recurrent)
            {
                if (recurrent.TimeRatio < threshold)
                {
                    ReportRecurrent(network, recurrent, threshold);
                }

                return;
            }

            if (network.Prediction is not { Layers.Count: >= 2 } prediction || !(prediction.FirstToLastRatio < threshold))
            {
                return;
            }

            var run = WorstRun(network, prediction);
            var saturating = run.Where(i => network.IsActivation(i) && network.Layers[i].Definition.MaxDerivative is not null).ToList();
            var activations = run.Where(network.IsActivation).ToList();
            var linearsBeforeActivation = run.Where(i => IsAffine(network, i) && i + 1 < network.Layers.Count && network.IsActivation(i + 1)).ToList();
            var affineKind = run.Any(i => network.Layers[i].Definition.Role == LayerRole.Convolution) ? "convolution" : "Linear layer";

            // What the message describes: the run's layers with each [Block] replaced by its own layers.
            var expanded = run.SelectMany(i => Expand(network.Layers[i])).ToList();
            var saturatingLayers = expanded.Where(l => l.Definition.Role == LayerRole.Activation && l.Definition.MaxDerivative is not null).ToList();
            var activationLayers = expanded.Where(l => l.Definition.Role == LayerRole.Activation).ToList();

            // The run's own layers: the dense layers whose preceding chain lies in the run, excluding the first
            // dense layer of the network (its factor concerns the gradient of the input, not of a weight).
            var runDense = prediction.Layers.Skip(1).Where(d => run.Contains(d.Source)).ToList();
            var perLayer = runDense.Count == 0 ? 1.0 : Math.Exp(runDense.Average(d => d.LogGradientFactor) / 2);
            var saturatingShare = SaturatingShare(network, runDense);

            var initialisation = Initialisation(expanded);
            string what, why, advice;
            int reportAt;
            if (saturatingLayers.Count > 0 && saturatingShare >= 0.5)
            {
                what = Describe(saturatingLayers, stacked: true);
                why = Bound(saturatingLayers) + $"; each layer of the run is predicted to scale the gradient norm by about {Text.Number(Round2(perLayer))} {initialisation}";
                advice = $"use ReLU-family activations, add BatchNorm after each {affineKind}, or a residual connection";
                reportAt = run.First(i => IsSaturating(network.Layers[i]));
            }
            else
            {
                var named = activations.Count > 0 ? activations : run.Where(network.IsLinear).DefaultIfEmpty(run[0]).ToList();
                var linears = expanded.Where(l => l.Definition.AttributeName == "Linear").ToList();
                what = Describe(activationLayers.Count > 0 ? activationLayers : linears.Count > 0 ? linears : new List<ParsedLayer> { network.Layers[run[0]] }, stacked: true);
                var kinds = activationLayers.Select(l => l.Definition.AttributeName).Distinct().ToList();
                var defaultInit = linears.All(l => l.Init is null);
                why = kinds.Count == 1 && defaultInit && kinds[0] is ("ReLU" or "LeakyReLU" or "PReLU")
                    ? (kinds[0] == "ReLU" ? "ReLU zeroes the gradient of every negative input" : $"{kinds[0]} scales the gradient of every negative input by {Text.Number(NegativeSlope(activationLayers[0]))}")
                        + $" and PyTorch's default initialisation (weight variance 1/(3·fan_in), where ReLU needs 2/fan_in) does not make up for it: each layer is predicted to scale the gradient norm by about {Text.Number(Round2(perLayer))}"
                    : $"each layer of the run is predicted to scale the gradient norm by about {Text.Number(Round2(perLayer))} {initialisation}";
                advice = $"add BatchNorm after each {affineKind} or a residual connection, or make the network shallower";
                // At the first activation of the run, or the first block that holds one.
                reportAt = run.Where(i => Expand(network.Layers[i]).Any(l => l.Definition.Role == LayerRole.Activation)).DefaultIfEmpty(named[0]).First();
                saturating.Clear();
            }

            var additional = saturating.Concat(linearsBeforeActivation)
                .Select(i => network.Layers[i].Location)
                .Where(l => l is not null)
                .Cast<Location>()
                .ToList();
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(DiagnosticProperties.SaturatingCount, saturating.Count(i => network.Layers[i].Location is not null).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add(DiagnosticProperties.AffineKinds, string.Join(" and ", linearsBeforeActivation.Where(i => network.Layers[i].Location is not null).Select(i => network.Layers[i].Definition.AttributeName).Distinct()))
                .Add(DiagnosticProperties.PredictedRatio, prediction.FirstToLastRatio.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                .Add(DiagnosticProperties.Threshold, threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            network.Report(Diagnostic.Create(
                DiagnosticDescriptors.VanishingGradient,
                network.Layers[reportAt].Location,
                additional,
                properties,
                what,
                "the first layer's weight gradient",
                Text.Scientific(prediction.FirstToLastRatio),
                "the last layer's",
                Text.Number(threshold),
                why,
                advice));
        }

        /// <summary>
        /// "RNN(32) over 50 steps: the gradient reaching the first of 50 time steps is predicted to be 1.0e-14 of the one
        /// reaching the last …", at the first recurrent layer.
        /// </summary>
        private static void ReportRecurrent(NetworkRuleContext network, RecurrentPrediction recurrent, double threshold)
        {
            var first = network.Layers[recurrent.FirstSource];
            var what = $"{(recurrent.Layers == 1 ? "1 " + recurrent.Kind + " layer" : $"{recurrent.Layers} stacked {recurrent.Kind} layers")} over {Text.Count(recurrent.Steps)} time steps";
            var why = recurrent.Kind == "RNN"
                ? $"at PyTorch's default initialisation the recurrent weights' spectral radius is about 0.58 and tanh' at most 1, so each step is predicted to scale the gradient by about {Text.Number(Round2(recurrent.PerStep))}"
                : $"at PyTorch's default initialisation the forget path keeps about half of the gradient per step; each step is predicted to scale it by about {Text.Number(Round2(recurrent.PerStep))}";
            var advice = recurrent.Kind == "RNN"
                ? "use LSTM or GRU, shorten the sequences (truncated backpropagation through time), or initialise the recurrent weights orthogonally"
                : "shorten the sequences (truncated backpropagation through time), or set the forget-gate bias to 1 (Jozefowicz et al., 2015)";
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(DiagnosticProperties.SaturatingCount, "0")
                .Add(DiagnosticProperties.PredictedRatio, recurrent.TimeRatio.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                .Add(DiagnosticProperties.Threshold, threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            network.Report(Diagnostic.Create(
                DiagnosticDescriptors.VanishingGradient,
                first.Location,
                additionalLocations: null,
                properties,
                what,
                $"the gradient reaching the first of {Text.Count(recurrent.Steps)} time steps",
                Text.Scientific(recurrent.TimeRatio),
                "the one reaching the last",
                Text.Number(threshold),
                why,
                advice));
        }

        /// <summary>
        /// The runs are the stretches between safeguards (normalisation, residual connections); the worst is the one whose dense layers
        /// shrink the gradient most, by the predicted factors.
        /// </summary>
        private static List<int> WorstRun(NetworkRuleContext network, GradientFlowPrediction prediction)
        {
            var runs = new List<List<int>> { new() };
            for (var i = 0; i < network.Layers.Count; i++)
            {
                if (network.IsSafeguard(i))
                {
                    runs.Add(new List<int>());
                }
                else
                {
                    runs[runs.Count - 1].Add(i);
                }
            }

            // Layers inside a block report the block's index, so several dense layers can share one.
            var decay = prediction.Layers.Skip(1).GroupBy(d => d.Source).ToDictionary(g => g.Key, g => g.Sum(d => d.LogGradientFactor));
            return runs
                .Where(r => r.Count > 0)
                .OrderBy(r => r.Sum(i => decay.TryGetValue(i, out var f) ? f : 0))
                .First();
        }

        /// <summary>The share of the run's predicted decay that comes from layers fed by a saturating activation.</summary>
        private static double SaturatingShare(NetworkRuleContext network, List<DenseGradient> runDense)
        {
            var total = runDense.Where(d => d.LogGradientFactor < 0).Sum(d => d.LogGradientFactor);
            var saturating = runDense
                .Where(d => d.LogGradientFactor < 0 && d.PrecedingChain.Any(i => i >= 0 && IsSaturating(network.Layers[i])))
                .Sum(d => d.LogGradientFactor);
            return total < 0 ? saturating / total : 0;
        }

        private static bool IsAffine(NetworkRuleContext network, int index) =>
            network.IsLinear(index) || network.Layers[index].Definition.Role == LayerRole.Convolution;

        /// <summary>A layer, or for a <c>[Block]</c> the block's own layers (recursively).</summary>
        private static IEnumerable<ParsedLayer> Expand(ParsedLayer layer) =>
            layer.Definition.Role == LayerRole.Block && layer.Block is { } block ? block.Layers.SelectMany(Expand) : new[] { layer };

        /// <summary>A saturating activation, or a block that contains one.</summary>
        private static bool IsSaturating(ParsedLayer layer) =>
            Expand(layer).Any(l => l.Definition.Role == LayerRole.Activation && l.Definition.MaxDerivative is not null);

        /// <summary>A LeakyReLU's slope, or a PReLU's initial one.</summary>
        private static double NegativeSlope(ParsedLayer layer)
        {
            var arguments = LayerArguments.From(layer.Attribute);
            return layer.Definition.AttributeName == "PReLU" ? arguments.Double("InitialSlope") ?? 0.25 : arguments.Double("negativeSlope") ?? 0.01;
        }

        /// <summary>"at PyTorch's default initialisation", "with Kaiming initialisation": what the run's Linear layers declare.</summary>
        private static string Initialisation(List<ParsedLayer> run)
        {
            var schemes = run.Where(l => l.Definition.AttributeName == "Linear")
                .Select(l => l.Init is { } init ? (init.IsKaiming ? "Kaiming" : init.IsXavier ? "Xavier" : init.Scheme) : null)
                .Distinct()
                .ToList();
            return schemes.Count == 0 || (schemes.Count == 1 && schemes[0] is null) ? "at PyTorch's default initialisation"
                : schemes.Count == 1 ? $"with {schemes[0]} initialisation"
                : "with the declared initialisation";
        }

        /// <summary>"6 stacked Sigmoid layers", "4 stacked saturating layers (3 Sigmoid, 1 Tanh)".</summary>
        private static string Describe(List<ParsedLayer> layers, bool stacked)
        {
            var kinds = layers.GroupBy(l => l.Definition.AttributeName).ToList();
            var count = layers.Count;
            var noun = count == 1 ? "layer" : "layers";
            var prefix = stacked && count > 1 ? "stacked " : string.Empty;
            if (kinds.Count == 1)
            {
                return $"{count} {prefix}{kinds[0].Key} {noun}";
            }

            var group = layers.All(l => l.Definition.MaxDerivative is not null) ? "saturating" : "activation";
            return $"{count} {prefix}{group} {noun} ({string.Join(", ", kinds.Select(k => $"{k.Count()} {k.Key}"))})";
        }

        /// <summary>The derivative bound: "the sigmoid's derivative is at most 0.25, so 6 of them shrink a gradient by at least 0.25^6 ≈ 2.4e-4".</summary>
        private static string Bound(List<ParsedLayer> saturating)
        {
            var bounds = saturating.GroupBy(l => l.Definition.AttributeName)
                .Select(g => (Name: g.Key, Max: g.First().Definition.MaxDerivative!.Value, Count: g.Count()))
                .ToList();
            var product = bounds.Aggregate(1.0, (p, b) => p * Math.Pow(b.Max, b.Count));
            if (bounds.Count == 1)
            {
                var b = bounds[0];
                var subject = $"the {b.Name.ToLowerInvariant()}'s derivative is at most {Text.Number(b.Max)}";
                return product < 1
                    ? $"{subject}, so {(b.Count == 1 ? "it shrinks" : $"{b.Count} of them shrink")} a gradient by at least {Text.Number(b.Max)}^{b.Count} ≈ {Text.Scientific(product)} unless the weights amplify it"
                    : $"{subject} and smaller wherever it saturates";
            }

            var list = string.Join(" and ", bounds.Select(b => $"{Text.Number(b.Max)} ({b.Name})"));
            var power = string.Join("·", bounds.Where(b => b.Max < 1).Select(b => $"{Text.Number(b.Max)}^{b.Count}"));
            return product < 1
                ? $"their derivatives are at most {list}, so together they shrink a gradient by at least {power} ≈ {Text.Scientific(product)} unless the weights amplify it"
                : $"their derivatives are at most {list} and smaller wherever they saturate";
        }

        private static double Round2(double value) => value == 0 ? 0 : Math.Round(value, Math.Max(0, 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)))));
    }
}
