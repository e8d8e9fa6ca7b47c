using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator;
using NetGen.Generator.Analyzers;

namespace NetGen.Tests.Infrastructure;

/// <summary>
/// Runs the real generator and analyzers on source text with the real C# compiler, against the
/// .NET 10 reference assemblies, TorchSharp and NetGen's own assemblies.
/// </summary>
public static class GeneratorHarness
{
    public static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(NetGen.LinearAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(NetGen.NetworkSummary).Assembly.Location))
            .ToImmutableArray();

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "NetGen.UserCode",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                // The SDK suppresses these assembly-unification notes too.
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));

    public static GeneratorRun Run(params string[] sources) =>
        Run(ImmutableArray.Create<DiagnosticAnalyzer>(new NetworkDeclarationAnalyzer()), sources);

    /// <summary>Every analyzer NetGen ships.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers =>
        ImmutableArray.Create<DiagnosticAnalyzer>(new NetworkDeclarationAnalyzer(), new GradientRiskAnalyzer());

    public static GeneratorRun Run(ImmutableArray<DiagnosticAnalyzer> analyzers, params string[] sources)
    {
        var compilation = Compile(sources);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var analyzerDiagnostics = output
            .WithAnalyzers(analyzers)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None).Result;
        return new GeneratorRun(driver, output, generatorDiagnostics, analyzerDiagnostics);
    }
}

public sealed record GeneratorRun(
    GeneratorDriver Driver,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> AnalyzerDiagnostics)
{
    public GeneratorDriverRunResult Result => Driver.GetRunResult();

    public IReadOnlyList<(string HintName, string Text)> GeneratedSources =>
        Result.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();

    /// <summary>Every diagnostic of the final compilation (user code plus generated code), warnings included.</summary>
    public IReadOnlyList<Diagnostic> CompilerDiagnostics =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
}
