using System;
using NetGen.Generator.Model;

namespace NetGen.Generator.Catalog
{
    /// <summary>What kind of thing a layer is; shape rules and the analyzers reason about these roles.</summary>
    internal enum LayerRole
    {
        /// <summary><c>[Input]</c>: declares the shape entering the network; not a layer in <c>forward</c>.</summary>
        Input,
        Affine,
        Convolution,
        Pooling,
        Normalization,
        Activation,
        Regularization,
        Reshape,
        Recurrent,

        /// <summary>Token and positional embeddings: learned lookup tables.</summary>
        Embedding,

        /// <summary>Self-attention and transformer layers over [steps, features].</summary>
        Attention,
        Block,
        Residual,
    }

    /// <summary>
    /// One row of the layer catalogue: the attribute's name, the name prefix PyTorch would use, its role,
    /// how it saturates, and how to check it, infer its shape and spell it in TorchSharp.
    /// </summary>
    internal sealed class LayerDefinition
    {
        public LayerDefinition(
            string attributeName,
            LayerRole role,
            string namePrefix,
            bool ownsModule,
            Func<LayerContext, LayerSpec?> infer,
            double? maxDerivative = null,
            string? repeatArgument = null,
            string? initGain = null)
        {
            AttributeName = attributeName;
            Role = role;
            NamePrefix = namePrefix;
            OwnsModule = ownsModule;
            Infer = infer;
            MaxDerivative = maxDerivative;
            RepeatArgument = repeatArgument;
            InitGain = initGain;
        }

        /// <summary>The name users write: <c>Linear</c> for <c>NetGen.LinearAttribute</c>.</summary>
        public string AttributeName { get; }

        public string MetadataName => "NetGen." + AttributeName + "Attribute";

        public LayerRole Role { get; }

        /// <summary>Default names are this prefix plus a 1-based count per prefix: <c>fc1</c>, <c>bn2</c>.</summary>
        public string NamePrefix { get; }

        /// <summary>Whether the layer is a registered child module (it has parameters, buffers or children);
        /// otherwise it is applied as a function in <c>forward</c>.</summary>
        public bool OwnsModule { get; }

        /// <summary>Checks the arguments against the incoming shape and resolves the layer, or returns
        /// null after reporting why it cannot.</summary>
        public Func<LayerContext, LayerSpec?> Infer { get; }

        /// <summary>Largest value of the activation's derivative, for saturating activations
        /// (0.25 for Sigmoid, 1 for Tanh); null for everything else.</summary>
        public double? MaxDerivative { get; }

        /// <summary>
        /// For activations: the <c>NetGen.Training.Nonlinearity</c> whose gain Xavier/Kaiming initialisation of the layer
        /// before it uses (<c>ReLU</c>, <c>Tanh</c>, ...), as <c>calculate_gain</c>; null for gain 1.
        /// </summary>
        public string? InitGain { get; }

        /// <summary>Whether Xavier/Kaiming initialisation applies to this layer's weight.</summary>
        public bool IsInitialisable => Role is LayerRole.Affine or LayerRole.Convolution;

        /// <summary>Whether initialisation looks through this layer for the activation that follows.</summary>
        public bool IsTransparentToInit => Role is LayerRole.Normalization or LayerRole.Regularization or LayerRole.Pooling or LayerRole.Reshape;

        /// <summary>
        /// Whether the layer keeps the shape it receives and acts element- or feature-wise (activations, normalisation,
        /// dropout), so what a later layer receives is still what the layer before it produced: NG0115 looks through it.
        /// </summary>
        public bool PreservesShape => Role is LayerRole.Activation or LayerRole.Normalization or LayerRole.Regularization;

        /// <summary>The <c>NetGen.Monitoring.LayerKind</c> the gradient monitor files this layer under.</summary>
        public string MonitorKind => Role switch
        {
            LayerRole.Affine or LayerRole.Convolution or LayerRole.Recurrent or LayerRole.Embedding or LayerRole.Attention => "Affine",
            LayerRole.Normalization => "Normalization",
            LayerRole.Activation when AttributeName is "ReLU" or "ReLU6" => "ReLU",
            LayerRole.Activation => "Activation",
            _ => "Other",
        };

        /// <summary>The named argument that stacks the layer several times (<c>Residual(..., Repeat = 3)</c>), if any.</summary>
        public string? RepeatArgument { get; }
    }

    /// <summary>A layer resolved against its input shape: everything the emitter and summary need.</summary>
    internal sealed record LayerSpec(
        Shape OutputShape,
        string Description,
        string? ModuleType,
        string? Construction,
        string ForwardTemplate,
        long Parameters,
        long TrainableParameters)
    {
        /// <summary>The input shape this layer fixes when it comes first (<c>Linear(784, 300)</c> fixes [784]).</summary>
        public Shape? FixesInput { get; init; }

        /// <summary>
        /// The expression that applies the layer by overwriting its input (<c>{x}.relu_()</c>), for when that input is an
        /// intermediate nothing else reads; null when the layer has no in-place form.
        /// </summary>
        public string? InPlaceForwardTemplate { get; init; }

        /// <summary>
        /// Whether a max-pooling right after this activation may run first (<see cref="LayerModel.CommutesWithMaxPooling"/>).
        /// </summary>
        public bool CommutesWithMaxPooling { get; init; }

        /// <summary>The arguments with defaults resolved, for every target (<see cref="LayerModel.Settings"/>).</summary>
        public EquatableArray<LayerSetting> Settings { get; init; } = EquatableArray<LayerSetting>.Empty;

        /// <summary>The parameters and buffers the layer owns (<see cref="LayerModel.Tensors"/>).</summary>
        public EquatableArray<TensorModel> Tensors { get; init; } = EquatableArray<TensorModel>.Empty;

        /// <summary>For blocks: the block network's model (<see cref="LayerModel.Block"/>).</summary>
        public NetworkModel? Block { get; init; }

        /// <summary>For blocks: the block class's fully qualified name (<see cref="LayerModel.BlockType"/>).</summary>
        public string? BlockType { get; init; }

        /// <summary>For residual connections with a projection shortcut (<see cref="LayerModel.Shortcut"/>).</summary>
        public ShortcutModel? Shortcut { get; init; }

        /// <summary>For <c>[Branches]</c> (<see cref="LayerModel.Branches"/>).</summary>
        public EquatableArray<BranchModel> Branches { get; init; } = EquatableArray<BranchModel>.Empty;
    }
}
