using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Catalog;
using NetGen.Generator.Model;
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
    /// anywhere but last, recurrent layers (not element-wise in time; RecurrentFlow predicts their own quantity), attention
    /// and transformer encoder layers (each output step is a softmax-weighted mix of every step, with weights that depend on
    /// the data), parallel <c>Branches</c>, and the sequence layers after an affine layer.
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

            // Units are counted per sample over all channels and positions, so flattening changes nothing.
            ["Flatten"] = _ => Array.Empty<SignalStep>(),
            ["Conv1d"] = c => Convolution(c) is { } conv ? new[] { conv } : null,
            ["Conv2d"] = c => Convolution(c) is { } conv ? new[] { conv } : null,
            ["MaxPool2d"] = c => Countable(c) && DefaultWindows(c) ? One(Pooling(c, max: true)) : null,
            ["AvgPool2d"] = c => Countable(c) && DefaultWindows(c) ? One(Pooling(c, max: false)) : null,
            ["AdaptiveAvgPool2d"] = c => Countable(c) ? One(AdaptivePooling(c)) : null,

            // No term for Conv3d, ConvTranspose1d/2d, Upsample, MaxPool1d, AvgPool1d and AdaptiveAvgPool1d, so NG0001 stays
            // silent rather than guess (tested in GradientFlow/UnpredictedLayerTests). A transposed convolution's outputs sum
            // different numbers of taps by position, and upsampling copies or interpolates neighbours, which makes the next
            // layer's inputs correlated. The Conv2d and pooling terms over three and one dimensions were measured and came out
            // up to 3x (Conv3d stacks of depth 6) and 5x (ReLU Conv1d stacks with 1-D pooling) too pessimistic, below the
            // calibration suite's bar (docs/analyzers.md).
            // Nor for pooling in ceil mode or without the padding in the divisor: windows clipped at the input's end and a
            // divisor per window are unmeasured, so NG0001 declines them (GradientFlow/UnpredictedLayerTests). Grouped and
            // dilated Conv1d/Conv2d have the convolution's term with fan-in inChannels/groups × kernel elements and dilated
            // taps (calibrated in Calibration/GroupedCalibrationNetworks.cs).

            ["Dropout"] = c => One(new DropoutStep(c.Arguments.Double("p") ?? 0.5, c.Source)),

            // Token sequences, up to the first affine layer (a Linear on [steps, features] is not predicted, and attention
            // mixes positions with data-dependent weights: TransformerEncoderLayer and MultiheadAttention have no term).
            ["Embedding"] = c => c.Index == 0 && !c.AfterAffine ? One(Embedding(c)) : null,
            // PyTorch-style N(0, 1) position vectors: each unit (step, feature) gets an offset shared by all samples.
            ["PositionalEmbedding"] = c => c.AfterAffine ? null : One(new SequenceStep(1, 1, 1, 0, c.Layer.Model.OutputShape.Elements, c.Source)),
            // The mean over the steps of independent positions: offsets and per-sample variances both divide by the steps.
            ["MeanPool"] = c => c.AfterAffine || c.InShape.Rank != 2 ? null
                : One(new SequenceStep(1.0 / c.InShape.Dims[0], 1, 0, 0, c.Layer.Model.OutputShape.Elements, c.Source)),
            ["Block"] = c => c.Layer.Block is { } block ? Steps(block, c.Source) : null,
            // A projection shortcut (ResNet's downsample) is a second branch from the same input: forward the two outputs'
            // second moments add as with the identity, backward the two paths' gradients add.
            ["Residual"] = c => c.Layer.Block is { } block && Steps(block, c.Source) is { } branch
                ? c.Layer.Model.Shortcut is null ? One(new ResidualStep(branch, c.Source))
                : c.Layer.Shortcut is { } shortcut && Steps(shortcut, c.Source) is { } projection ? One(new ResidualStep(branch, c.Source, projection))
                : null
                : null,

            // Identity, Unflatten, Reshape and Transpose move units without changing them; units are counted per sample.
            ["Identity"] = _ => Array.Empty<SignalStep>(),
            ["Unflatten"] = _ => Array.Empty<SignalStep>(),
            ["Reshape"] = _ => Array.Empty<SignalStep>(),
            ["Transpose"] = _ => Array.Empty<SignalStep>(),

            // Channel dropout keeps each unit with probability 1 − p and scales it by 1/(1 − p), as Dropout does; that the
            // units of a channel are dropped together changes no unit's second moment.
            ["Dropout2d"] = c => One(new DropoutStep(c.Arguments.Double("p") ?? 0.5, c.Source)),

            // The channel-wise model reads a feature map as rows (channels: their offsets) and fluctuations (samples and
            // positions alike). InstanceNorm normalises each channel of each sample over its positions, which in that model
            // is BatchNorm's per-row normalisation; GroupNorm with one group normalises all of a sample's units, LayerNorm's
            // step, and with one channel per group it is InstanceNorm. Groups of several channels in between have statistics
            // of their own that neither step models: declined (GradientFlow/UnpredictedLayerTests).
            ["InstanceNorm1d"] = c => One(new BatchNormStep(c.Arguments.Double("Eps") ?? 1e-5, c.Source)),
            ["InstanceNorm2d"] = c => One(new BatchNormStep(c.Arguments.Double("Eps") ?? 1e-5, c.Source)),
            ["GroupNorm"] = c => c.Arguments.Long("numGroups") is not { } groups ? null
                : groups == 1 ? One(new LayerNormStep(c.Arguments.Double("Eps") ?? 1e-5, c.Source))
                : groups == c.InShape.Dims[0] ? One(new BatchNormStep(c.Arguments.Double("Eps") ?? 1e-5, c.Source))
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
            // Inside a block the sequence terms decline: what precedes the block is not known here.
            var afterAffine = source is not null;
            if (network.Model is not { } model || network.Layers.Count != model.Layers.Count)
            {
                return null;
            }

            var steps = new List<SignalStep>(network.Layers.Count);
            var shape = model.InputShape;
            for (var i = 0; i < network.Layers.Count; i++)
            {
                var layer = network.Layers[i];
                var context = new LayerTermContext(layer, i, source ?? i, shape, isLast: source is null && i == network.Layers.Count - 1) { AfterAffine = afterAffine };
                if (!ByKind.TryGetValue(layer.Definition.AttributeName, out var term) ||
                    term(context) is not { } layerSteps)
                {
                    return null;
                }

                steps.AddRange(layerSteps);
                afterAffine |= layerSteps.Any(s => s is DenseStep or ResidualStep);
                shape = layer.Model.OutputShape;
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
            PredictUnchecked(network) is { } prediction &&
            !(prediction.HasResidual && prediction.Layers.Count > 0 &&
              prediction.Layers[prediction.Layers.Count - 1].OutputSharedVariance > MaxResidualOutputOffsetVariance)
                ? prediction
                : null;

        /// <summary>The prediction without the residual check: its forward variances stand even where the gradient ratio is
        /// withdrawn (NG0002 reads them).</summary>
        public static GradientFlowPrediction? PredictUnchecked(ParsedNetwork network) =>
            network.Model is { } model && Steps(network) is { } steps
                ? SignalPropagation.Predict(model.InputShape.Elements, steps).WithResidual(steps.Any(s => s is ResidualStep))
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

            // A Linear acts on the last dimension; only flat inputs are predicted.
            return c.InShape.Rank != 1 ? null : new DenseStep(
                c.InFeatures,
                c.Layer.Model.OutputShape.Last,
                c.Arguments.Bool("Bias", true) ? initialization : initialization.WithoutBias(),
                c.Source);
        }

        /// <summary>
        /// A convolution is a Linear layer applied at every output position: fan-in = in-channels × kernel elements
        /// (PyTorch's, for the initialisation), but an output at the border sums fewer inputs where the kernel overlaps zero
        /// padding, and an input unit feeds out-channels × kernel elements × outputs/inputs output units on average
        /// (fewer with a stride). Each weight's gradient sums over the output positions.
        /// </summary>
        private static SignalStep? Convolution(LayerTermContext c)
        {
            var initialization = DeclaredOrDefault(c);
            var input = c.InShape;
            var output = c.Layer.Model.OutputShape;
            var kernel = c.Arguments.Long("kernelSize");
            var groups = c.Arguments.Long("Groups") ?? 1;
            var dilation = c.Arguments.Long("Dilation") ?? 1;
            if (initialization is null || kernel is not { } k || input.Rank != output.Rank || input.Rank < 2 || !Countable(c) || groups < 1 || dilation < 1)
            {
                return null;
            }

            var stride = c.Arguments.Long("stride") ?? 1;
            var padding = c.Arguments.Long("padding") ?? 0;
            var spatial = input.Rank - 1;
            double inBound = 1, outPositions = 1, inPositions = 1;
            for (var d = 1; d <= spatial; d++)
            {
                inBound *= InBoundShare(input.Dims[d], output.Dims[d], k, stride, padding, dilation);
                outPositions *= output.Dims[d];
                inPositions *= input.Dims[d];
            }

            // A group sees in-channels/groups inputs and feeds out-channels/groups outputs; PyTorch's fan-out for the
            // initialisation is the weight's first dimension, out-channels, times the kernel.
            var groupIn = input.Dims[0] / groups;
            var outChannels = output.Dims[0];
            var kernelElements = (long)Math.Pow(k, spatial);
            return new DenseStep(
                input.Elements,
                output.Elements,
                fanIn: groupIn * kernelElements,
                fanOut: outChannels * kernelElements,
                weightCount: (double)outChannels * groupIn * kernelElements,
                forwardFanIn: groupIn * kernelElements * inBound,
                backwardFanOut: (double)outChannels / groups * kernelElements * inBound * outPositions / inPositions,
                positions: outPositions * inBound,
                c.Arguments.Bool("Bias", true) ? initialization : initialization.WithoutBias(),
                c.Source);
        }

        /// <summary>
        /// The window terms below count output positions one by one along each dimension, which is exact and cheap for
        /// any real feature map; past this length (a declaration no tensor could hold) NetGen declines rather than let
        /// the analyzer or the generator's summary loop for minutes.
        /// </summary>
        private const long MaxPositionsPerDimension = 1 << 16;

        /// <summary>Pooling as the window terms measure it: floor mode, and average pooling's divisor the whole kernel.</summary>
        private static bool DefaultWindows(LayerTermContext c) =>
            !c.Arguments.Bool("CeilMode", false) && c.Arguments.Bool("CountIncludePad", true);

        private static bool Countable(LayerTermContext c)
        {
            foreach (var dims in new[] { c.InShape.Dims, c.Layer.Model.OutputShape.Dims })
            {
                for (var d = 1; d < dims.Count; d++)
                {
                    if (dims[d] > MaxPositionsPerDimension)
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>The share of a kernel's taps that fall inside the input, averaged over the output positions (one dimension);
        /// a dilated kernel's taps are <paramref name="dilation"/> apart.</summary>
        private static double InBoundShare(long inLength, long outLength, long kernel, long stride, long padding, long dilation)
        {
            long inside = 0;
            for (long o = 0; o < outLength; o++)
            {
                var start = (o * stride) - padding;
                var first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
                var last = start > inLength - 1 ? -1 : Math.Min(kernel - 1, (inLength - 1 - start) / dilation);
                inside += Math.Max(0, last - first + 1);
            }

            return (double)inside / (outLength * kernel);
        }

        /// <summary>Taps of the window at output <paramref name="o"/> that fall inside an input of <paramref name="inLength"/>.</summary>
        private static long InBound(long inLength, long o, long kernel, long stride, long padding)
        {
            var start = (o * stride) - padding;
            return Math.Max(0, Math.Min(start + kernel, inLength) - Math.Max(start, 0));
        }

        /// <summary>
        /// MaxPool2d/AvgPool2d (PyTorch's defaults: stride = kernel size, zero padding that average pooling counts in
        /// its divisor). Per dimension the windows' in-bound sizes are exact; the two dimensions' windows combine independently.
        /// </summary>
        private static SignalStep Pooling(LayerTermContext c, bool max)
        {
            var input = c.InShape;
            var output = c.Layer.Model.OutputShape;
            var k = c.Arguments.Long("kernelSize") ?? 1;
            var strideArgument = c.Arguments.Long("stride") ?? 0;
            var stride = strideArgument == 0 ? k : strideArgument;
            var padding = c.Arguments.Long("padding") ?? 0;
            double window = 1, squareWindow = 1, outPositions = 1, inPositions = 1;
            for (var d = 1; d < input.Rank; d++)
            {
                double sum = 0, squares = 0;
                for (long o = 0; o < output.Dims[d]; o++)
                {
                    var inside = InBound(input.Dims[d], o, k, stride, padding);
                    sum += inside;
                    squares += (double)inside * inside;
                }

                window *= sum / output.Dims[d];
                squareWindow *= squares / output.Dims[d];
                outPositions *= output.Dims[d];
                inPositions *= input.Dims[d];
            }

            var divisor = Math.Pow(k, input.Rank - 1);
            return max
                ? new PoolStep(true, window, 1, 1, outPositions / inPositions, output.Elements, c.Source)
                : new PoolStep(false, window, window / (divisor * divisor), window / divisor, window * outPositions / (divisor * divisor * inPositions), output.Elements, c.Source);
        }

        /// <summary>AdaptiveAvgPool2d: PyTorch's windows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) per dimension, each divided by its own size.</summary>
        private static SignalStep AdaptivePooling(LayerTermContext c)
        {
            var input = c.InShape;
            var output = c.Layer.Model.OutputShape;
            double window = 1, inverse = 1, outPositions = 1, inPositions = 1;
            for (var d = 1; d < input.Rank; d++)
            {
                double sum = 0, inverses = 0;
                long inLength = input.Dims[d], outLength = output.Dims[d];
                for (long o = 0; o < outLength; o++)
                {
                    var size = (((o + 1) * inLength) + outLength - 1) / outLength - (o * inLength / outLength);
                    sum += size;
                    inverses += 1.0 / size;
                }

                window *= sum / outLength;
                inverse *= inverses / outLength;
                outPositions *= outLength;
                inPositions *= inLength;
            }

            // Var of a window's mean: σ²/size, on average σ²·E[1/size]; backward Σ_w size·(1/size)² = Σ_w 1/size per input.
            return new PoolStep(false, window, inverse, 1, inverse * outPositions / inPositions, output.Elements, c.Source);
        }

        /// <summary>
        /// A lookup of N(0, 1) rows (PyTorch's initialisation; the padding row is zero) by token ids drawn uniformly from the
        /// vocabulary: each unit's second moment is the share of non-padding rows, of which 1/vocabulary is the unit's offset
        /// (the mean of its column, shared by all samples). Its own gradient reaches only the rows looked up and is not part
        /// of the first-to-last ratio, which compares affine layers.
        /// </summary>
        private static SignalStep Embedding(LayerTermContext c)
        {
            var vocabulary = (double)(c.Arguments.Long("numEmbeddings") ?? 1);
            var rows = (c.Arguments.Long("PaddingIdx") ?? -1) >= 0 ? vocabulary - 1 : vocabulary;
            var secondMoment = rows / vocabulary;
            return new SequenceStep(0, 0, secondMoment / vocabulary, secondMoment * (1 - (1 / vocabulary)), c.Layer.Model.OutputShape.Elements, c.Source);
        }

        private static Initialization? DeclaredOrDefault(LayerTermContext c) =>
            c.Layer.Init is { } declared
                ? Initialization.Declared(declared.Scheme, declared.Gain, declared.NegativeSlope, declared.FanOut, declared.ZeroBias)
                : Initialization.PyTorchDefault;

        private static IEnumerable<SignalStep> Activation(ActivationTerm term, LayerTermContext c) => One(new ActivationStep(term, c.Source));

        private static IEnumerable<SignalStep> One(SignalStep step) => new[] { step };
    }

    /// <summary>What a layer term sees: the resolved layer, its index, the feature count flowing into it, and
    /// the index of the declaring class's layer its steps report (the block's, for layers inside a block).</summary>
    internal sealed class LayerTermContext
    {
        public LayerTermContext(ParsedLayer layer, int index, int source, Shape inShape, bool isLast)
        {
            Layer = layer;
            Index = index;
            Source = source;
            InShape = inShape;
            IsLast = isLast;
        }

        /// <summary>The shape of one input sample.</summary>
        public Shape InShape { get; }

        public ParsedLayer Layer { get; }

        public int Index { get; }

        public int Source { get; }

        public long InFeatures => InShape.Last;

        /// <summary>The declaring class's last layer (never a layer inside a block).</summary>
        public bool IsLast { get; }

        /// <summary>An affine layer (or residual connection) comes before this one, or it sits in a block.</summary>
        public bool AfterAffine { get; init; }

        public LayerArguments Arguments => LayerArguments.From(Layer.Attribute);
    }
}
