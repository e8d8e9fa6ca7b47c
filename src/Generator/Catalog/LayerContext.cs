using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Catalog
{
    /// <summary>
    /// What a catalogue entry sees while resolving one declared layer: its arguments, the shape
    /// flowing into it and who produced it, its name, and a way to report a problem at its attribute.
    /// </summary>
    internal sealed class LayerContext
    {
        private readonly List<Diagnostic> _diagnostics;
        private readonly Location? _location;

        public LayerContext(
            LayerArguments arguments,
            Shape? input,
            string name,
            string previousName,
            LayerRole? shapeSourceRole,
            string shapeSourceName,
            bool isFirst,
            bool afterError,
            Func<INamedTypeSymbol, NetworkResolution> resolveNetwork,
            Location? location,
            List<Diagnostic> diagnostics)
        {
            Arguments = arguments;
            Input = input;
            Name = name;
            PreviousName = previousName;
            ShapeSourceRole = shapeSourceRole;
            ShapeSourceName = shapeSourceName;
            IsFirst = isFirst;
            AfterError = afterError;
            ResolveNetwork = resolveNetwork;
            _location = location;
            _diagnostics = diagnostics;
        }

        public LayerArguments Arguments { get; }

        /// <summary>The shape of one sample entering the layer; null when nothing before it fixes it.</summary>
        public Shape? Input { get; }

        /// <summary>The layer's field name (<c>fc1</c>) or, for functional layers, its display name.</summary>
        public string Name { get; }

        /// <summary>The previous layer's name, for messages; "the input" for the first layer.</summary>
        public string PreviousName { get; }

        /// <summary>
        /// The role of the nearest layer before this one that sets the shape of <see cref="Input"/>, looking through
        /// shape-preserving layers (<see cref="LayerDefinition.PreservesShape"/>); null at the network's input.
        /// </summary>
        public LayerRole? ShapeSourceRole { get; }

        /// <summary>The name of that layer, for messages; "the input" when there is none.</summary>
        public string ShapeSourceName { get; }

        /// <summary>Whether no layer (not even <c>[Input]</c>) comes before this one.</summary>
        public bool IsFirst { get; }

        /// <summary>An earlier layer already failed, so a missing input shape is a consequence, not a new error.</summary>
        public bool AfterError { get; }

        /// <summary>The class writes its own forward: <c>[Input]</c> may restate the shape before any layer.</summary>
        public bool UserForward { get; init; }

        /// <summary>Reads another NetGen network used as a block.</summary>
        public Func<INamedTypeSymbol, NetworkResolution> ResolveNetwork { get; }

        public void Report(DiagnosticDescriptor descriptor, params object[] messageArgs) =>
            _diagnostics.Add(Diagnostic.Create(descriptor, _location, messageArgs));

        /// <summary>Reports with <paramref name="properties"/> for the code fix (<c>Analyzers.Rules.DiagnosticProperties</c>).</summary>
        public void Report(DiagnosticDescriptor descriptor, ImmutableDictionary<string, string?> properties, params object[] messageArgs) =>
            _diagnostics.Add(Diagnostic.Create(descriptor, _location, properties, messageArgs));

        /// <summary>Reads a size argument and reports it when it is below <paramref name="minimum"/>; null when absent or invalid.</summary>
        public long? Size(string argument, string layerText, long minimum = 1)
        {
            var value = Arguments.Long(argument);
            if (value is { } v && v < minimum)
            {
                if (minimum == 1)
                {
                    Report(DiagnosticDescriptors.NonPositiveSize, layerText, argument, v);
                }
                else
                {
                    Report(DiagnosticDescriptors.InvalidArgument, layerText, $"'{argument}' is {Number(v)}, but it must be at least {Number(minimum)}");
                }

                return null;
            }

            return value;
        }

        /// <summary>Reports that the layer needs an input shape, unless an earlier error explains why there is none.</summary>
        public LayerSpec? NeedsInput(string layerText)
        {
            if (!AfterError)
            {
                Report(DiagnosticDescriptors.SizeNotInferable, layerText);
            }

            return null;
        }

        /// <summary>Reports that the incoming shape has the wrong number of dimensions for this layer.</summary>
        public LayerSpec? WrongRank(string layerText, string expected, string advice)
        {
            Report(DiagnosticDescriptors.WrongRank, layerText, expected, PreviousName, Input?.ToString() ?? "?", advice);
            return null;
        }

        public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Another network read for use as a block: its model, or why it cannot be used.</summary>
    internal sealed record NetworkResolution(NetworkModel? Model, string? Problem)
    {
        /// <summary>The block's own parsed layers, for analyzers that look inside blocks (Parsing.ParsedNetwork).</summary>
        public object? Parsed { get; init; }
    }
}
