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
        long TrainableParameters);

    /// <summary>
    /// One declared layer after shape inference. <see cref="ForwardTemplate"/> is the expression that applies the
    /// layer, with <c>{x}</c> standing for its input. <see cref="FieldName"/> is set for layers that own a
    /// module (parameters or buffers); parameter-free layers are applied functionally in <c>forward</c>.
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
    }

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
