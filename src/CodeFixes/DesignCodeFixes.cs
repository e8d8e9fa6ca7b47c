using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Analyzers.Rules;

namespace NetGen.CodeFixes
{
    /// <summary>NG0006: swap the Dropout with the BatchNorm right after it, so dropout acts after normalisation.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MoveDropoutAfterBatchNormCodeFix)), Shared]
    public sealed class MoveDropoutAfterBatchNormCodeFix : CodeFixProvider
    {
        public const string Key = "NetGen.NG0006.MoveDropout";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0006");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                // Only an adjacent pair can swap without moving the layers between them.
                if (root is null ||
                    !diagnostic.Properties.TryGetValue(DiagnosticProperties.Adjacent, out var adjacent) || adjacent != "true" ||
                    diagnostic.AdditionalLocations.Count == 0 ||
                    AttributeEdits.AttributeAt(root, diagnostic.Location) is not { } dropout ||
                    AttributeEdits.AttributeAt(root, diagnostic.AdditionalLocations[0]) is not { } batchNorm)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Move Dropout after BatchNorm",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNodes(
                            new[] { dropout, batchNorm },
                            (original, _) => original == dropout ? batchNorm.WithTriviaFrom(dropout) : dropout.WithTriviaFrom(batchNorm)))),
                        Key),
                    diagnostic);
            }
        }
    }

    /// <summary>NG0008: give the layer the initialisation that matches its activation (<c>Init = Init.XavierUniform</c>).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MatchInitializationCodeFix)), Shared]
    public sealed class MatchInitializationCodeFix : CodeFixProvider
    {
        public const string Key = "NetGen.NG0008.MatchInit";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0008");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                if (root is null ||
                    !diagnostic.Properties.TryGetValue(DiagnosticProperties.SuggestedInit, out var init) || init is null ||
                    AttributeEdits.AttributeAt(root, diagnostic.Location) is not { } attribute)
                {
                    continue;
                }

                // The enum is qualified the way the attribute is: Init.X next to Linear, NetGen.Init.X next to NetGen.Linear.
                var prefix = attribute.Name is QualifiedNameSyntax q ? q.Left + "." : string.Empty;
                var value = SyntaxFactory.ParseExpression(prefix + "Init." + init);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Set Init = Init.{init}",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(attribute, AttributeEdits.WithNamedArgument(attribute, "Init", value)))),
                        Key),
                    diagnostic);
            }
        }
    }

    /// <summary>NG0009: remove the output activation a logits loss applies itself, or turn Softmax into LogSoftmax for nll_loss.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OutputLossCodeFix)), Shared]
    public sealed class OutputLossCodeFix : CodeFixProvider
    {
        public const string RemoveKey = "NetGen.NG0009.RemoveActivation";
        public const string LogSoftmaxKey = "NetGen.NG0009.UseLogSoftmax";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0009");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                if (root is null ||
                    !diagnostic.Properties.TryGetValue(DiagnosticProperties.Fix, out var fix) ||
                    AttributeEdits.AttributeAt(root, diagnostic.Location) is not { Parent: AttributeListSyntax list } attribute)
                {
                    continue;
                }

                if (fix == DiagnosticProperties.FixRemove)
                {
                    var name = attribute.Name.ToString();
                    context.RegisterCodeFix(
                        CodeAction.Create($"Remove the output {name}", ct => Task.FromResult(context.Document.WithSyntaxRoot(Remove(root, list, attribute))), RemoveKey),
                        diagnostic);
                }
                else if (fix == DiagnosticProperties.FixLogSoftmax)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create("Use LogSoftmax", ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(attribute, AttributeEdits.Rename(attribute, "LogSoftmax")))), LogSoftmaxKey),
                        diagnostic);
                }
            }
        }

        /// <summary>Removes the attribute from its list, or the whole list (with its line) when it is alone there.</summary>
        private static SyntaxNode Remove(SyntaxNode root, AttributeListSyntax list, AttributeSyntax attribute)
        {
            if (list.Attributes.Count > 1)
            {
                var remaining = list.Attributes.Remove(attribute);
                var last = remaining.Last();
                // Keep the spacing the list had before its removed element ("[Linear(64, 10), Softmax]" → "[Linear(64, 10)]").
                return root.ReplaceNode(list, list.WithAttributes(remaining.Replace(last, last.WithoutTrailingTrivia())));
            }

            return root.RemoveNode(list, SyntaxRemoveOptions.KeepNoTrivia | SyntaxRemoveOptions.KeepDirectives)!;
        }
    }
}
