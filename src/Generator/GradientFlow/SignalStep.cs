using System;
using System.Collections.Generic;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// One step of a network as signal propagation sees it. Every declared layer maps to one step
    /// (see <see cref="LayerTerms"/>); <see cref="Source"/> is the index of that declared layer, for messages.
    /// </summary>
    internal abstract class SignalStep
    {
        protected SignalStep(int source) => Source = source;

        /// <summary>Index of the declared layer this step stands for, or −1.</summary>
        public int Source { get; }
    }

    /// <summary>
    /// An affine layer with randomly initialised weights and bias: a fully connected layer y = W·x + b, or a convolution,
    /// which is one with the same kernel at every output position. Feature counts are per sample, all positions
    /// flattened (channels × height × width for a Conv2d).
    /// </summary>
    internal sealed class DenseStep : SignalStep
    {
        /// <summary>A fully connected layer.</summary>
        public DenseStep(long inFeatures, long outFeatures, Initialization initialization, int source = -1)
            : this(inFeatures, outFeatures, inFeatures, outFeatures, (double)inFeatures * outFeatures, inFeatures, outFeatures, 1, initialization, source)
        {
        }

        /// <param name="inFeatures">Input units per sample (all channels and positions).</param>
        /// <param name="outFeatures">Output units per sample.</param>
        /// <param name="fanIn">PyTorch's fan-in of the weight (in-channels × kernel elements), for the initialisation.</param>
        /// <param name="fanOut">PyTorch's fan-out (out-channels × kernel elements), for the initialisation.</param>
        /// <param name="weightCount">Number of weights (out-channels × in-channels × kernel elements).</param>
        /// <param name="forwardFanIn">Inputs an output unit sums on average (fewer than the fan-in where the kernel
        /// overlaps zero padding).</param>
        /// <param name="backwardFanOut">Output units an input unit feeds on average, counting each kernel tap once.</param>
        /// <param name="positions">Output positions per sample that use each weight (1 for a fully connected layer), times
        /// the share of their taps inside the input.</param>
        public DenseStep(long inFeatures, long outFeatures, long fanIn, long fanOut, double weightCount, double forwardFanIn, double backwardFanOut, double positions, Initialization initialization, int source = -1)
            : base(source)
        {
            InFeatures = inFeatures;
            OutFeatures = outFeatures;
            WeightCount = weightCount;
            ForwardFanIn = forwardFanIn;
            BackwardFanOut = backwardFanOut;
            Positions = positions;
            WeightVariance = initialization.WeightVariance(fanIn, fanOut);
            BiasVariance = initialization.BiasVariance(fanIn, fanOut);
        }

        public long InFeatures { get; }

        public long OutFeatures { get; }

        /// <summary>Number of weights.</summary>
        public double WeightCount { get; }

        public double ForwardFanIn { get; }

        public double BackwardFanOut { get; }

        public double Positions { get; }

        public double WeightVariance { get; }

        public double BiasVariance { get; }
    }

    /// <summary>Max or average pooling over windows of positions, within each channel.</summary>
    internal sealed class PoolStep : SignalStep
    {
        /// <param name="max">Max pooling (else average).</param>
        /// <param name="window">Inputs per window on average (in-bound ones for max pooling).</param>
        /// <param name="varianceFactor">Average pooling: the factor on a window's per-sample variance, the mean of
        /// (in-bound inputs)/divisor² over windows; max pooling: unused.</param>
        /// <param name="meanFactor">Average pooling: the factor on the mean, in-bound inputs/divisor on average.</param>
        /// <param name="backwardFactor">The gradient's second moment per input unit over the one per output unit: output
        /// units/input units for max pooling, Σ over windows of in-bound/divisor² per input unit for average pooling.</param>
        /// <param name="outFeatures">Output units per sample (channels × output positions).</param>
        public PoolStep(bool max, double window, double varianceFactor, double meanFactor, double backwardFactor, long outFeatures, int source = -1)
            : base(source)
        {
            OutFeatures = outFeatures;
            Max = max;
            Window = window;
            VarianceFactor = varianceFactor;
            MeanFactor = meanFactor;
            BackwardFactor = backwardFactor;
        }

        public bool Max { get; }

        public long OutFeatures { get; }

        public double Window { get; }

        public double VarianceFactor { get; }

        public double MeanFactor { get; }

        public double BackwardFactor { get; }
    }

    /// <summary>An element-wise activation.</summary>
    internal sealed class ActivationStep : SignalStep
    {
        public ActivationStep(ActivationTerm activation, int source = -1)
            : base(source) => Activation = activation;

        public ActivationTerm Activation { get; }
    }

    /// <summary>Batch normalisation in training mode at initialisation (γ = 1, β = 0).</summary>
    internal sealed class BatchNormStep : SignalStep
    {
        public BatchNormStep(double epsilon = 1e-5, int source = -1)
            : base(source) => Epsilon = epsilon;

        public double Epsilon { get; }
    }

    /// <summary>Layer normalisation over the features at initialisation (γ = 1, β = 0).</summary>
    internal sealed class LayerNormStep : SignalStep
    {
        public LayerNormStep(double epsilon = 1e-5, int source = -1)
            : base(source) => Epsilon = epsilon;

        public double Epsilon { get; }
    }

    /// <summary>Inverted dropout in training mode: each unit of each sample is zeroed with probability p, the kept
    /// ones are scaled by 1/(1 − p).</summary>
    internal sealed class DropoutStep : SignalStep
    {
        public DropoutStep(double p, int source = -1)
            : base(source)
        {
            if (!(p >= 0 && p < 1))
            {
                throw new System.ArgumentOutOfRangeException(nameof(p), p, "A dropout probability must be at least 0 and below 1.");
            }

            P = p;
        }

        public double P { get; }
    }

    /// <summary>
    /// A layer over token sequences before the first affine layer (Embedding, PositionalEmbedding, MeanPool), which resets
    /// the signal to a Gaussian: each unit's offset variance (its part shared by all samples), per-sample variance and the
    /// mean common to all units are scaled, then added to. Its backward is not modelled: nothing before it has weights the
    /// ratio compares (LayerTerms declines such a layer after an affine one).
    /// </summary>
    internal sealed class SequenceStep : SignalStep
    {
        public SequenceStep(double keep, double mean, double addedOffset, double addedSample, long outFeatures, int source)
            : base(source) => (Keep, MeanScale, AddedOffset, AddedSample, OutFeatures) = (keep, mean, addedOffset, addedSample, outFeatures);

        /// <summary>The factor on the incoming offset and per-sample variances.</summary>
        public double Keep { get; }

        /// <summary>The factor on the incoming common mean.</summary>
        public double MeanScale { get; }

        public double AddedOffset { get; }

        public double AddedSample { get; }

        public long OutFeatures { get; }
    }

    /// <summary>
    /// A residual connection y = x + branch(x), the branch keeping the feature count; or, with a projection shortcut
    /// (ResNet's downsample), y = shortcut(x) + branch(x), both ending with the same feature count.
    /// </summary>
    internal sealed class ResidualStep : SignalStep
    {
        public ResidualStep(IReadOnlyList<SignalStep> branch, int source = -1, IReadOnlyList<SignalStep>? shortcut = null)
            : base(source) => (Branch, Shortcut) = (branch, shortcut);

        public IReadOnlyList<SignalStep> Branch { get; }

        /// <summary>The projection shortcut's steps; null for the identity.</summary>
        public IReadOnlyList<SignalStep>? Shortcut { get; }
    }
}
