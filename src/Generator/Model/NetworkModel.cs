using System;

namespace NetGen.Generator.Model
{
    /// <summary>
    /// Everything the emitter needs to write one network, resolved to strings and numbers inside
    /// the pipeline's transform. It holds no symbols, syntax or locations, so it compares by value
    /// and an edit elsewhere leaves it cached.
    /// </summary>
    internal sealed record NetworkModel(
        string? Namespace,
        string ClassName,
        string HintName,
        Shape InputShape,
        EquatableArray<LayerModel> Layers,
        ClipModel? Clip,
        LossModel? Loss,
        double? ClipValue,
        MonitorModel? Monitor,
        long TotalParameters,
        long TrainableParameters)
    {
        /// <summary>
        /// The size of the token table when the input is token ids (the first layer is an Embedding, or a block or the
        /// first branch starting with one); null for float inputs. Every target types its input from this.
        /// </summary>
        public long? TokenVocabulary =>
            Layers.Count == 0 ? null
            : Layers[0] is { Kind: "Embedding" } embedding ? embedding.Long("numEmbeddings")
            : Layers[0].Block is { } block ? block.TokenVocabulary
            : Layers[0].Branches.Count > 0 ? Layers[0].Branches[0].Network.TokenVocabulary
            : null;

        /// <summary>
        /// The user wrote <c>forward</c> (<c>Parsing.UserForward</c>): the emitter writes every member but it, and the
        /// layers' shapes were checked one by one in declaration order, not along the data flow, which NetGen cannot see.
        /// </summary>
        public bool UserForward { get; init; }
    }

    /// <summary>
    /// One declared layer after shape inference, in two parts. The target-neutral part says what the layer is:
    /// its catalogue <see cref="Kind"/>, its <see cref="Settings"/> with every default resolved, its input and
    /// output shapes, the tensors it owns under their state-dict names, the declared initialisation and, for
    /// blocks, the block's own model. Every emitter (TorchSharp, ONNX, the PyTorch twin) reads that part.
    /// The TorchSharp part (<see cref="ModuleType"/>, <see cref="Construction"/>, <see cref="ForwardTemplate"/>
    /// with <c>{x}</c> for the input, <see cref="InitCall"/>) is the catalogue's spelling for the generated module.
    /// <see cref="FieldName"/> is set for layers that own a module (parameters or buffers); parameter-free layers
    /// are applied functionally in <c>forward</c>.
    /// </summary>
    internal sealed record LayerModel(
        string Kind,
        string DisplayName,
        string? FieldName,
        string? ModuleType,
        string? Construction,
        string ForwardTemplate,
        string Description,
        Shape OutputShape,
        long Parameters,
        long TrainableParameters,
        string MonitorKind,
        string? InitCall)
    {
        /// <summary>
        /// The predicted weight-gradient norm at initialisation relative to the last affine layer's (GradientFlow), for
        /// affine, convolutional and recurrent layers and blocks holding them; for a recurrent layer, the gradient reaching
        /// its first time step relative to its last. NaN where NetGen declines to predict; null for other layers.
        /// </summary>
        public double? GradientScale { get; init; }

        /// <summary>The shape of one sample entering the layer.</summary>
        public Shape InputShape { get; init; }

        /// <summary>The layer's arguments with defaults resolved, by the attribute's argument names
        /// (<c>inFeatures</c>, <c>kernelSize</c>, <c>Bias</c>); values as invariant-culture text.</summary>
        public EquatableArray<LayerSetting> Settings { get; init; } = EquatableArray<LayerSetting>.Empty;

        /// <summary>The parameters and buffers the layer owns, named as in its <c>state_dict()</c>
        /// (<c>weight</c>, <c>running_mean</c>, <c>weight_ih_l0</c>), without the layer's prefix.</summary>
        public EquatableArray<TensorModel> Tensors { get; init; } = EquatableArray<TensorModel>.Empty;

        /// <summary>The declared Xavier/Kaiming initialisation, target-neutral; null for the engine's default.</summary>
        public InitModel? Init { get; init; }

        /// <summary>For <c>[Block]</c> and <c>[Residual]</c>: the network used as the block.</summary>
        public NetworkModel? Block { get; init; }

        /// <summary>
        /// The TorchSharp expression that applies the layer by overwriting its input (<c>{x}.relu_()</c>), for when that
        /// input is an intermediate nothing else reads; null when the layer has no in-place form.
        /// </summary>
        public string? InPlaceForwardTemplate { get; init; }

        /// <summary>
        /// Whether a max-pooling right after this activation may run first, with the activation on the pooled tensor. The
        /// activation does not decrease, so each window's maximum passes through it and keeps its place. The two orders
        /// can differ only where the activation maps two inputs of a window to one value: ReLU and ReLU6 do so only where
        /// their gradient is zero (at most 0, at least 6), so every gradient is the same bit for bit; LeakyReLU only where
        /// rounding gives a negative input's product with the slope the value of another input of its window, and then
        /// the gradient, the same number, reaches the larger input instead of the first (docs/performance.md).
        /// </summary>
        public bool CommutesWithMaxPooling { get; init; }

        /// <summary>The fully qualified name of the block's class (<c>My.App.ResidualBlock</c>), for blocks.</summary>
        public string? BlockType { get; init; }

        /// <summary>For <c>[Residual(..., Shortcut = typeof(...))]</c>: the projection shortcut; null for the identity.</summary>
        public ShortcutModel? Shortcut { get; init; }

        /// <summary>For <c>[Branches]</c>: the branches, registered as the layer's children <c>0</c>, <c>1</c>, ...</summary>
        public EquatableArray<BranchModel> Branches { get; init; } = EquatableArray<BranchModel>.Empty;

        public bool Has(string setting) => Find(setting) is not null;

        public string Text(string setting) => Find(setting) ?? throw new System.InvalidOperationException($"{Kind} {DisplayName} has no setting '{setting}'");

        public long Long(string setting) => long.Parse(Text(setting), System.Globalization.CultureInfo.InvariantCulture);

        public double Double(string setting) => double.Parse(Text(setting), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

        public bool Bool(string setting) => Text(setting) == "true";

        private string? Find(string setting)
        {
            foreach (var s in Settings)
            {
                if (s.Name == setting)
                {
                    return s.Value;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// A residual connection's projection shortcut: the network computing it, the parent's field that holds it, and the
    /// name it is registered under inside the block (<c>downsample</c>), so its state-dict keys are
    /// <c>{layer}.{ChildName}.*</c> as in torchvision's ResNet.
    /// </summary>
    internal sealed record ShortcutModel(string FieldName, string ChildName, string Type, NetworkModel Network);

    /// <summary>One of a <c>[Branches]</c> layer's branches: its child name (<c>0</c>), class and network.</summary>
    internal sealed record BranchModel(string ChildName, string Type, NetworkModel Network);

    /// <summary>One resolved layer argument: <c>outFeatures</c> = <c>300</c>, <c>Bias</c> = <c>true</c>, <c>p</c> = <c>0.5</c>.</summary>
    internal sealed record LayerSetting(string Name, string Value);

    /// <summary>A parameter or buffer a layer owns: its state-dict name within the layer, its shape, and whether it is trained.</summary>
    internal sealed record TensorModel(string Name, Shape Shape, bool IsParameter);

    /// <summary>
    /// Declared initialisation of a Linear or convolution weight: the <c>NetGen.Init</c> scheme, the gain's
    /// <c>NetGen.Training.Nonlinearity</c> with its slope, fan mode and whether the bias is zeroed.
    /// </summary>
    internal sealed record InitModel(string Scheme, string Gain, double? NegativeSlope, bool FanOut, bool ZeroBias);

    /// <summary>What a loss function expects the network's output to be.</summary>
    internal enum LossInput
    {
        Logits,
        LogProbabilities,
        Probabilities,
        Values,
    }

    /// <summary>The loss declared with <c>[Loss]</c>: the <c>LossFunction</c> member and the TorchSharp function computing it.</summary>
    internal sealed record LossModel(string Name, string Function, LossInput Expects);

    /// <summary>
    /// <c>[GradientMonitor]</c>: the options the attribute sets, as property names and C# literals
    /// (<c>SampleEvery</c>, <c>20</c>); options left out keep the runtime's defaults.
    /// </summary>
    internal sealed record MonitorModel(EquatableArray<MonitorSetting> Settings);

    /// <summary>One <c>GradientMonitorOptions</c> property set from the attribute.</summary>
    internal sealed record MonitorSetting(string Property, string Literal);

    /// <summary>Gradient clipping declared with <c>[ClipGradNorm]</c>.</summary>
    internal sealed record ClipModel(double MaxNorm, double NormType);
}
