using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Catalog
{
    /// <summary>
    /// What a catalogue entry sees while resolving one declared layer: its arguments, the shape
    /// flowing into it, its name, and a way to report a problem at its attribute.
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
            bool afterError,
            Location? location,
            List<Diagnostic> diagnostics)
        {
            Arguments = arguments;
            Input = input;
            Name = name;
            PreviousName = previousName;
            AfterError = afterError;
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

        /// <summary>An earlier layer already failed, so a missing input shape is a consequence, not a new error.</summary>
        public bool AfterError { get; }

        public void Report(DiagnosticDescriptor descriptor, params object[] messageArgs) =>
            _diagnostics.Add(Diagnostic.Create(descriptor, _location, messageArgs));

        /// <summary>Reads a required size argument and reports it when it is below 1.</summary>
        public long? Size(string argument, string layerText)
        {
            var value = Arguments.Long(argument);
            if (value is < 1)
            {
                Report(DiagnosticDescriptors.NonPositiveSize, layerText, argument, value.Value);
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

        public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
