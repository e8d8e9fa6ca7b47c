using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// The result of reading one class: a model when the declaration is valid, every problem found, and
    /// for analyzers the layers that resolved with their catalogue entry, attribute and location.
    /// </summary>
    internal sealed class ParsedNetwork
    {
        public ParsedNetwork(NetworkModel? model, IReadOnlyList<Diagnostic> diagnostics, IReadOnlyList<ParsedLayer> layers, AttributeData? clipAttribute)
        {
            Model = model;
            Diagnostics = diagnostics;
            Layers = layers;
            ClipAttribute = clipAttribute;
        }

        public NetworkModel? Model { get; }

        public IReadOnlyList<Diagnostic> Diagnostics { get; }

        /// <summary>The layers that resolved, in declaration order (all of them when <see cref="Model"/> is set).</summary>
        public IReadOnlyList<ParsedLayer> Layers { get; }

        /// <summary>The <c>[ClipGradNorm]</c> attribute, when declared.</summary>
        public AttributeData? ClipAttribute { get; }

        /// <summary>The class's own <c>[XavierInit]</c>/<c>[KaimingInit]</c> attribute, when declared.</summary>
        public AttributeData? InitAttribute { get; init; }

        /// <summary>The <c>[Loss]</c> attribute, when declared.</summary>
        public AttributeData? LossAttribute { get; init; }

        /// <summary>The class-level options as read (clipping, loss, monitor, initialisation), valid or not.</summary>
        public NetworkOptions Options { get; init; } = new();

        /// <summary>The class declares its own <c>forward</c> (<see cref="Parsing.UserForward"/>), valid or not yet.</summary>
        public bool UserForward { get; init; }
    }

    /// <summary>One resolved layer with what analyzers need to report at it. Not for pipeline models: it holds symbols.</summary>
    internal sealed record ParsedLayer(LayerModel Model, LayerDefinition Definition, AttributeData Attribute, Location? Location)
    {
        /// <summary>The Xavier or Kaiming initialisation the generated constructor applies to this layer, if any.</summary>
        public LayerInit? Init { get; init; }

        /// <summary>For <c>[Block]</c> and <c>[Residual]</c>: the network used as the block, parsed.</summary>
        public ParsedNetwork? Block { get; init; }

        /// <summary>For <c>[Residual(..., Shortcut = typeof(...))]</c>: the projection shortcut's parsed network.</summary>
        public ParsedNetwork? Shortcut { get; init; }
    }

    /// <summary>
    /// A layer's initialisation as declared: the scheme (a member of <c>NetGen.Init</c>), the gain's nonlinearity
    /// (a member of <c>NetGen.Training.Nonlinearity</c>) with its slope, and whether it came from the layer's own
    /// <c>Init</c> or from the class's <c>[XavierInit]</c>/<c>[KaimingInit]</c>.
    /// </summary>
    internal sealed record LayerInit(string Scheme, string Gain, double? NegativeSlope, bool FanOut, bool ZeroBias, bool FromClass)
    {
        public bool IsXavier => Scheme.StartsWith("Xavier", System.StringComparison.Ordinal);

        public bool IsKaiming => Scheme.StartsWith("Kaiming", System.StringComparison.Ordinal);
    }
}
