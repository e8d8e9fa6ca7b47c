using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Catalog;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// The syntactic filter in front of the semantic read: whether a class's attributes could bind to NetGen's. An
    /// attribute can name <c>NetGen.LinearAttribute</c> only as <c>Linear</c> or <c>LinearAttribute</c> (qualified or
    /// not) or through a using alias, so a class with none of those names is no network and is never bound. Whether an
    /// attribute really is NetGen's is then decided by its bound type (<see cref="AttributeReader"/>), never by its name.
    /// </summary>
    internal static class AttributeCandidates
    {
        private static readonly HashSet<string> Names = CatalogueNames();

        /// <summary>True when some attribute of <paramref name="declaration"/> is written with a catalogue name or with an
        /// alias declared in its file or in <paramref name="globalAliases"/>.</summary>
        public static bool MayBeNetwork(ClassDeclarationSyntax declaration, EquatableArray<string> globalAliases)
        {
            foreach (var list in declaration.AttributeLists)
            {
                foreach (var attribute in list.Attributes)
                {
                    var name = SimpleName(attribute.Name);
                    if (Names.Contains(name) || IsAlias(name, declaration, globalAliases))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static string SimpleName(NameSyntax name) => name switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax aliasQualified => aliasQualified.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => "",
        };

        private static bool IsAlias(string name, SyntaxNode declaration, EquatableArray<string> globalAliases)
        {
            for (var i = 0; i < globalAliases.Count; i++)
            {
                if (globalAliases[i] == name)
                {
                    return true;
                }
            }

            // Aliases of the file and of every enclosing namespace declaration.
            for (var node = declaration.Parent; node is not null; node = node.Parent)
            {
                var usings = node switch
                {
                    CompilationUnitSyntax unit => unit.Usings,
                    BaseNamespaceDeclarationSyntax ns => ns.Usings,
                    _ => default,
                };
                foreach (var directive in usings)
                {
                    if (directive.Alias is { } alias && alias.Name.Identifier.ValueText == name)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static HashSet<string> CatalogueNames()
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var layer in LayerCatalog.All)
            {
                names.Add(layer.AttributeName);
                names.Add(layer.AttributeName + "Attribute");
            }

            foreach (var option in NetworkOptionCatalog.All)
            {
                names.Add(option.AttributeName);
                names.Add(option.AttributeName + "Attribute");
            }

            return names;
        }
    }
}
