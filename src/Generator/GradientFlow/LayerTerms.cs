using System;
using System.Collections.Generic;
using NetGen.Generator.Catalog;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// Maps each catalogue layer to its signal-propagation term. One entry per layer kind: a layer kind
    /// without an entry makes the network unpredictable (no prediction, so no NG0001) rather than guessed.
    /// Adding LeakyReLU, ELU or GELU is one line here with <see cref="ActivationTerm.LeakyReLU"/>,
    /// <see cref="ActivationTerm.ELU"/> or <see cref="ActivationTerm.GELU"/>; a residual block maps to a
    /// <see cref="ResidualStep"/>, and an initialisation attribute to an <see cref="Initialization"/>.
    /// </summary>
    internal static class LayerTerms
    {
        private static readonly Dictionary<string, Func<LayerTermContext, SignalStep?>> ByKind = new(StringComparer.Ordinal)
        {
            ["Linear"] = c => new DenseStep(
                c.InFeatures,
                c.Layer.Model.OutputShape.Last,
                c.Arguments.Bool("Bias", true) ? Initialization.PyTorchDefault : Initialization.PyTorchDefault.WithoutBias(),
                c.Index),
            ["BatchNorm"] = c => new BatchNormStep(1e-5, c.Index),
            ["ReLU"] = c => new ActivationStep(ActivationTerm.ReLU, c.Index),
            ["Sigmoid"] = c => new ActivationStep(ActivationTerm.Sigmoid, c.Index),
            ["Tanh"] = c => new ActivationStep(ActivationTerm.Tanh, c.Index),
        };

        /// <summary>The network's signal steps, or null when a layer has no term (or the network did not resolve).</summary>
        public static IReadOnlyList<SignalStep>? Steps(ParsedNetwork network)
        {
            if (network.Model is not { } model || network.Layers.Count != model.Layers.Count)
            {
                return null;
            }

            var steps = new List<SignalStep>(network.Layers.Count);
            var features = model.InputShape.Last;
            for (var i = 0; i < network.Layers.Count; i++)
            {
                var layer = network.Layers[i];
                if (layer.Model.OutputShape.Rank != 1 ||
                    !ByKind.TryGetValue(layer.Definition.AttributeName, out var term) ||
                    term(new LayerTermContext(layer, i, features)) is not { } step)
                {
                    return null;
                }

                steps.Add(step);
                features = layer.Model.OutputShape.Last;
            }

            return steps;
        }

        /// <summary>The prediction for a resolved network of one-dimensional layers, or null when it cannot be made.</summary>
        public static GradientFlowPrediction? Predict(ParsedNetwork network) =>
            network.Model is { } model && model.InputShape.Rank == 1 && Steps(network) is { } steps
                ? SignalPropagation.Predict(model.InputShape.Last, steps)
                : null;
    }

    /// <summary>What a layer term sees: the resolved layer, its index and the feature count flowing into it.</summary>
    internal sealed class LayerTermContext
    {
        public LayerTermContext(ParsedLayer layer, int index, long inFeatures)
        {
            Layer = layer;
            Index = index;
            InFeatures = inFeatures;
        }

        public ParsedLayer Layer { get; }

        public int Index { get; }

        public long InFeatures { get; }

        public LayerArguments Arguments => LayerArguments.From(Layer.Attribute);
    }
}
