using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0002: the exploding side of NG0001's prediction. The first affine layer's weight gradient predicted more than
    /// netgen.NG0002.threshold (70, AUTOTRAINER's) times the last one's; or the forward signal's variance predicted to grow
    /// more than <see cref="ForwardGrowthLimit"/>-fold from the first affine layer to the last (then the gradient ratio
    /// may be withdrawn, but the forward prediction stands); or a recurrent layer's gradient predicted to grow back through
    /// time beyond the reciprocal of NG0001's threshold.
    /// </summary>
    internal sealed class ExplodingGradientRule : NetworkRule
    {
        public const string ThresholdKey = "netgen.NG0002.threshold";

        /// <summary>AUTOTRAINER (Zhang et al., ICSE 2021) calls a first/last gradient ratio above 70 exploding.</summary>
        public const double DefaultThreshold = 70;

        /// <summary>A 1000-fold growth of the pre-activation variance is a 30-fold growth of the signal: the output layer's
        /// logits then saturate the softmax.</summary>
        public const double ForwardGrowthLimit = 1000;

        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.ExplodingGradient);

        /// <summary>Whether NG0002 reports the network (read by NG0011, which then stays silent).</summary>
        public static bool Explodes(NetworkRuleContext network) => Finding(network, ReadThreshold(network, report: false)) is not null;

        public override void Analyze(NetworkRuleContext network)
        {
            if (Finding(network, ReadThreshold(network, report: true)) is not { } finding)
            {
                return;
            }

            network.Report(Diagnostic.Create(
                DiagnosticDescriptors.ExplodingGradient,
                network.Layers[finding.At].Location,
                finding.What,
                finding.Quantity,
                finding.Limit,
                finding.Why,
                finding.Advice));
        }

        private static double ReadThreshold(NetworkRuleContext network, bool report) =>
            report
                ? network.Option(ThresholdKey, DefaultThreshold, t => t > 1, "the threshold must be a number above 1, such as 70")
                : network.OptionOrDefault(ThresholdKey, DefaultThreshold, t => t > 1);

        private sealed record FindingText(int At, string What, string Quantity, string Limit, string Why, string Advice);

        private static FindingText? Finding(NetworkRuleContext network, double threshold)
        {
            if (network.RecurrentPrediction is { } recurrent)
            {
                var vanishing = network.OptionOrDefault(VanishingGradientRule.ThresholdKey, VanishingGradientRule.DefaultThreshold, t => t > 0 && t < 1);
                return recurrent.TimeRatio > 1 / vanishing
                    ? new FindingText(
                        recurrent.FirstSource,
                        $"{recurrent.Kind} over {Text.Count(recurrent.Steps)} time steps",
                        $"the gradient reaching the first time step is predicted to be {Text.Scientific(recurrent.TimeRatio)} times the one reaching the last",
                        Text.Number(1 / vanishing),
                        $"each step is predicted to scale the gradient by about {Text.Number(Math.Round(recurrent.PerStep, 2))}",
                        "add [ClipGradNorm(1.0)] or shorten the sequences")
                    : null;
            }

            if (network.UncheckedPrediction is not { Layers.Count: >= 2 } prediction)
            {
                return null;
            }

            if (prediction.ForwardGrowth > ForwardGrowthLimit)
            {
                // At the first affine layer whose pre-activations pass the limit.
                var first = prediction.Layers[0].OutputVariance;
                var at = prediction.Layers[prediction.Layers.Count - 1].Source;
                foreach (var layer in prediction.Layers)
                {
                    if (layer.OutputVariance / first > ForwardGrowthLimit)
                    {
                        at = layer.Source;
                        break;
                    }
                }

                return new FindingText(
                    at,
                    network.Name(at),
                    $"the pre-activations of the last affine layer are predicted to have {Text.Scientific(prediction.ForwardGrowth)} times the variance of the first's",
                    Text.Number(ForwardGrowthLimit),
                    prediction.HasResidual
                        ? "every residual branch adds its output's variance, and a branch ending in ReLU adds a mean that grows block after block"
                        : "each layer multiplies the signal's variance by more than 1",
                    prediction.HasResidual
                        ? "normalise inside the residual branches (pre-activation BatchNorm or LayerNorm), or scale their outputs down"
                        : "use an initialisation that keeps the variance (Kaiming for ReLU, Xavier for Tanh), or add BatchNorm");
            }

            if (network.Prediction is not { Layers.Count: >= 2 } checkedPrediction || !(checkedPrediction.FirstToLastRatio > threshold))
            {
                return null;
            }

            var firstLayer = checkedPrediction.Layers[0].Source;
            var perLayer = Math.Exp(Math.Log(checkedPrediction.FirstToLastRatio) / (checkedPrediction.Layers.Count - 1));
            return new FindingText(
                firstLayer,
                $"{checkedPrediction.Layers.Count} affine layers",
                $"the first layer's weight gradient is predicted to be {Text.Scientific(checkedPrediction.FirstToLastRatio)} times the last layer's",
                Text.Number(threshold),
                $"each layer is predicted to scale the gradient norm by about {Text.Number(Math.Round(perLayer, 2))} going back"
                    + (network.Parsed.Layers.Count > 0 && HasBatchNorm(network) ? "; BatchNorm's backward pass amplifies the gradient at initialisation (Yang et al., 2019)" : string.Empty),
                "add [ClipGradNorm(1.0)], make the network shallower, or add a residual connection");
        }

        private static bool HasBatchNorm(NetworkRuleContext network)
        {
            foreach (var layer in network.Layers)
            {
                if (layer.Definition.AttributeName == "BatchNorm")
                {
                    return true;
                }
            }

            return false;
        }
    }
}
