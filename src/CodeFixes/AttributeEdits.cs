using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NetGen.CodeFixes
{
    /// <summary>The syntax edits the fixes share: finding a diagnostic's attribute and rewriting NetGen attributes.</summary>
    internal static class AttributeEdits
    {
        /// <summary>The attribute a diagnostic location points at, or null.</summary>
        public static AttributeSyntax? AttributeAt(SyntaxNode root, Location location) =>
            location.IsInSource && location.SourceSpan.End <= root.FullSpan.End
                ? root.FindNode(location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>()
                : null;

        /// <summary>The attribute with its name changed (<c>Sigmoid</c> → <c>ReLU</c>), keeping arguments, qualification,
        /// an explicit <c>Attribute</c> suffix, and trivia.</summary>
        public static AttributeSyntax Rename(AttributeSyntax attribute, string newName)
        {
            NameSyntax Replace(SimpleNameSyntax name)
            {
                var suffix = name.Identifier.ValueText.EndsWith("Attribute", System.StringComparison.Ordinal) ? "Attribute" : string.Empty;
                return SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(newName + suffix)).WithTriviaFrom(name);
            }

            NameSyntax renamed = attribute.Name switch
            {
                QualifiedNameSyntax q => q.WithRight((SimpleNameSyntax)Replace(q.Right)),
                AliasQualifiedNameSyntax a => a.WithName((SimpleNameSyntax)Replace(a.Name)),
                SimpleNameSyntax s => Replace(s),
                _ => attribute.Name,
            };
            return attribute.WithName(renamed);
        }

        /// <summary>A bare attribute such as <c>BatchNorm</c>.</summary>
        public static AttributeSyntax Bare(string name) => SyntaxFactory.Attribute(SyntaxFactory.IdentifierName(name)).NormalizeWhitespace();

        /// <summary>The attribute with the named argument <paramref name="name"/> set to <paramref name="value"/>,
        /// replacing an existing one or appending it.</summary>
        public static AttributeSyntax WithNamedArgument(AttributeSyntax attribute, string name, ExpressionSyntax value)
        {
            var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
            var existing = list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
            if (existing is not null)
            {
                return attribute.WithArgumentList(list.ReplaceNode(existing, existing.WithExpression(value.WithTriviaFrom(existing.Expression))));
            }

            var argument = SyntaxFactory.AttributeArgument(SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name)), nameColon: null, value)
                .NormalizeWhitespace();
            var separators = list.Arguments.GetSeparators().Select(_ => SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space)).ToList();
            if (list.Arguments.Count > 0)
            {
                separators.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
            }

            var arguments = SyntaxFactory.SeparatedList(list.Arguments.Add(argument), separators);
            return attribute.WithArgumentList(list.WithArguments(arguments));
        }

        /// <summary>Rebuilds one attribute list, keeping its own separators and adding ", " between inserted attributes.</summary>
        public static AttributeListSyntax Rebuild(
            AttributeListSyntax list,
            ISet<AttributeSyntax> targets,
            System.Func<AttributeSyntax, IReadOnlyList<AttributeSyntax>> replace)
        {
            var nodes = new List<AttributeSyntax>();
            var separators = new List<SyntaxToken>();
            for (var i = 0; i < list.Attributes.Count; i++)
            {
                var original = list.Attributes[i];
                var replacement = targets.Contains(original) ? replace(original) : new[] { original };
                for (var k = 0; k < replacement.Count; k++)
                {
                    if (k > 0)
                    {
                        separators.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
                    }

                    nodes.Add(replacement[k]);
                }

                if (i < list.Attributes.SeparatorCount)
                {
                    separators.Add(list.Attributes.GetSeparator(i));
                }
            }

            return list.WithAttributes(SyntaxFactory.SeparatedList(nodes, separators));
        }
    }
}
