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

    /// <summary>A fully connected layer y = W·x + b with randomly initialised W and b.</summary>
    internal sealed class DenseStep : SignalStep
    {
        public DenseStep(long inFeatures, long outFeatures, Initialization initialization, int source = -1)
            : base(source)
        {
            InFeatures = inFeatures;
            OutFeatures = outFeatures;
            WeightVariance = initialization.WeightVariance(inFeatures, outFeatures);
            BiasVariance = initialization.BiasVariance(inFeatures, outFeatures);
        }

        public long InFeatures { get; }

        public long OutFeatures { get; }

        public double WeightVariance { get; }

        public double BiasVariance { get; }
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

    /// <summary>A residual connection y = x + branch(x); the branch must keep the feature count.</summary>
    internal sealed class ResidualStep : SignalStep
    {
        public ResidualStep(IReadOnlyList<SignalStep> branch, int source = -1)
            : base(source) => Branch = branch;

        public IReadOnlyList<SignalStep> Branch { get; }
    }
}
