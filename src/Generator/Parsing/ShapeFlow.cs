using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Stage 3 of parsing: resolves the declared layers one by one through their catalogue entries while the
    /// shape of one sample flows down the stack. After a failure the shape is unknown, and later layers that
    /// need it stay silent (the first error explains them) instead of cascading.
    /// </summary>
    internal sealed class ShapeFlow
    {
        private readonly List<Diagnostic> _diagnostics;
        private readonly Func<INamedTypeSymbol, NetworkResolution> _resolveBlock;
        private readonly LayerNaming _naming;
        private Shape? _shape;
        private string _previousName = "the input";

        // The nearest earlier layer that set the shape, looking through shape-preserving ones (NG0115).
        private LayerRole? _shapeSourceRole;
        private string _shapeSourceName = "the input";
        private bool _isFirst = true;

        public ShapeFlow(string className, Func<INamedTypeSymbol, NetworkResolution> resolveBlock, List<Diagnostic> diagnostics)
        {
            _naming = new LayerNaming(className);
            _resolveBlock = resolveBlock;
            _diagnostics = diagnostics;
        }

        /// <summary>The per-sample input shape, fixed by <c>[Input]</c> or by the first layer that states its input size.</summary>
        public Shape? InputShape { get; private set; }

        /// <summary>
        /// The class writes its own forward, so declaration order is not the data flow: a layer that states its own input
        /// (<c>Linear(24, 4)</c>, a block) takes that, and <c>[Input]</c> may restate the shape before any layer.
        /// </summary>
        public bool UserForward { get; init; }

        /// <summary>Some layer failed (or could not be read), so the network gets no model.</summary>
        public bool AfterError { get; private set; }

        public List<LayerModel> Layers { get; } = new();

        public List<ParsedLayer> Parsed { get; } = new();

        /// <summary>An attribute whose arguments could not be read: nothing after it knows its input shape.</summary>
        public void SkipUnreadable()
        {
            AfterError = true;
            _shape = null;
            _isFirst = false;
        }

        /// <summary>Resolves one layer attribute (several copies when it repeats).</summary>
        public void Add(LayerDefinition definition, AttributeData attribute, Location? location)
        {
            var arguments = LayerArguments.From(attribute);
            var repeat = definition.RepeatArgument is { } repeatArgument ? arguments.Long(repeatArgument) ?? 1 : 1;
            if (repeat < 1)
            {
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NonPositiveSize, location, definition.AttributeName, definition.RepeatArgument!, repeat));
                AfterError = true;
                _shape = null;
                return;
            }

            for (var copy = 0; copy < repeat; copy++)
            {
                var (name, valid) = _naming.Next(definition, arguments, copy, repeat, location, _diagnostics);
                AfterError |= !valid;
                var context = new LayerContext(arguments, _shape, name, _previousName, _shapeSourceRole, _shapeSourceName, _isFirst, AfterError, _resolveBlock, location, _diagnostics)
                {
                    UserForward = UserForward,
                };
                _isFirst = false;
                var stated = UserForward && _shape is not null && definition.Role != LayerRole.Input ? StatedInput(definition, arguments, name) : null;
                if ((stated ?? Resolve(definition, context, location)) is not { } spec)
                {
                    AfterError = true;
                    _shape = null;
                    _previousName = name;
                    return;
                }

                // The first layer that fixes a shape also fixes the network's input shape.
                var input = stated?.FixesInput ?? _shape ?? spec.FixesInput;
                InputShape ??= input;
                _shape = spec.OutputShape;
                if (!definition.PreservesShape)
                {
                    (_shapeSourceRole, _shapeSourceName) = (definition.Role, name);
                }

                if (definition.Role == LayerRole.Input)
                {
                    continue;
                }

                _previousName = name;
                var layer = new LayerModel(
                    definition.AttributeName,
                    name,
                    definition.OwnsModule ? name : null,
                    spec.ModuleType,
                    spec.Construction,
                    spec.ForwardTemplate,
                    spec.Description,
                    spec.OutputShape,
                    spec.Parameters,
                    spec.TrainableParameters,
                    definition.MonitorKind,
                    InitCall: null)
                {
                    InputShape = input ?? spec.OutputShape,
                    Settings = spec.Settings,
                    Tensors = spec.Tensors,
                    Block = spec.Block,
                    BlockType = spec.BlockType,
                    Shortcut = spec.Shortcut,
                    Branches = spec.Branches,
                    InPlaceForwardTemplate = spec.InPlaceForwardTemplate,
                    CommutesWithMaxPooling = spec.CommutesWithMaxPooling,
                };
                Layers.Add(layer);
                Parsed.Add(new ParsedLayer(layer, definition, attribute, location)
                {
                    Block = (arguments.Type("network") ?? arguments.Type("block")) is { } blockType ? _resolveBlock(blockType).Parsed as ParsedNetwork : null,
                    Shortcut = spec.Shortcut is not null && arguments.Type("Shortcut") is { } shortcutType ? _resolveBlock(shortcutType).Parsed as ParsedNetwork : null,
                });
            }
        }

        /// <summary>
        /// With the user's own forward: the layer resolved on its own, when its arguments state an input shape other than
        /// the one declaration order hands it; null to resolve it against that shape as usual.
        /// </summary>
        private LayerSpec? StatedInput(LayerDefinition definition, LayerArguments arguments, string name)
        {
            var quiet = new List<Diagnostic>();
            var alone = new LayerContext(arguments, null, name, _previousName, null, "the input", isFirst: false, afterError: false, _resolveBlock, null, quiet)
            {
                UserForward = true,
            };
            try
            {
                return definition.Infer(alone) is { FixesInput: { } own } spec && quiet.Count == 0 && !own.Equals(_shape) ? spec : null;
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        /// <summary>Runs the catalogue entry; a layer that fails must say why, unless an earlier failure explains it.</summary>
        private LayerSpec? Resolve(LayerDefinition definition, LayerContext context, Location? location)
        {
            var reported = _diagnostics.Count;
            LayerSpec? spec;
            try
            {
                spec = definition.Infer(context);
            }
            catch (OverflowException)
            {
                // The catalogue computes sizes and parameter counts with checked arithmetic.
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, definition.AttributeName,
                    "its output size or parameter count overflows a 64-bit integer; no tensor that large can be allocated"));
                return null;
            }

            if (spec is null)
            {
                // A silent failure would otherwise look like a valid network with the layer missing.
                if (_diagnostics.Count == reported && !context.AfterError)
                {
                    _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, definition.AttributeName, "NetGen could not resolve this layer's arguments"));
                }

                return null;
            }

            if (spec.Parameters < 0 || spec.TrainableParameters < 0)
            {
                _diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, definition.AttributeName,
                    "its parameter count overflows a 64-bit integer; no tensor that large can be allocated"));
                return null;
            }

            return spec;
        }
    }
}
