using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace NetGen.Tests.Infrastructure;

/// <summary>
/// Runs a code fix with Roslyn's code-fix testing framework: the diagnostics in <c>source</c> (markup) must be
/// reported, applying the fix (chosen by its equivalence key) one diagnostic at a time and through Fix All in
/// document, project and solution scope must each give <c>fixedSource</c>, whose own diagnostics are in its markup.
/// </summary>
public static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected) =>
        VerifyWithTitleAsync(source, fixedSource, equivalenceKey, null, expected);

    /// <summary>As <see cref="VerifyAsync"/>, and the applied code action's title must be <paramref name="title"/> (when not null).</summary>
    public static Task VerifyWithTitleAsync(string source, string fixedSource, string equivalenceKey, string? title, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        if (title is not null)
        {
            test.CodeActionVerifier = (action, verifier) => verifier.Equal(title, action.Title);
        }

        test.TestState.AdditionalReferences.AddRange(GeneratorHarness.References);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
