using System.Linq;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// How the generator finds networks: one syntax provider over each file's attributed classes, resolved
/// semantically (it replaced one ForAttributeWithMetadataName pipeline per attribute kind). These are the
/// cases that change could have broken: aliases and qualified names, several networks in one file, a partial
/// class declared twice in one file, and attributed classes that are not networks.
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
}
