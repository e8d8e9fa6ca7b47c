using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// The pipeline's models compare by value, so an edit that does not touch a network leaves its
/// step Cached (nothing is regenerated), and an edit to one network regenerates only that one.
/// </summary>
public class IncrementalCachingTests
{
    private const string Networks = """
        using NetGen;
        namespace Tests;
        [Linear(4, 8), ReLU, BatchNorm]
        [Linear(8, 2)]
        public partial class First;

        [Linear(3, 5), Tanh, Linear(5, 1)]
        [ClipGradNorm(0.5)]
        public partial class Second;
        """;

    [Fact]
    public void An_unrelated_edit_regenerates_nothing()
    {
        var run = GeneratorHarness.Run(Networks);
        var edited = UserCompilation(run).AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Tests; public class Unrelated { public int X; }", GeneratorHarness.ParseOptions));

        var reasons = RerunReasons(run, edited);
        Assert.Equal(2, reasons.Length);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Editing_one_network_regenerates_only_that_network()
    {
        var run = GeneratorHarness.Run(Networks);
        var user = UserCompilation(run);
        var tree = user.SyntaxTrees.Single();
        var edited = user.ReplaceSyntaxTree(
            tree,
            tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Networks.Replace("Linear(5, 1)", "Linear(5, 2)"))));

        var reasons = RerunReasons(run, edited);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    [Fact]
    public void Pipeline_models_hold_no_symbols_syntax_or_compilations()
    {
        var run = GeneratorHarness.Run(Networks);
        var outputs = run.Result.Results.Single().TrackedSteps[NetGen.Generator.TrackingNames.Network]
            .SelectMany(step => step.Outputs)
            .Select(o => o.Value)
            .ToList();
        Assert.Equal(2, outputs.Count);
        foreach (var value in outputs)
        {
            ObjectGraph.AssertHoldsNo<ISymbol>(value);
            ObjectGraph.AssertHoldsNo<SyntaxNode>(value);
            ObjectGraph.AssertHoldsNo<Compilation>(value);
            ObjectGraph.AssertHoldsNo<Location>(value);
        }
    }

    /// <summary>
    /// The Roslyn behaviour docs/architecture.md weighs the generator's single syntax provider against: a
    /// <c>ForAttributeWithMetadataName</c> transform runs again for every matched class after an edit to an unrelated
    /// file (its matches are combined with the compilation), just as a <c>CreateSyntaxProvider</c> transform does.
    /// </summary>
    [Fact]
    public void A_ForAttributeWithMetadataName_transform_runs_again_after_an_unrelated_edit()
    {
        var generator = new CountingAttributeGenerator();
        var compilation = GeneratorHarness.Compile(Networks);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { generator.AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
        driver = driver.RunGenerators(compilation);
        Assert.Equal(2, generator.Transforms);

        driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Tests; public class Unrelated { }", GeneratorHarness.ParseOptions)));
        Assert.Equal(4, generator.Transforms);
    }

    private sealed class CountingAttributeGenerator : IIncrementalGenerator
    {
        public int Transforms;

        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            context.RegisterSourceOutput(
                context.SyntaxProvider.ForAttributeWithMetadataName(
                    "NetGen.LinearAttribute",
                    static (node, _) => true,
                    (ctx, _) =>
                    {
                        System.Threading.Interlocked.Increment(ref Transforms);
                        return ctx.TargetSymbol.Name;
                    }),
                static (_, _) => { });
    }

    /// <summary>
    /// The compilation the driver was given: what a compiler or an editor hands it on the next run too (the user's
    /// files, never the generated ones as sources).
    /// </summary>
    private static Compilation UserCompilation(GeneratorRun run) => run.Output.RemoveSyntaxTrees(run.Result.GeneratedTrees);

    private static IncrementalStepRunReason[] RerunReasons(GeneratorRun run, Compilation edited)
    {
        var driver = run.Driver.RunGenerators(edited);
        return driver.GetRunResult().Results.Single()
            .TrackedSteps[NetGen.Generator.TrackingNames.Network]
            .SelectMany(step => step.Outputs)
            .Select(o => o.Reason)
            .ToArray();
    }
}
