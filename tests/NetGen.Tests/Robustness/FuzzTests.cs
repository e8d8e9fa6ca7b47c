using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator;
using NetGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace NetGen.Tests.Robustness;

/// <summary>
/// 10,000 random declarations (<see cref="RandomDeclarations"/>), 100 classes per compilation, through the real
/// generator and every analyzer: neither may throw (CS8785, AD0001), and every declaration the compiler or the
/// parser rejects must carry at least one NG error. Declarations with C# syntax errors are only checked for
/// crashes: the compiler's own message is the right one there.
/// </summary>
public class FuzzTests
{
    private const int Compilations = 100;
    private const int ClassesPerCompilation = 100;

    /// <summary>Documentation comments are not what is under test; not parsing them saves a fifth of the time.</summary>
    private static readonly CSharpParseOptions ParseOptions = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.None);

    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Random_declarations_never_crash_and_every_invalid_one_gets_an_NG_error()
    {
        // One compilation's references, bound once and shared by every batch.
        var empty = GeneratorHarness.Compile("namespace Empty { }");
        var results = new ConcurrentBag<BatchResult>();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, Compilations),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (batch, _) =>
            {
                var ns = "Fuzz" + batch.ToString(CultureInfo.InvariantCulture);
                var source = new RandomDeclarations(seed: 5000 + batch).File(ns, batch * ClassesPerCompilation, ClassesPerCompilation);
                var result = await Check(empty, source);
                results.Add(result with { Failures = result.Failures.Select(f => $"{ns}: {f}").ToList() });
            });

        var totals = results.SelectMany(r => r.Counts).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
        var failures = results.SelectMany(r => r.Failures).ToList();
        _output.WriteLine(string.Join(", ", totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n\n" + string.Join("\n\n", failures.Take(20)));
        Assert.Equal(Compilations * ClassesPerCompilation, totals["declarations"]);
        // The generator must have had real work: many valid networks generated, and many invalid ones.
        Assert.True(totals["generated"] > 2000, $"only {totals["generated"]} declarations were generated");
        Assert.True(totals["rejected by the parser"] > 4000, $"only {totals["rejected by the parser"]} were rejected");
        Assert.True(totals["shells"] > 2000, $"only {totals["shells"]} invalid declarations got a shell");
    }

    private sealed record BatchResult(Dictionary<string, int> Counts, List<string> Failures);

    private static async Task<BatchResult> Check(Compilation empty, string source)
    {
        var failures = new List<string>();
        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Source0.cs");
        var compilation = empty.RemoveAllSyntaxTrees().AddSyntaxTrees(tree);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        foreach (var result in driver.GetRunResult().Results.Where(r => r.Exception is not null))
        {
            failures.Add("generator threw " + result.Exception);
        }

        failures.AddRange(generatorDiagnostics.Where(d => d.Id == "CS8785").Select(d => d.ToString()));

        // Compiler and analyzer diagnostics in one pass over the compilation.
        var exceptions = new ConcurrentBag<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, analyzer, diagnostic) => exceptions.Add(exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var diagnostics = await output.WithAnalyzers(GeneratorHarness.AllAnalyzers, options).GetAllDiagnosticsAsync();
        failures.AddRange(exceptions.Select(e => "analyzer threw " + e));
        failures.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.ToString()));

        var syntaxErrors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => ClassOf(d.Location)).ToHashSet();
        var netGen = diagnostics.Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal)).ToList();
        var compilerErrors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", StringComparison.Ordinal)).ToList();
        var ngErrors = netGen
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .GroupBy(d => ClassOf(d.Location) ?? -1)
            .ToDictionary(g => g.Key, g => g.ToList());
        var generatedTrees = driver.GetRunResult().GeneratedTrees;
        var generated = generatedTrees.Select(t => ClassOf(Location.Create(t, default))).ToHashSet();
        // Invalid declarations get a shell (Emit/ShellEmitter) that must compile: its errors would be the user's cascade.
        var shellTrees = generatedTrees.Where(t => t.GetText().ToString().Contains("[global::System.Obsolete(\"NG01", StringComparison.Ordinal)).ToHashSet();
        var shells = shellTrees.Select(t => ClassOf(Location.Create(t, default))).ToHashSet();
        failures.AddRange(compilerErrors.Where(e => e.Location.SourceTree is { } t && shellTrees.Contains(t)).Select(e => "a shell does not compile: " + e));

        var declarations = tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Select(c => Index(c.Identifier.ValueText))
            .Where(i => i is not null)
            .Distinct()
            .ToList();
        foreach (var error in compilerErrors)
        {
            var index = ClassOf(error.Location);
            if (index is null)
            {
                failures.Add("an error outside every declaration: " + error);
            }
            else if (!syntaxErrors.Contains(index) && !ngErrors.ContainsKey(index.Value))
            {
                failures.Add($"Net{index} is rejected by the compiler but has no NG error: {error}\n{Declaration(tree, index.Value)}");
            }
        }

        var counts = new Dictionary<string, int>
        {
            ["declarations"] = declarations.Count,
            ["generated"] = generated.Except(shells).Count(),
            ["shells"] = shells.Count,
            ["rejected by the parser"] = ngErrors.Count,
            ["rejected by the compiler"] = compilerErrors.Select(e => ClassOf(e.Location)).Distinct().Count(),
            ["with syntax errors"] = syntaxErrors.Count,
            ["NG warnings and infos"] = netGen.Count(d => d.Severity < DiagnosticSeverity.Error),
        };
        return new BatchResult(counts, failures);
    }

    /// <summary>The declaration a location belongs to: the outermost type around it in the source, or the generated file's name.</summary>
    private static int? ClassOf(Location location)
    {
        if (location.SourceTree is not { } tree)
        {
            return null;
        }

        if (tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
        {
            return Index(Path.GetFileName(tree.FilePath).Split('.')[1]);
        }

        var node = tree.GetRoot().FindToken(location.SourceSpan.Start).Parent;
        var outermost = node?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().LastOrDefault();
        return outermost is null ? null : Index(outermost.Identifier.ValueText);
    }

    private static int? Index(string name)
    {
        var match = Regex.Match(name, @"^(?:Outer)?Net(\d+)$");
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static string Declaration(SyntaxTree tree, int index) =>
        string.Join("\n", tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>()
            .Where(t => t.Parent is not TypeDeclarationSyntax && Index(t.Identifier.ValueText) == index)
            .Select(t => t.ToFullString().Trim()));
}
