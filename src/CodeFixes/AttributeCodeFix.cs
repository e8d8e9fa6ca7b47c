using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NetGen.CodeFixes
{
    /// <summary>One edit a fix offers: its title in the light bulb, its equivalence key (Fix All groups by it), and the new root.</summary>
    public sealed record AttributeFix(string Title, string Key, Func<SyntaxNode, SyntaxNode> Apply);

    /// <summary>
    /// The shape shared by the fixes that rewrite the attribute a diagnostic points at: find the attribute, ask the
    /// subclass what it would do with it, register each edit with Fix All (batched: edits in different attributes merge).
    /// </summary>
    public abstract class AttributeCodeFix : CodeFixProvider
    {
        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (AttributeEdits.AttributeAt(root, diagnostic.Location) is not { } attribute)
                {
                    continue;
                }

                foreach (var fix in Fixes(root, diagnostic, attribute))
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(fix.Title, ct => Task.FromResult(context.Document.WithSyntaxRoot(fix.Apply(root))), fix.Key),
                        diagnostic);
                }
            }
        }

        /// <summary>The edits this fix offers for <paramref name="attribute"/>, the attribute the diagnostic is reported at.</summary>
        protected abstract IEnumerable<AttributeFix> Fixes(SyntaxNode root, Diagnostic diagnostic, AttributeSyntax attribute);
    }
}
