using System.Linq;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// How the generator finds networks: one syntax provider over the attributed classes whose attribute names could
/// be NetGen's (a catalogue name, qualified or not, or a using alias), resolved semantically. These are the cases
/// that filter could get wrong: aliases (file, namespace block, global, in another file), qualified and
/// alias-qualified names, several networks in one file, a partial class declared twice, attributed classes that
/// are not networks, and look-alike attributes of another namespace.
/// </summary>
public class NetworkDiscoveryTests
{
    [Fact]
    public void Aliased_and_qualified_attributes_make_a_network()
    {
        var run = GeneratorHarness.Run("""
            using Dense = NetGen.LinearAttribute;
            namespace Tests;
            [Dense(4, 8), NetGen.ReLU, NetGen.LinearAttribute(2)]
            public partial class Aliased;
            """);

        Assert.Equal(new[] { "Tests.Aliased.g.cs" }, run.GeneratedSources.Select(s => s.HintName));
        Assert.Empty(run.CompilerDiagnostics);
        var summary = run.GeneratedSources[0].Text;
        Assert.Contains("new(\"fc1\", \"Linear\", new long[] { 8 }, 40, true", summary);
        Assert.Contains("new(\"fc2\", \"Linear\", new long[] { 2 }, 18, true", summary);
    }

    [Fact]
    public void Every_network_of_a_file_is_generated_once_and_other_attributed_classes_are_not()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using NetGen;
            namespace Tests;
            [Linear(3, 5), Tanh, Linear(1)]
            public partial class First;

            [Serializable, Obsolete("not a network")]
            public class NotANetwork { }

            [Linear(6, 4)]
            public partial class Split;
            public partial class Split { public int Extra; }
            """);

        Assert.Equal(
            new[] { "Tests.First.g.cs", "Tests.Split.g.cs" },
            run.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, System.StringComparer.Ordinal));
        Assert.Empty(run.CompilerDiagnostics);
    }

    [Fact]
    public void Global_aliases_in_another_file_and_aliases_in_a_namespace_block_make_networks()
    {
        var run = GeneratorHarness.Run(
            """
            global using Dense = NetGen.LinearAttribute;
            global using Act = NetGen.TanhAttribute;
            """,
            """
            namespace Tests
            {
                using Norm = NetGen.BatchNormAttribute;

                [Dense(4, 8), Norm, Act, Dense(1)]
                public partial class GloballyAliased;
            }
            """);

        Assert.Equal(new[] { "Tests.GloballyAliased.g.cs" }, run.GeneratedSources.Select(s => s.HintName));
        Assert.Empty(run.CompilerDiagnostics);
        var summary = run.GeneratedSources[0].Text;
        Assert.Contains("new(\"fc1\", \"Linear\", new long[] { 8 }, 40, true", summary);
        Assert.Contains("new(\"bn1\", \"BatchNorm\", new long[] { 8 }, 16, true", summary);
        Assert.Contains("new(\"fc2\", \"Linear\", new long[] { 1 }, 9, true", summary);
    }

    [Fact]
    public void Global_qualified_and_namespace_alias_names_make_a_network()
    {
        var run = GeneratorHarness.Run("""
            using NG = NetGen;
            namespace Tests;
            [global::NetGen.Linear(4, 8), NG.ReLU, NG::LinearAttribute(3)]
            public partial class Qualified;
            """);

        Assert.Equal(new[] { "Tests.Qualified.g.cs" }, run.GeneratedSources.Select(s => s.HintName));
        Assert.Empty(run.CompilerDiagnostics);
        Assert.Contains("new(\"fc2\", \"Linear\", new long[] { 3 }, 27, true", run.GeneratedSources[0].Text);
    }

    [Fact]
    public void Look_alike_attributes_of_another_namespace_make_no_network()
    {
        var run = GeneratorHarness.Run("""
            using System;
            namespace Other
            {
                [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
                public sealed class LinearAttribute : Attribute { public LinearAttribute(int a, int b) { } }
            }

            namespace Tests
            {
                using Dense = Other.LinearAttribute;
                [Other.Linear(4, 8)]
                public partial class NotNetGen;

                [Dense(4, 8)]
                public partial class AliasedNotNetGen;
            }
            """);

        Assert.Empty(run.GeneratedSources);
        Assert.Empty(run.CompilerDiagnostics);
    }
}
