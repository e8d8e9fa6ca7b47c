using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Analyzers.Rules;

namespace NetGen.CodeFixes
{
    /// <summary>NG0006: swap the Dropout with the BatchNorm right after it, so dropout acts after normalisation.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MoveDropoutAfterBatchNormCodeFix)), Shared]
    public sealed class MoveDropoutAfterBatchNormCodeFix : AttributeCodeFix
    {
        public const string Key = "NetGen.NG0006.MoveDropout";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0006");

        protected override IEnumerable<AttributeFix> Fixes(SyntaxNode root, Diagnostic diagnostic, AttributeSyntax dropout)
        {
            // Only an adjacent pair can swap without moving the layers between them.
            if (diagnostic.Properties.TryGetValue(DiagnosticProperties.Adjacent, out var adjacent) && adjacent == "true" &&
                diagnostic.AdditionalLocations.Count > 0 &&
                AttributeEdits.AttributeAt(root, diagnostic.AdditionalLocations[0]) is { } batchNorm)
            {
                yield return new AttributeFix(
                    "Move Dropout after BatchNorm",
                    Key,
                    r => r.ReplaceNodes(
                        new[] { dropout, batchNorm },
                        (original, _) => original == dropout ? batchNorm.WithTriviaFrom(dropout) : dropout.WithTriviaFrom(batchNorm)));
            }
        }
    }

    /// <summary>NG0008: give the layer the initialisation that matches its activation (<c>Init = Init.XavierUniform</c>).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MatchInitializationCodeFix)), Shared]
    public sealed class MatchInitializationCodeFix : AttributeCodeFix
    {
        public const string Key = "NetGen.NG0008.MatchInit";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0008");

        protected override IEnumerable<AttributeFix> Fixes(SyntaxNode root, Diagnostic diagnostic, AttributeSyntax attribute)
        {
            if (diagnostic.Properties.TryGetValue(DiagnosticProperties.SuggestedInit, out var init) && init is not null)
            {
                // The enum is qualified the way the attribute is: Init.X next to Linear, NetGen.Init.X next to NetGen.Linear.
                var prefix = attribute.Name is QualifiedNameSyntax q ? q.Left + "." : string.Empty;
                var value = SyntaxFactory.ParseExpression(prefix + "Init." + init);
                yield return new AttributeFix($"Set Init = Init.{init}", Key, r => r.ReplaceNode(attribute, AttributeEdits.WithNamedArgument(attribute, "Init", value)));
            }
        }
    }

    /// <summary>NG0009: remove the output activation a logits loss applies itself, or turn Softmax into LogSoftmax for nll_loss.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OutputLossCodeFix)), Shared]
    public sealed class OutputLossCodeFix : AttributeCodeFix
    {
        public const string RemoveKey = "NetGen.NG0009.RemoveActivation";
        public const string LogSoftmaxKey = "NetGen.NG0009.UseLogSoftmax";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0009");

        protected override IEnumerable<AttributeFix> Fixes(SyntaxNode root, Diagnostic diagnostic, AttributeSyntax attribute)
        {
            if (attribute.Parent is not AttributeListSyntax list || !diagnostic.Properties.TryGetValue(DiagnosticProperties.Fix, out var fix))
            {
                yield break;
            }

            if (fix == DiagnosticProperties.FixRemove)
            {
                yield return new AttributeFix($"Remove the output {attribute.Name}", RemoveKey, r => Remove(r, list, attribute));
            }
            else if (fix == DiagnosticProperties.FixLogSoftmax)
            {
                yield return new AttributeFix("Use LogSoftmax", LogSoftmaxKey, r => r.ReplaceNode(attribute, AttributeEdits.Rename(attribute, "LogSoftmax")));
            }
        }

        /// <summary>Removes the attribute from its list, or the whole list (with its line) when it is alone there.</summary>
        private static SyntaxNode Remove(SyntaxNode root, AttributeListSyntax list, AttributeSyntax attribute)
        {
            if (list.Attributes.Count > 1)
            {
                var remaining = list.Attributes.Remove(attribute);
                var last = remaining.Last();
                // Keep the list's closing bracket where it was ("[Linear(64, 10), Softmax]" → "[Linear(64, 10)]").
                return root.ReplaceNode(list, list.WithAttributes(remaining.Replace(last, last.WithoutTrailingTrivia())));
            }

            return root.RemoveNode(list, SyntaxRemoveOptions.KeepNoTrivia | SyntaxRemoveOptions.KeepDirectives)!;
        }
    }
}
