using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator;

namespace NetGen.Benchmarks.Generator;

/// <summary>
/// Source text for N network classes, one per file as users write them, plus one unrelated file, and the
/// in-memory compilation and driver the generator-cost measurements share (real compiler, .NET 10
/// reference assemblies, TorchSharp and NetGen.Attributes).
/// </summary>
public static class NetworkSources
{
    /// <summary>The tracking name of the generator's model step (<c>NetGen.Generator.TrackingNames.Network</c>, internal).</summary>
    public const string NetworkStep = "NetGen.Network";

    public const string UnrelatedFile = "Program.cs";

    public static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(NetGen.LinearAttribute).Assembly.Location))
            .ToImmutableArray();

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>
    /// Network <paramref name="index"/>: alternately a SimpleNet-like (7 layers, BatchNorm) and a DeepNet-like
    /// (9 layers, clipping) declaration, with sizes that differ per class so no two models are equal.
    /// </summary>
    public static string Network(int index, int sizeOffset = 0)
    {
        var n = (index + sizeOffset + 1).ToString(CultureInfo.InvariantCulture);
        return index % 2 == 0
            ? $$"""
                using NetGen;
                namespace Bench;
                [Linear({{n}}, 300), ReLU, BatchNorm]
                [Linear(300, 100), ReLU, BatchNorm]
                [Linear(100, 10)]
                public partial class Net{{index}};
                """
            : $$"""
                using NetGen;
                namespace Bench;
                [Linear({{n}}, 64), ReLU]
                [Linear(64), ReLU]
                [Linear(64), ReLU]
                [Linear(64), ReLU]
                [Linear(1)]
                [ClipGradNorm(1.0)]
                public partial class Net{{index}};
                """;
    }

    public static string Unrelated(int version) =>
        $"namespace Bench; public static class Program {{ public static int Version => {version}; public static void Main() {{ }} }}";

    public static SyntaxTree[] Trees(int networks) =>
        Enumerable.Range(0, networks)
            .Select(i => CSharpSyntaxTree.ParseText(Network(i), ParseOptions, path: $"Net{i}.cs"))
            .Append(CSharpSyntaxTree.ParseText(Unrelated(0), ParseOptions, path: UnrelatedFile))
            .ToArray();

    public static CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create(
            "Bench",
            trees,
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));

    /// <summary>
    /// The generator the measurements drive: this build's <see cref="NetworkGenerator"/>, or, after
    /// <see cref="UseGeneratorAssembly"/>, the one in another build of NetGen.Generator.dll (to compare two
    /// versions of the generator on the same machine and compiler).
    /// </summary>
    public static Func<IIncrementalGenerator> CreateGenerator { get; private set; } = () => new NetworkGenerator();

    /// <summary>Drives the NetworkGenerator of <paramref name="path"/> (loaded in its own load context) instead of this build's.</summary>
    public static void UseGeneratorAssembly(string path)
    {
        var context = new System.Runtime.Loader.AssemblyLoadContext("generator-under-test");
        var assembly = context.LoadFromAssemblyPath(System.IO.Path.GetFullPath(path));
        var type = assembly.GetType(typeof(NetworkGenerator).FullName!) ?? throw new InvalidOperationException($"{path} has no {typeof(NetworkGenerator).FullName}");
        CreateGenerator = () => (IIncrementalGenerator)Activator.CreateInstance(type)!;
    }

    public static GeneratorDriver Driver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { CreateGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Replaces the text of the file at <paramref name="path"/> in <paramref name="compilation"/>.</summary>
    public static Compilation Edit(Compilation compilation, string path, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(newText)));
    }

    /// <summary>How many network models the last run produced anew (New or Modified), and how many it reused.</summary>
    public static (int Regenerated, int Reused) CountSteps(GeneratorDriver driver)
    {
        var reasons = driver.GetRunResult().Results.Single().TrackedSteps.TryGetValue(NetworkStep, out var steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToList()
            : throw new InvalidOperationException($"the generator reported no '{NetworkStep}' step; was it renamed?");
        return (
            reasons.Count(r => r is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified),
            reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }
}
