using System;

namespace NetGen
{
    /// <summary>
    /// A weight initialisation scheme for one layer, chosen with the layer attribute's <c>Init</c> named argument
    /// (for example <c>[Linear(64, 64, Init = Init.KaimingNormal)]</c>). The gain comes from the activation that follows
    /// the layer, as PyTorch's <c>torch.nn.init.calculate_gain</c> computes it.
    /// </summary>
    public enum Init
    {
        /// <summary>Not chosen on this layer: a class-level <see cref="XavierInitAttribute"/> or <see cref="KaimingInitAttribute"/>
        /// applies, and without one the layer keeps PyTorch's default initialisation.</summary>
        None = 0,

        /// <summary>PyTorch's default initialisation for this layer, even when the class declares a scheme.</summary>
        Default,

        /// <summary>Glorot and Bengio (2010), uniform: U(-b, b) with b = gain·sqrt(6 / (fan_in + fan_out)).</summary>
        XavierUniform,

        /// <summary>Glorot and Bengio (2010), normal: N(0, σ²) with σ = gain·sqrt(2 / (fan_in + fan_out)).</summary>
        XavierNormal,

        /// <summary>He et al. (2015), uniform: U(-b, b) with b = gain·sqrt(3 / fan_in).</summary>
        KaimingUniform,

        /// <summary>He et al. (2015), normal: N(0, σ²) with σ = gain / sqrt(fan_in).</summary>
        KaimingNormal,
    }

    /// <summary>Which distribution an initialisation draws from.</summary>
    public enum InitDistribution
    {
        /// <summary>A uniform distribution U(-b, b).</summary>
        Uniform,

        /// <summary>A normal distribution N(0, σ²).</summary>
        Normal,
    }

    /// <summary>Which fan Kaiming initialisation preserves, as PyTorch's <c>mode</c> argument.</summary>
    public enum FanMode
    {
        /// <summary>Preserve the variance of activations in the forward pass (PyTorch's default, <c>mode='fan_in'</c>).</summary>
        FanIn,

        /// <summary>Preserve the variance of gradients in the backward pass (<c>mode='fan_out'</c>).</summary>
        FanOut,
    }

    /// <summary>
    /// Xavier (Glorot) initialisation for every weight layer of the class (<c>Linear</c>, convolutions): weights drawn so
    /// that activations and gradients keep their variance through layers with a symmetric activation, scaled by the gain of
    /// the activation that follows each layer (5/3 for Tanh, 1 for Sigmoid or none, √2 for ReLU, as
    /// <c>calculate_gain</c>). A layer's own <c>Init</c> argument overrides it. Without any init attribute, layers keep
    /// PyTorch's default initialisation.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class XavierInitAttribute : Attribute
    {
        /// <summary>Declares Xavier initialisation from a uniform distribution.</summary>
        public XavierInitAttribute()
            : this(InitDistribution.Uniform)
        {
        }

        /// <summary>Declares Xavier initialisation from the given distribution.</summary>
        /// <param name="distribution">Uniform (<c>xavier_uniform_</c>) or normal (<c>xavier_normal_</c>).</param>
        public XavierInitAttribute(InitDistribution distribution)
        {
            Distribution = distribution;
        }

        /// <summary>Uniform (<c>xavier_uniform_</c>) or normal (<c>xavier_normal_</c>).</summary>
        public InitDistribution Distribution { get; }

        /// <summary>Whether biases are set to zero, as Glorot and Bengio did (default <c>true</c>); <c>false</c> keeps PyTorch's default bias.</summary>
        public bool ZeroBias { get; set; } = true;
    }

    /// <summary>
    /// Kaiming (He) initialisation for every weight layer of the class (<c>Linear</c>, convolutions): weights drawn with
    /// standard deviation gain / sqrt(fan), the gain taken from the activation that follows each layer as
    /// <c>calculate_gain</c> does (√2 for ReLU, √(2 / (1 + slope²)) for LeakyReLU, 3/4 for SELU, 1 for none). It keeps
    /// the signal's variance through deep ReLU stacks. A layer's own <c>Init</c> argument overrides it. Without any init
    /// attribute, layers keep PyTorch's default initialisation.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class KaimingInitAttribute : Attribute
    {
        /// <summary>Declares Kaiming initialisation from a uniform distribution.</summary>
        public KaimingInitAttribute()
            : this(InitDistribution.Uniform)
        {
        }

        /// <summary>Declares Kaiming initialisation from the given distribution.</summary>
        /// <param name="distribution">Uniform (<c>kaiming_uniform_</c>) or normal (<c>kaiming_normal_</c>).</param>
        public KaimingInitAttribute(InitDistribution distribution)
        {
            Distribution = distribution;
        }

        /// <summary>Uniform (<c>kaiming_uniform_</c>) or normal (<c>kaiming_normal_</c>).</summary>
        public InitDistribution Distribution { get; }

        /// <summary>Which fan to preserve (default <see cref="FanMode.FanIn"/>, PyTorch's default).</summary>
        public FanMode Mode { get; set; } = FanMode.FanIn;

        /// <summary>Whether biases are set to zero, as He et al. did (default <c>true</c>); <c>false</c> keeps PyTorch's default bias.</summary>
        public bool ZeroBias { get; set; } = true;
    }
}
