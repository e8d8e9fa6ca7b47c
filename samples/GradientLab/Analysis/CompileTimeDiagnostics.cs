using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace NetGen.GradientLab.Analysis;

/// <summary>One NetGen diagnostic on a network declaration.</summary>
/// <param name="Id">The id, such as <c>NG0001</c>.</param>
/// <param name="Severity">Error, Warning or Info.</param>
/// <param name="Message">The message as the compiler prints it.</param>
/// <param name="Line">The 1-based line in Variants.cs.</param>
/// <param name="NetworkClass">The class whose declaration it is reported on.</param>
public sealed record CompileTimeDiagnostic(string Id, string Severity, string Message, int Line, string NetworkClass);

/// <summary>
/// Runs NetGen's generator and analyzers on the source of Variants.cs, in process, with the real C# compiler,
/// exactly as the build runs them: the same analyzer assembly the build used (NetGen.Generator.dll, copied
/// next to the program), every <see cref="DiagnosticAnalyzer"/> and generator it contains (found the way the
/// compiler finds them, by their attributes, so analyzers added later are picked up without a change here),
/// and the source the program was built from (embedded as a resource). Severities configured in an
/// .editorconfig are not applied: the analyzers' defaults are shown.
/// </summary>
public static class CompileTimeDiagnostics
{
    /// <summary>The manifest name of the embedded Variants.cs.</summary>
    public const string VariantsResource = "NetGen.GradientLab.Variants.cs";

    /// <summary>The source of Variants.cs that this program was compiled from.</summary>
    public static string VariantsSource()
    {
        using var stream = typeof(CompileTimeDiagnostics).Assembly.GetManifestResourceStream(VariantsResource)
            ?? throw new InvalidOperationException($"the program has no embedded resource {VariantsResource}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The NetGen diagnostics (ids starting with NG) reported on <paramref name="source"/>, grouped by class.</summary>
    /// <param name="source">C# source declaring NetGen networks.</param>
    /// <param name="cancellationToken">Cancels the analysis.</param>
    public static IReadOnlyList<CompileTimeDiagnostic> Analyze(string source, CancellationToken cancellationToken = default)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Variants.cs", cancellationToken: cancellationToken);
        var compilation = CSharpCompilation.Create(
            "GradientLabVariants",
            [tree],
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var netgen = Assembly.Load("NetGen.Generator");
        var types = netgen.GetTypes().Where(t => t is { IsAbstract: false, IsClass: true }).ToArray();
        var analyzers = types
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var generators = types
            .Where(t => typeof(IIncrementalGenerator).IsAssignableFrom(t) && t.GetCustomAttributes<GeneratorAttribute>().Any())
            .Select(t => ((IIncrementalGenerator)Activator.CreateInstance(t)!).AsSourceGenerator())
            .ToArray();

        // Generated code first, as in a build: analyzers then see the networks' generated members too.
        CSharpGeneratorDriver.Create(generators, parseOptions: (CSharpParseOptions)tree.Options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var withGenerated, out var generatorDiagnostics, cancellationToken);
        var analyzerDiagnostics = analyzers.IsEmpty
            ? ImmutableArray<Diagnostic>.Empty
            : withGenerated.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(AnalyzerOptions(), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false))
                .GetAnalyzerDiagnosticsAsync(cancellationToken).GetAwaiter().GetResult();

        var root = tree.GetRoot(cancellationToken);
        return generatorDiagnostics.Concat(analyzerDiagnostics)
            .Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal) && d.Severity != DiagnosticSeverity.Hidden && d.Location.SourceTree == tree)
            .Select(d => new CompileTimeDiagnostic(
                d.Id,
                d.Severity.ToString(),
                d.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
                d.Location.GetLineSpan().StartLinePosition.Line + 1,
                ClassAt(root, d.Location)))
            .Distinct()
            .OrderBy(d => d.Line).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToArray();
    }

    private static AnalyzerOptions AnalyzerOptions() => new([]);

    /// <summary>The class whose declaration (attributes included) contains <paramref name="location"/>.</summary>
    private static string ClassAt(SyntaxNode root, Location location) =>
        root.FindNode(location.SourceSpan, getInnermostNodeForTie: true)
            .AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault()?.Identifier.Text ?? "";

    /// <summary>
    /// The assemblies this process runs on (the .NET libraries, NetGen.Attributes, TorchSharp, ...): everything
    /// Variants.cs and its generated code refer to.
    /// </summary>
    private static IEnumerable<MetadataReference> References()
    {
        var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        // Not this program itself: it holds the compiled variants, which would clash with the source's.
        var self = typeof(CompileTimeDiagnostics).Assembly.Location;
        return trusted
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && File.Exists(p) && !string.Equals(p, self, StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p));
    }
}
