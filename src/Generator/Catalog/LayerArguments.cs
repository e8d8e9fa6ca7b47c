using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Catalog
{
    /// <summary>
    /// A layer attribute's arguments by name: constructor arguments under their parameter names
    /// (<c>inFeatures</c>) and named arguments under their property names (<c>Bias</c>).
    /// </summary>
    internal sealed class LayerArguments
    {
        private readonly Dictionary<string, TypedConstant> _values;

        private LayerArguments(Dictionary<string, TypedConstant> values) => _values = values;

        public static LayerArguments From(AttributeData attribute)
        {
            var values = new Dictionary<string, TypedConstant>(StringComparer.Ordinal);
            var constructor = attribute.AttributeConstructor;
            if (constructor is not null)
            {
                for (var i = 0; i < constructor.Parameters.Length && i < attribute.ConstructorArguments.Length; i++)
                {
                    values[constructor.Parameters[i].Name] = attribute.ConstructorArguments[i];
                }
            }

            foreach (var named in attribute.NamedArguments)
            {
                values[named.Key] = named.Value;
            }

            return new LayerArguments(values);
        }

        public bool Has(string name) => _values.ContainsKey(name);

        /// <summary>A whole number, or an enum member's underlying value.</summary>
        public long? Long(string name) =>
            _values.TryGetValue(name, out var c) && c.Kind is TypedConstantKind.Primitive or TypedConstantKind.Enum && c.Value is not null && c.Value is not bool
                ? Convert.ToInt64(c.Value, System.Globalization.CultureInfo.InvariantCulture)
                : null;

        public double? Double(string name) =>
            _values.TryGetValue(name, out var c) && c.Kind == TypedConstantKind.Primitive && c.Value is not null
                ? Convert.ToDouble(c.Value, System.Globalization.CultureInfo.InvariantCulture)
                : null;

        public bool Bool(string name, bool defaultValue) =>
            _values.TryGetValue(name, out var c) && c.Value is bool b ? b : defaultValue;

        public INamedTypeSymbol? Type(string name) =>
            _values.TryGetValue(name, out var c) && c.Kind == TypedConstantKind.Type ? c.Value as INamedTypeSymbol : null;

        /// <summary>An array of types (<c>params Type[]</c>); null when absent, an entry null when it is not a named type.</summary>
        public INamedTypeSymbol?[]? Types(string name) =>
            _values.TryGetValue(name, out var c) && c.Kind == TypedConstantKind.Array && !c.IsNull
                ? System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(c.Values, v => v.Kind == TypedConstantKind.Type ? v.Value as INamedTypeSymbol : null))
                : null;

        public long[]? Longs(string name) =>
            _values.TryGetValue(name, out var c) && c.Kind == TypedConstantKind.Array && !c.IsNull
                ? System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(c.Values, v => Convert.ToInt64(v.Value, System.Globalization.CultureInfo.InvariantCulture)))
                : null;

        public string? String(string name) =>
            _values.TryGetValue(name, out var c) ? c.Value as string : null;
    }
}
