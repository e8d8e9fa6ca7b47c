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
    /// <summary>
    /// NG0001 fixes. The diagnostic carries the run's saturating activations and the Linear layers that feed an
    /// activation as additional locations (<see cref="DiagnosticProperties.SaturatingCount"/> says where one list
    /// ends), so each fix edits the whole run: replace its Sigmoid/Tanh layers with ReLU, or put a BatchNorm after
    /// each of its Linear or convolution layers.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(VanishingGradientCodeFixes)), Shared]
    public sealed class VanishingGradientCodeFixes : CodeFixProvider
    {
        public const string ReplaceWithReLUKey = "NetGen.NG0001.ReplaceWithReLU";
        public const string ReplaceWithLeakyReLUKey = "NetGen.NG0001.ReplaceWithLeakyReLU";
        public const string InsertBatchNormKey = "NetGen.NG0001.InsertBatchNorm";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NG0001");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                var (saturating, linears) = Split(diagnostic);
                if (saturating.Count > 0)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            saturating.Count == 1 ? "Replace the saturating activation with ReLU" : $"Replace the run's {saturating.Count} saturating activations with ReLU",
                            ct => Edit(context.Document, saturating, a => new[] { AttributeEdits.Rename(a, "ReLU") }, ct),
                            ReplaceWithReLUKey),
                        diagnostic);

                    // LeakyReLU keeps a small gradient (slope 0.01) where ReLU's is zero, so no unit can die.
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            saturating.Count == 1 ? "Replace the saturating activation with LeakyReLU" : $"Replace the run's {saturating.Count} saturating activations with LeakyReLU",
                            ct => Edit(context.Document, saturating, a => new[] { AttributeEdits.Rename(a, "LeakyReLU") }, ct),
                            ReplaceWithLeakyReLUKey),
                        diagnostic);
                }

                if (linears.Count > 0)
                {
                    // BatchNorm picks BatchNorm1d or BatchNorm2d from its input's rank, so one attribute fits after a Linear
                    // and after a convolution alike; the title names the layers it goes after.
                    var kinds = diagnostic.Properties.TryGetValue(DiagnosticProperties.AffineKinds, out var written) && !string.IsNullOrEmpty(written) ? written : "Linear";
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            linears.Count == 1 ? $"Insert BatchNorm after the {kinds} layer" : $"Insert BatchNorm after each of the run's {linears.Count} {kinds} layers",
                            ct => Edit(context.Document, linears, a => new[] { a, AttributeEdits.Bare("BatchNorm") }, ct),
                            InsertBatchNormKey),
                        diagnostic);
                }
            }

            return Task.CompletedTask;
        }

        private static (List<Location> Saturating, List<Location> Linears) Split(Diagnostic diagnostic)
        {
            var count = diagnostic.Properties.TryGetValue(DiagnosticProperties.SaturatingCount, out var text) &&
                int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
            var locations = diagnostic.AdditionalLocations;
            count = System.Math.Min(count, locations.Count);
            return (locations.Take(count).ToList(), locations.Skip(count).ToList());
        }

        /// <summary>Replaces each attribute at <paramref name="locations"/> by the attributes <paramref name="replace"/> makes of it.</summary>
        private static async Task<Document> Edit(
            Document document,
            IReadOnlyList<Location> locations,
            System.Func<AttributeSyntax, IReadOnlyList<AttributeSyntax>> replace,
            CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            var targets = new HashSet<AttributeSyntax>(locations
                .Where(l => l.SourceTree == root.SyntaxTree)
                .Select(l => AttributeEdits.AttributeAt(root, l))
                .Where(a => a is not null)
                .Cast<AttributeSyntax>());
            var lists = targets.Select(a => a.Parent).OfType<AttributeListSyntax>().Distinct().ToList();
            var newRoot = root.ReplaceNodes(lists, (original, _) => AttributeEdits.Rebuild(original, targets, replace));
            return document.WithSyntaxRoot(newRoot);
        }
    }
}
