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
