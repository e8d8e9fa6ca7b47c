using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Reads a class's NetGen attributes into a <see cref="NetworkModel"/>, in stages:
    /// <list type="number">
    /// <item><see cref="AttributeReader"/>: the NetGen attributes in source order, each one's arguments readable;</item>
    /// <item><see cref="ClassChecks"/>: the class can be completed (partial, top-level, no base class);
    /// <see cref="UserForward"/>: whether the user wrote forward, which changes how shapes flow;</item>
    /// <item><see cref="ShapeFlow"/>: class options read through <see cref="NetworkOptionCatalog"/>; layers named
    /// (<see cref="LayerNaming"/>) and resolved through <see cref="LayerCatalog"/> while the shape flows down,
    /// blocks parsed recursively (<see cref="ResolveBlock"/>);</item>
    /// <item><see cref="InitializationPlanner"/>: declared Xavier/Kaiming initialisation with the following activation's gain;</item>
    /// <item><see cref="MemberClashes"/>: generated names against each other and the user's members;</item>
    /// <item>totals, and the model when nothing failed.</item>
    /// </list>
    /// Shared by the generator (which keeps the model) and the analyzers (which report the diagnostics and read
    /// the resolved layers), so both always agree on what is valid.
    /// </summary>
    internal static class NetworkParser
    {
        private const string ClassInitKey = "(class initialisation)";

        /// <inheritdoc cref="AttributeReader.NetGenAttributes"/>
        public static List<AttributeData> NetGenAttributes(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            AttributeReader.NetGenAttributes(type, cancellationToken);

        /// <inheritdoc cref="AttributeReader.MetadataName"/>
        public static string MetadataName(INamedTypeSymbol attributeClass) => AttributeReader.MetadataName(attributeClass);

        public static ParsedNetwork? Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var attributes = AttributeReader.NetGenAttributes(type, cancellationToken);
            return attributes.Count == 0 ? null : Parse(type, attributes, cancellationToken);
        }

        public static ParsedNetwork Parse(INamedTypeSymbol type, List<AttributeData> attributes, CancellationToken cancellationToken) =>
            Parse(type, attributes, ImmutableHashSet<INamedTypeSymbol>.Empty.WithComparer(SymbolEqualityComparer.Default), cancellationToken);

        private static ParsedNetwork Parse(
            INamedTypeSymbol type,
            List<AttributeData> attributes,
            ImmutableHashSet<INamedTypeSymbol> enclosing,
            CancellationToken cancellationToken)
        {
            var diagnostics = new List<Diagnostic>();
            var anchor = AttributeReader.Location(attributes[0], cancellationToken) ?? type.Locations.FirstOrDefault();
            var classIsValid = ClassChecks.Check(type, attributes, anchor, diagnostics, cancellationToken);
            var userForward = UserForward.Find(type, diagnostics, cancellationToken);

            var blocks = new BlockCache(enclosing.Add(type), cancellationToken);
            var flow = new ShapeFlow(type.Name, blocks.Resolve, diagnostics) { UserForward = userForward };
            var options = new NetworkOptions();
            var optionAttributes = new Dictionary<string, AttributeData>();
            foreach (var attribute in attributes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var location = AttributeReader.Location(attribute, cancellationToken);
                if (!AttributeReader.ArgumentsAreReadable(attribute, location, diagnostics, cancellationToken))
                {
                    flow.SkipUnreadable();
                    continue;
                }

                var metadataName = AttributeReader.MetadataName(attribute.AttributeClass!);
                if (NetworkOptionCatalog.Find(metadataName) is { } option)
                {
                    ReadOption(option, attribute, location, options, optionAttributes, diagnostics);
                }
                else
                {
                    flow.Add(LayerCatalog.Find(metadataName)!, attribute, location);
                }
            }

            var layers = flow.Layers;
            var parsedLayers = flow.Parsed;
            optionAttributes.TryGetValue("ClipGradNorm", out var clipAttribute);
            MemberClashes.Check(type, parsedLayers, clipAttribute, options, anchor, diagnostics, cancellationToken);

            if (layers.Count == 0 && !flow.AfterError)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoLayers, anchor, type.Name, AttributeReader.ShortName(attributes[0])));
            }

            ParsedNetwork Result(NetworkModel? model) => new(model, diagnostics, parsedLayers, clipAttribute)
            {
                InitAttribute = optionAttributes.TryGetValue(ClassInitKey, out var init) ? init : null,
                LossAttribute = optionAttributes.TryGetValue("Loss", out var loss) ? loss : null,
                Options = options,
                UserForward = userForward,
            };

            var hasErrors = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            if (!classIsValid || hasErrors || flow.AfterError || layers.Count == 0 || flow.InputShape is not { } inputShape)
            {
                return Result(null);
            }

            if (!TryTotal(layers, out var total, out var trainable))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, anchor, type.Name,
                    "its total parameter count overflows a 64-bit integer; no network that large can be allocated"));
                return Result(null);
            }

            InitializationPlanner.Apply(layers, parsedLayers, options.ClassInit);
            var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
            return Result(new NetworkModel(
                ns,
                type.Name,
                (ns is null ? string.Empty : ns + ".") + type.Name + ".g.cs",
                inputShape,
                layers.ToEquatableArray(),
                options.Clip,
                options.Loss,
                options.ClipValue,
                options.Monitor,
                total,
                trainable)
            {
                UserForward = userForward,
            });
        }

        /// <summary>Reads a class-level option (<c>[ClipGradNorm]</c>, <c>[Loss]</c>, ...) into <paramref name="options"/>.</summary>
        private static void ReadOption(
            NetworkOptionDefinition option,
            AttributeData attribute,
            Location? location,
            NetworkOptions options,
            Dictionary<string, AttributeData> optionAttributes,
            List<Diagnostic> diagnostics)
        {
            // AllowMultiple = false makes the compiler reject a repeat too (CS0579); NetGen says which option.
            if (optionAttributes.ContainsKey(option.AttributeName))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, option.AttributeName, "it is declared more than once; keep one"));
                return;
            }

            optionAttributes[option.AttributeName] = attribute;
            if (option.AttributeName is "XavierInit" or "KaimingInit")
            {
                // Both declared is an error of its own (NG0104); analyzers point at the later one.
                optionAttributes[ClassInitKey] = attribute;
            }

            option.Read(new OptionContext(LayerArguments.From(attribute), options, location, diagnostics));
        }

        private static bool TryTotal(List<LayerModel> layers, out long total, out long trainable)
        {
            total = trainable = 0;
            try
            {
                foreach (var layer in layers)
                {
                    total = checked(total + layer.Parameters);
                    trainable = checked(trainable + layer.TrainableParameters);
                }

                return true;
            }
            catch (System.OverflowException)
            {
                return false;
            }
        }

        /// <summary>
        /// Networks used as blocks, each parsed once per declaration; a block that (indirectly) contains itself is
        /// rejected.
        /// </summary>
        private sealed class BlockCache
        {
            private readonly Dictionary<INamedTypeSymbol, NetworkResolution> _resolved = new(SymbolEqualityComparer.Default);
            private readonly ImmutableHashSet<INamedTypeSymbol> _visiting;
            private readonly CancellationToken _cancellationToken;

            public BlockCache(ImmutableHashSet<INamedTypeSymbol> visiting, CancellationToken cancellationToken)
            {
                _visiting = visiting;
                _cancellationToken = cancellationToken;
            }

            public NetworkResolution Resolve(INamedTypeSymbol block)
            {
                if (!_resolved.TryGetValue(block, out var resolution))
                {
                    resolution = ResolveBlock(block, _visiting, _cancellationToken);
                    _resolved[block] = resolution;
                }

                return resolution;
            }
        }

        /// <summary>Reads a network used as a block, with its own diagnostics kept out of the user's class.</summary>
        private static NetworkResolution ResolveBlock(INamedTypeSymbol block, ImmutableHashSet<INamedTypeSymbol> visiting, CancellationToken cancellationToken)
        {
            if (visiting.Contains(block))
            {
                return new NetworkResolution(null, "contains itself, directly or through its blocks");
            }

            var attributes = AttributeReader.NetGenAttributes(block, cancellationToken);
            if (attributes.Count == 0)
            {
                return new NetworkResolution(null, "is not a NetGen network: it has no layer attributes");
            }

            var parsed = Parse(block, attributes, visiting, cancellationToken);
            return parsed.Model is null ? new NetworkResolution(null, "has declaration errors of its own; fix those first")
                : parsed.Model.UserForward ? new NetworkResolution(null, "has a forward of its own, so NetGen cannot know the shape it returns; call it from your own forward instead")
                : new NetworkResolution(parsed.Model, null) { Parsed = parsed };
        }
    }
}
