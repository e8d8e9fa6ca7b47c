using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Names layers as PyTorch would: the k-th layer of a prefix is <c>{prefix}{k}</c> (<c>fc1</c>, <c>bn2</c>), counted
    /// from 1 in declaration order whether or not other layers have custom names; a custom <c>Name</c> replaces the
    /// default (numbered per copy when the layer repeats). These names become fields and state-dict prefixes.
    /// </summary>
    internal sealed class LayerNaming
    {
        private readonly Dictionary<string, int> _counts = new();
        private readonly HashSet<string> _names = new();
        private readonly string _className;

        public LayerNaming(string className) => _className = className;

        /// <summary>The next layer's name; reports an invalid or duplicate name and returns whether it is usable.</summary>
        public (string Name, bool Valid) Next(LayerDefinition definition, LayerArguments arguments, int copy, long repeat, Location? location, List<Diagnostic> diagnostics)
        {
            _counts[definition.NamePrefix] = _counts.TryGetValue(definition.NamePrefix, out var n) ? n + 1 : 1;
            var defaultName = definition.NamePrefix + _counts[definition.NamePrefix].ToString(CultureInfo.InvariantCulture);
            var customName = arguments.String("Name");
            var name = customName is null ? defaultName : repeat == 1 ? customName : customName + (copy + 1).ToString(CultureInfo.InvariantCulture);
            if (!SyntaxFacts.IsValidIdentifier(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidLayerName, location, name));
                return (name, false);
            }

            if (!_names.Add(name))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.DuplicateLayerName, location, name, _className));
                return (name, false);
            }

            return (name, true);
        }
    }
}
