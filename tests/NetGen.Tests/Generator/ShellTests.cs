using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// A class whose declaration has an error gets a shell: every use of it in the user's code is CS0619 carrying the NG
/// message (what editors without analyzers show), never CS0117/CS1061 about members that were not generated.
/// </summary>
public class ShellTests
{
    private const string WrongNetwork = """
        using NetGen;
        namespace App;

        [Linear(784, 64), ReLU]
        [Linear(62, 3)]
        [Loss(LossFunction.CrossEntropy), ClipGradNorm(1.0), ClipGradValue(0.5), GradientMonitor]
        public partial class Classifier;
        """;

    private const string Expected =
        "NG0101: fc2 (Linear) expects 62 input features, but the previous layer relu1 outputs 64; write [Linear(64, 3)] or change the previous layer (Source0.cs, line 5)";

    /// <summary>
    /// Every public member the valid network would have, used the ways users use them; of the layer fields, those of
    /// the layers that resolved (fc1: the failing fc2 has no module type to declare).
    /// </summary>
    private const string Program = """
        using System;
        using TorchSharp;
        using static TorchSharp.torch;
        namespace App;

        public static class Program
        {
            public static void Main()
            {
                Console.WriteLine(Classifier.Summary);
                Classifier model = new Classifier();
                var fresh = new Classifier();
                Console.WriteLine(model.fc1.weight!.shape[0] + fresh.fc1.bias!.shape[0]);
                using var input = torch.randn(8, 784);
                using var target = torch.zeros(8, torch.int64);
                var output = model.forward(input);
                output = model.forward(input, observeLayer: (name, x) => Console.WriteLine(name));
                var optimizer = torch.optim.Adam(model.parameters());
                var a = model.TrainStep(optimizer, input, target);
                var b = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), input, target);
                var c = model.TrainStep(optimizer, torch.nn.CrossEntropyLoss(), input, target);
                var loss = model.Loss(output, target);
                double norm = model.ClipGradients();
                model.ClipGradientValues();
                Console.WriteLine(model.Monitor.Latest);
                Console.WriteLine(model.Trainer);
                Use(model);
            }

            private static void Use(Classifier network) => network.train();
        }
        """;

    [Fact]
    public void Every_use_of_an_invalid_network_is_an_error_carrying_the_NG_message()
    {
        var run = GeneratorHarness.Run(WrongNetwork, Program);
        var shell = Assert.Single(run.GeneratedSources);
        Assert.Equal("App.Classifier.g.cs", shell.HintName);

        Assert.Equal("NG0101", Assert.Single(run.AnalyzerDiagnostics).Id);
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var uses = errors.Select(e => e.Location.GetLineSpan().StartLinePosition.Line).Distinct().Count();
        // Summary, the two constructions, the parameter of Use: each a line of Program.cs that names the class.
        Assert.True(uses >= 4, string.Join("\n", errors));
        Assert.All(errors, e =>
        {
            Assert.Equal("CS0619", e.Id);
            Assert.Equal("Source1.cs", e.Location.SourceTree!.FilePath);
            Assert.Equal($"'Classifier' is obsolete: '{Expected}'", e.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        });
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.ToString()));
    }

    [Fact]
    public void Without_the_shell_the_same_program_gets_the_misleading_cascade()
    {
        // What users saw: no generated code, so every member use is "no definition" and nothing names NG0101.
        var compilation = GeneratorHarness.Compile(WrongNetwork, Program);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Contains(errors, e => e.Id == "CS0117");
        Assert.Contains(errors, e => e.Id == "CS1061");
        Assert.DoesNotContain(errors, e => e.GetMessage().Contains("NG0101", StringComparison.Ordinal));
    }

    [Fact]
    public void Reached_by_reflection_the_shell_throws_with_the_same_message()
    {
        var run = GeneratorHarness.Run(WrongNetwork);
        using var image = new MemoryStream();
        var emitted = run.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var context = new AssemblyLoadContext("shell", isCollectible: true);
        try
        {
            image.Position = 0;
            var type = context.LoadFromStream(image).GetType("App.Classifier")!;
            var obsolete = type.GetCustomAttribute<ObsoleteAttribute>()!;
            Assert.True(obsolete.IsError);
            Assert.Equal(Expected, obsolete.Message);

            var construction = Assert.Throws<TargetInvocationException>(() => Activator.CreateInstance(type));
            Assert.Equal(Expected, Assert.IsType<InvalidOperationException>(construction.InnerException).Message);
            var summary = Assert.Throws<TargetInvocationException>(() => type.GetProperty("Summary")!.GetValue(null));
            Assert.Equal(Expected, Assert.IsType<InvalidOperationException>(summary.InnerException).Message);

            var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Select(m => m.Name).Distinct().Order(StringComparer.Ordinal);
            Assert.Equal(
                new[] { ".ctor", "ClipGradientValues", "ClipGradients", "fc1", "forward", "get_Monitor", "get_Summary", "get_Trainer", "Loss", "Monitor", "Summary", "Trainer", "TrainStep" }.Order(StringComparer.Ordinal),
                members);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void The_shell_matches_the_golden_file()
    {
        var run = GeneratorHarness.Run(WrongNetwork);
        GoldenFile.Verify(Assert.Single(run.GeneratedSources).Text, "ClassifierShell");
    }

    [Theory]
    [InlineData("NG0102 not partial", "[Linear(4, 2), Linear(3, 1)] public class Net { }")]
    [InlineData("NG0110 another base class", "[Linear(4, 2), Linear(3, 1)] public partial class Net : System.Exception { }")]
    [InlineData("NG0109 generic", "[Linear(4, 2), Linear(3, 1)] public partial class Net<T> { }")]
    [InlineData("NG0109 nested", "public partial class Outer { [Linear(4, 2), Linear(3, 1)] public partial class Net { } }")]
    [InlineData("NG0109 static", "[Linear(4, 2), Linear(3, 1)] public static partial class Net { }")]
    [InlineData("NG0112 a member with a generated name", "[Linear(4, 2), Linear(3, 1)] public partial class Net { public int Summary; }")]
    [InlineData("NG0120 a constructor that does not call this()", "[Linear(4, 2), Linear(3, 1)] public partial class Net { public Net(int seed) { } }")]
    [InlineData("already obsolete", "[System.Obsolete(\"old\"), Linear(4, 2), Linear(3, 1)] public partial class Net { }")]
    public void No_shell_where_one_could_not_compile(string name, string declaration)
    {
        _ = name;
        var run = GeneratorHarness.Run("using NetGen;\nnamespace Tests;\n" + declaration + "\n");
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        Assert.Empty(run.GeneratedSources);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "CS8785");
        Assert.Contains(run.AnalyzerDiagnostics, d => d.Id.StartsWith("NG01", StringComparison.Ordinal));
    }

    [Fact]
    public void An_option_member_the_user_declared_is_left_to_the_user()
    {
        // The invalid [ClipGradNorm] means the valid network would have no ClipGradients, so NG0112 does not guard it.
        var run = GeneratorHarness.Run("using NetGen;\nnamespace Tests;\n[Linear(4, 2), Linear(3, 1), ClipGradNorm(double.NaN)] public partial class Net { public double ClipGradients() => 0; public double ClipGradients(int scale) => scale; }\n");
        var shell = Assert.Single(run.GeneratedSources).Text;
        Assert.DoesNotContain("ClipGradients", shell, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);

        // A layer named like a shell member keeps the member, not the field.
        run = GeneratorHarness.Run("using NetGen;\nnamespace Tests;\n[Linear(4, 2, Name = \"ClipGradients\"), Linear(3, 1), ClipGradNorm(0)] public partial class Net;\n");
        Assert.Contains("public double ClipGradients()", Assert.Single(run.GeneratedSources).Text, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void A_shell_model_stays_cached_across_an_unrelated_edit()
    {
        const string other = "namespace App; public static class Other { }";
        var run = GeneratorHarness.Run(WrongNetwork, other);
        // The compilation the generator saw (without its own output), as the IDE gives it on the next keystroke.
        var input = GeneratorHarness.Compile(WrongNetwork, other);
        var tree = input.SyntaxTrees.ElementAt(1);
        var edited = input.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("namespace App; public static class Other { public static int X; }")));
        var reasons = run.Driver.RunGenerators(edited).GetRunResult().Results.Single()
            .TrackedSteps[NetGen.Generator.TrackingNames.Network]
            .SelectMany(step => step.Outputs)
            .Select(o => o.Reason)
            .ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is Microsoft.CodeAnalysis.IncrementalStepRunReason.Cached or Microsoft.CodeAnalysis.IncrementalStepRunReason.Unchanged, r.ToString()));
        ObjectGraph.AssertHoldsNo<ISymbol>(run.Result.Results.Single().TrackedSteps[NetGen.Generator.TrackingNames.Network].SelectMany(s => s.Outputs).Single().Value);
    }
}
