using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Catalog;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// Maps each catalogue layer to its signal-propagation terms. One entry per layer kind: a layer kind
    /// without an entry makes the network unpredictable (no prediction, so no NG0001) rather than guessed.
    /// Every entry is checked against measurement in tests/NetGen.Tests/Calibration.
    /// </summary>
    /// <remarks>
    /// Unpredictable on purpose: <c>Softmax</c> (not element-wise: each output depends on all the inputs, and under a
    /// cross-entropy loss on top of it the gradient depends on the loss, which NG0009's concern is), <c>LogSoftmax</c>
    /// anywhere but last, convolutions, pooling and recurrent layers (not one-dimensional).
    /// </remarks>
    internal static class LayerTerms
    {
        private static readonly Dictionary<string, Func<LayerTermContext, IEnumerable<SignalStep>?>> ByKind = new(StringComparer.Ordinal)
        {
            ["Linear"] = c => Linear(c) is { } step ? new[] { step } : null,
            ["BatchNorm"] = c => One(new BatchNormStep(1e-5, c.Source)),
            ["LayerNorm"] = c => One(new LayerNormStep(1e-5, c.Source)),
            ["ReLU"] = c => Activation(ActivationTerm.ReLU, c),
            ["ReLU6"] = c => Activation(ActivationTerm.ReLU6, c),
            ["Sigmoid"] = c => Activation(ActivationTerm.Sigmoid, c),
            ["Tanh"] = c => Activation(ActivationTerm.Tanh, c),
            ["SELU"] = c => Activation(ActivationTerm.SELU, c),
            ["GELU"] = c => Activation(ActivationTerm.GELU, c),
            ["LeakyReLU"] = c => Activation(ActivationTerm.LeakyReLU(c.Arguments.Double("negativeSlope") ?? 0.01), c),
            ["ELU"] = c => Activation(ActivationTerm.ELU(c.Arguments.Double("alpha") ?? 1.0), c),

            // The prediction is about initialisation, where PReLU is a LeakyReLU with its initial slope.
            ["PReLU"] = c => Activation(ActivationTerm.PReLU(c.Arguments.Double("InitialSlope") ?? 0.25), c),

            // log_softmax is idempotent, so a last LogSoftmax under a cross-entropy (or NLL) loss changes no gradient.
            ["LogSoftmax"] = c => c.IsLast ? Array.Empty<SignalStep>() : null,

            // Flatten of one-dimensional samples (the only kind predicted) is the identity.
            ["Flatten"] = _ => Array.Empty<SignalStep>(),
            ["Dropout"] = c => One(new DropoutStep(c.Arguments.Double("p") ?? 0.5, c.Source)),
            ["Block"] = c => c.Layer.Block is { } block ? Steps(block, c.Source) : null,
            // A projection shortcut (ResNet's downsample) replaces the identity path the residual term models: no term, so
            // NG0001 stays silent on such networks rather than guess (tested in GradientFlow/UnpredictedLayerTests).
            ["Residual"] = c => c.Layer.Model.Shortcut is null && c.Layer.Block is { } block && Steps(block, c.Source) is { } branch
                ? One(new ResidualStep(branch, c.Source))
                : null,
        };

        /// <summary>The network's signal steps, or null when a layer has no term (or the network did not resolve).</summary>
        public static IReadOnlyList<SignalStep>? Steps(ParsedNetwork network) => Steps(network, source: null);

        /// <summary>
        /// The steps of <paramref name="network"/>; inside a block every step reports the outer layer
        /// (<paramref name="source"/>), since messages and NG0001's runs are about the declaring class's own layers.
        /// </summary>
        private static IReadOnlyList<SignalStep>? Steps(ParsedNetwork network, int? source)
        {
            if (network.Model is not { } model || network.Layers.Count != model.Layers.Count || model.InputShape.Rank != 1)
            {
                return null;
            }

            var steps = new List<SignalStep>(network.Layers.Count);
            var features = model.InputShape.Last;
            for (var i = 0; i < network.Layers.Count; i++)
            {
                var layer = network.Layers[i];
                var context = new LayerTermContext(layer, i, source ?? i, features, isLast: source is null && i == network.Layers.Count - 1);
                if (layer.Model.OutputShape.Rank != 1 ||
                    !ByKind.TryGetValue(layer.Definition.AttributeName, out var term) ||
                    term(context) is not { } layerSteps)
                {
                    return null;
                }

                steps.AddRange(layerSteps);
                features = layer.Model.OutputShape.Last;
            }

            return steps;
        }

        /// <summary>
        /// In a network with residual connections, above this predicted variance of the output units' offsets (the part
        /// of the output shared by all samples) the prediction is withdrawn. Offsets with a standard deviation of 5 or
        /// more make the softmax nearly one-hot on the same class for almost every sample, so the loss's gradient points
        /// along the weights that produced that class, and hence along the common mean of the layers below; a residual
        /// path then adds the branches' gradients along that mean coherently, block after block, which the mean-field
        /// assumption (weights independent of the backward signal) ignores. Measured on x + ReLU(Linear(x)) stacks, geometric
        /// mean of 8 seeds (measured offset variance in brackets): 8 blocks at width 64 (1.3) predicted 0.11, measured 0.15;
        /// at width 256, 16 blocks (59) predicted 0.019, measured 0.034; 32 blocks (5e4) predicted 0.002, measured 0.028. Such a network's forward
        /// signal explodes, a problem of its own. Without a residual path nothing accumulates: a 12-layer Kaiming ReLU
        /// stack with dropout 0.5 has offset variance far above the limit and is predicted within a factor 1.3.
        /// </summary>
        public const double MaxResidualOutputOffsetVariance = 25;

        /// <summary>The prediction for a resolved network of one-dimensional layers, or null when it cannot be made
        /// (a layer without a term, or residual outputs that saturate, see <see cref="MaxResidualOutputOffsetVariance"/>).</summary>
        public static GradientFlowPrediction? Predict(ParsedNetwork network) =>
            network.Model is { } model && model.InputShape.Rank == 1 && Steps(network) is { } steps &&
            SignalPropagation.Predict(model.InputShape.Last, steps) is { } prediction &&
            !(steps.Any(s => s is ResidualStep) && prediction.Layers.Count > 0 &&
              prediction.Layers[prediction.Layers.Count - 1].OutputSharedVariance > MaxResidualOutputOffsetVariance)
                ? prediction
                : null;

        /// <summary>
        /// A Linear layer with the initialisation the generated constructor gives it: the declared Xavier/Kaiming
        /// scheme (<see cref="ParsedLayer.Init"/>), else PyTorch's default; no bias variance without a bias.
        /// </summary>
        private static SignalStep? Linear(LayerTermContext c)
        {
            var initialization = c.Layer.Init is { } declared
                ? Initialization.Declared(declared.Scheme, declared.Gain, declared.NegativeSlope, declared.FanOut, declared.ZeroBias)
                : Initialization.PyTorchDefault;
            if (initialization is null)
            {
                return null;
            }

            return new DenseStep(
                c.InFeatures,
                c.Layer.Model.OutputShape.Last,
                c.Arguments.Bool("Bias", true) ? initialization : initialization.WithoutBias(),
                c.Source);
        }

        private static IEnumerable<SignalStep> Activation(ActivationTerm term, LayerTermContext c) => One(new ActivationStep(term, c.Source));

        private static IEnumerable<SignalStep> One(SignalStep step) => new[] { step };
    }

    /// <summary>What a layer term sees: the resolved layer, its index, the feature count flowing into it, and
    /// the index of the declaring class's layer its steps report (the block's, for layers inside a block).</summary>
    internal sealed class LayerTermContext
    {
        public LayerTermContext(ParsedLayer layer, int index, int source, long inFeatures, bool isLast)
        {
            Layer = layer;
            Index = index;
            Source = source;
            InFeatures = inFeatures;
            IsLast = isLast;
        }

        public ParsedLayer Layer { get; }

        public int Index { get; }

        public int Source { get; }

        public long InFeatures { get; }

        /// <summary>The declaring class's last layer (never a layer inside a block).</summary>
        public bool IsLast { get; }

        public LayerArguments Arguments => LayerArguments.From(Layer.Attribute);
    }
}
