using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Stage 1 of parsing: finds a class's NetGen attributes in source order and checks that the compiler
    /// could bind each one's arguments, so the later stages read only well-formed arguments.
    /// </summary>
    internal static class AttributeReader
    {
        /// <summary>The class's NetGen attributes in source order, or an empty list when it has none.</summary>
        public static List<AttributeData> NetGenAttributes(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var attributes = new List<AttributeData>();
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass is { } cls && IsNetGenAttribute(cls))
                {
                    attributes.Add(attribute);
                }
            }

            // GetAttributes() follows source order within one declaration; sorting by position also
            // makes the order explicit when (invalidly) several declarations carry attributes.
            // Attributes read from metadata (a network in a referenced assembly) have no syntax and keep their order.
            if (attributes.Any(a => a.ApplicationSyntaxReference is null))
            {
                return attributes;
            }

            attributes.Sort((a, b) =>
            {
                var ra = a.ApplicationSyntaxReference!;
                var rb = b.ApplicationSyntaxReference!;
                var byTree = string.CompareOrdinal(ra.SyntaxTree.FilePath, rb.SyntaxTree.FilePath);
                return byTree != 0 ? byTree : ra.Span.Start.CompareTo(rb.Span.Start);
            });
            cancellationToken.ThrowIfCancellationRequested();
            return attributes;
        }

        public static string MetadataName(INamedTypeSymbol attributeClass) =>
            // NetGen's own attributes are the common case and need no display string of their namespace
            // (this runs for every attribute of every candidate class, in several pipelines).
            attributeClass.ContainingNamespace is { Name: "NetGen", ContainingNamespace.IsGlobalNamespace: true }
                ? "NetGen." + attributeClass.MetadataName
                : attributeClass.ContainingNamespace?.ToDisplayString() + "." + attributeClass.MetadataName;

        private static bool IsNetGenAttribute(INamedTypeSymbol cls) =>
            cls.ContainingNamespace is { Name: "NetGen", ContainingNamespace.IsGlobalNamespace: true } &&
            (LayerCatalog.Find(MetadataName(cls)) is not null || NetworkOptionCatalog.Find(MetadataName(cls)) is not null);

        /// <summary>The name users write: <c>Linear</c> for <c>LinearAttribute</c>.</summary>
        public static string ShortName(AttributeData attribute)
        {
            var name = attribute.AttributeClass!.Name;
            return name.EndsWith("Attribute", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
        }

        public static Location? Location(AttributeData attribute, CancellationToken cancellationToken) =>
            attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();

        /// <summary>
        /// Attribute arguments the compiler could not bind (an unknown named argument, no matching
        /// constructor) produce a compiler error too, but NetGen says what it expected.
        /// </summary>
        public static bool ArgumentsAreReadable(AttributeData attribute, Location? location, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var shortName = ShortName(attribute);
            string? problem = null;
            if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
            {
                problem = "these arguments match none of its forms; " + Forms(attribute.AttributeClass!, shortName);
            }
            else if (attribute.NamedArguments.FirstOrDefault(a => a.Value.Kind == TypedConstantKind.Error) is { Key: { } wrongType })
            {
                problem = $"the value given for '{wrongType}' has the wrong type; " + Forms(attribute.AttributeClass!, shortName);
            }
            else if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list })
            {
                var unknown = list.Arguments
                    .Where(a => a.NameEquals is not null)
                    .Select(a => a.NameEquals!.Name.Identifier.ValueText)
                    .FirstOrDefault(n => !attribute.NamedArguments.Any(k => k.Key == n));
                if (unknown is not null)
                {
                    problem = $"it has no argument named '{unknown}'; " + Forms(attribute.AttributeClass!, shortName);
                }
            }

            if (problem is null)
            {
                return true;
            }

            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, shortName, problem));
            return false;
        }

        private static string Forms(INamedTypeSymbol attributeClass, string shortName)
        {
            var forms = attributeClass.InstanceConstructors
                .Where(c => c.DeclaredAccessibility == Accessibility.Public)
                .Select(c => c.Parameters.Length == 0 ? shortName : $"{shortName}({string.Join(", ", c.Parameters.Select(p => p.Name))})");
            var named = attributeClass.GetMembers().OfType<IPropertySymbol>()
                .Concat(attributeClass.BaseType?.GetMembers().OfType<IPropertySymbol>() ?? Enumerable.Empty<IPropertySymbol>())
                .Where(p => p.SetMethod is { DeclaredAccessibility: Accessibility.Public })
                .Select(p => p.Name);
            var text = "write " + string.Join(" or ", forms);
            var namedList = string.Join(", ", named);
            return namedList.Length == 0 ? text : text + " with optional " + namedList;
        }
    }
}
