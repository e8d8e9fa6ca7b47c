using System;
using TorchSharp;

namespace NetGen.Monitoring
{
    /// <summary>What a monitored layer is, which decides the health rules that look at it.</summary>
    public enum LayerKind
    {
        /// <summary>A weight layer (<c>Linear</c>, convolutions): its weight-gradient norms feed the first-to-last ratio and its mean |g| the DeepDiagnosis rule.</summary>
        Affine,

        /// <summary>A normalisation layer (<c>BatchNorm</c>, <c>LayerNorm</c>): its parameters are recorded and counted in the total norm, but it is not a "first" or "last" layer of the ratio.</summary>
        Normalization,

        /// <summary>A ReLU: the fraction of its outputs that are zero is measured on the forward side (dying ReLU).</summary>
        ReLU,

        /// <summary>Any other activation (Sigmoid, Tanh, ...): only the gradient flowing into its output is recorded.</summary>
        Activation,

        /// <summary>Anything else (dropout, pooling, flatten, ...): only the gradient flowing into its output is recorded.</summary>
        Other,
    }

    /// <summary>
    /// One row of the layer table a generated network hands to <see cref="GradientMonitor"/>: the layer's name (the
    /// generated field name, <c>fc1</c>, <c>relu1</c>, ...), its kind, and the module that owns its parameters
    /// (<c>null</c> for parameter-free layers applied functionally). Rows are in forward order, and the index of a row is
    /// the index the generated <c>forward</c> passes to <see cref="GradientMonitor.Probe(int, TorchSharp.torch.Tensor)"/>.
    /// </summary>
    public sealed class MonitoredLayer
    {
        /// <summary>Describes one layer.</summary>
        /// <param name="name">The layer's name, unique in the table.</param>
        /// <param name="kind">What the layer is.</param>
        /// <param name="module">The module holding the layer's parameters, or <c>null</c> when it has none.</param>
        public MonitoredLayer(string name, LayerKind kind, torch.nn.Module? module = null)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("A monitored layer needs a name.", nameof(name));
            }

            Name = name;
            Kind = kind;
            Module = module;
        }

        /// <summary>The layer's name.</summary>
        public string Name { get; }

        /// <summary>What the layer is.</summary>
        public LayerKind Kind { get; }

        /// <summary>The module holding the layer's parameters, or <c>null</c>.</summary>
        public torch.nn.Module? Module { get; }

        /// <inheritdoc/>
        public override string ToString() => $"{Name} ({Kind})";
    }
}
