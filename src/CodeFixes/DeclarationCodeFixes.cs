using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Analyzers.Rules;

namespace NetGen.CodeFixes
{
    /// <summary>NG0002, NG0010 and NG0011: add <c>[ClipGradNorm(1.0)]</c> to the class, on its own line after its last attribute list.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddGradientClippingCodeFix)), Shared]
    public sealed class AddGradientClippingCodeFix : CodeFixProvider
    {
        public const string Key = "NetGen.NG0002.AddClipGradNorm";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0002", "NG0010", "NG0011");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                if (root is not null && AttributeEdits.AttributeAt(root, diagnostic.Location)?.FirstAncestorOrSelf<ClassDeclarationSyntax>() is { } declaration)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create("Add [ClipGradNorm(1.0)]", ct => AddClipping(context.Document, root, declaration, ct), Key),
                        diagnostic);
                }
            }
        }

        private static Task<Document> AddClipping(Document document, SyntaxNode root, ClassDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var original = declaration;
            var last = declaration.AttributeLists.Last();
            var clip = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Attribute(
                    SyntaxFactory.IdentifierName("ClipGradNorm"),
                    SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.AttributeArgument(
                        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal("1.0", 1.0))))))))
                // Fixed trivia, not elastic: the formatter would otherwise re-indent the user's lines around it.
                .NormalizeWhitespace();

            // Attribute lists on their own lines get one more line with the same indentation; attribute lists
            // written on the class's line get one more list on that line.
            var endOfLine = last.GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            if (endOfLine != default)
            {
                var indentation = last.GetLeadingTrivia().Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse();
                clip = clip.WithLeadingTrivia(indentation).WithTrailingTrivia(endOfLine);
            }
            else
            {
                clip = clip.WithTrailingTrivia(last.GetTrailingTrivia().Any() ? last.GetTrailingTrivia() : SyntaxFactory.TriviaList(SyntaxFactory.Space));
                last = last.WithTrailingTrivia(SyntaxFactory.Space);
                declaration = declaration.ReplaceNode(declaration.AttributeLists.Last(), last);
            }

            var lists = declaration.AttributeLists.Add(clip);
            return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(original, declaration.WithAttributeLists(lists))));
        }
    }

    /// <summary>NG0003: set <c>Bias = false</c> on the Linear layer before BatchNorm.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveBiasCodeFix)), Shared]
    public sealed class RemoveBiasCodeFix : AttributeCodeFix
    {
        public const string Key = "NetGen.NG0003.BiasFalse";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0003");

        protected override IEnumerable<AttributeFix> Fixes(SyntaxNode root, Diagnostic diagnostic, AttributeSyntax attribute)
        {
            yield return new AttributeFix(
                "Set Bias = false",
                Key,
                r => r.ReplaceNode(attribute, AttributeEdits.WithNamedArgument(attribute, "Bias", SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression))));
        }
    }

    /// <summary>NG0102: add the <c>partial</c> modifier (right before <c>class</c>, where C# requires it).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
    public sealed class MakePartialCodeFix : CodeFixProvider
    {
        public const string Key = "NetGen.NG0102.MakePartial";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0102");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                if (root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<ClassDeclarationSyntax>() is { } declaration &&
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            $"Make '{declaration.Identifier.ValueText}' partial",
                            ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(declaration, MakePartial(declaration)))),
                            Key),
                        diagnostic);
                }
            }
        }

        private static ClassDeclarationSyntax MakePartial(ClassDeclarationSyntax declaration)
        {
            if (declaration.Modifiers.Count == 0)
            {
                // The class keyword carries the line's leading trivia; partial takes it over.
                var keyword = declaration.Keyword;
                var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
                return declaration.WithKeyword(keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
            }

            return declaration.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }
    }

    /// <summary>NG0101 at a Linear: set its input size to what the previous layer gives (<c>Linear(62, 3)</c> → <c>Linear(64, 3)</c>).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MatchInputSizeCodeFix)), Shared]
    public sealed class MatchInputSizeCodeFix : AttributeCodeFix
    {
        public const string Key = "NetGen.NG0101.MatchInputSize";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0101");

        protected override IEnumerable<AttributeFix> Fixes(SyntaxNode root, Diagnostic diagnostic, AttributeSyntax attribute)
        {
            // Only the Linear form carries the size; a block whose input shape differs needs a decision the fix cannot make.
            if (diagnostic.Properties.TryGetValue(DiagnosticProperties.InFeatures, out var text) && text is not null &&
                long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _) &&
                InFeaturesArgument(attribute) is { } argument)
            {
                var value = SyntaxFactory.ParseExpression(text).WithTriviaFrom(argument.Expression);
                yield return new AttributeFix($"Set the input size to {text} (the previous layer's output)", Key, r => r.ReplaceNode(argument.Expression, value));
            }
        }

        /// <summary><c>inFeatures: n</c> when written by name, else the first of two positional arguments.</summary>
        private static AttributeArgumentSyntax? InFeaturesArgument(AttributeSyntax attribute)
        {
            var arguments = attribute.ArgumentList?.Arguments ?? default;
            var named = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "inFeatures");
            if (named is not null)
            {
                return named;
            }

            var positional = arguments.Where(a => a.NameColon is null && a.NameEquals is null).ToList();
            return positional.Count == 2 ? positional[0] : null;
        }
    }

    /// <summary>NG0115: insert <c>Flatten</c> right before the Linear, in the same attribute list.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFix)), Shared]
    public sealed class InsertFlattenCodeFix : AttributeCodeFix
    {
        public const string Key = "NetGen.NG0115.InsertFlatten";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0115");

        protected override IEnumerable<AttributeFix> Fixes(SyntaxNode root, Diagnostic diagnostic, AttributeSyntax linear)
        {
            if (linear.Parent is AttributeListSyntax list)
            {
                // Qualified the way the Linear is: Flatten next to Linear, NetGen.Flatten next to NetGen.Linear.
                var prefix = linear.Name is QualifiedNameSyntax q ? q.Left + "." : string.Empty;
                var flatten = SyntaxFactory.Attribute(SyntaxFactory.ParseName(prefix + "Flatten")).WithLeadingTrivia(linear.GetLeadingTrivia());
                yield return new AttributeFix(
                    "Insert Flatten before the Linear layer",
                    Key,
                    r => r.ReplaceNode(list, AttributeEdits.Rebuild(list, new HashSet<AttributeSyntax> { linear }, a => new[] { flatten, a.WithoutLeadingTrivia() })));
            }
        }
    }
}
