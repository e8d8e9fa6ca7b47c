using System;
using System.Linq;
using System.Reflection;
using NetGen.Generator.Catalog;
using NetGen.Generator.Emit.PyTorch;
using NetGen.Tests.Catalog;
using NetGen.Tests.Infrastructure;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Twin;

/// <summary>The PyTorch twin's source: one spelling per catalogue kind, and golden files of what the generator writes.</summary>
public class TwinSourceTests
{
    [Fact]
    public void Every_catalogue_layer_has_a_PyTorch_spelling()
    {
        var kinds = LayerCatalog.All.Where(d => d.Role != LayerRole.Input).Select(d => d.AttributeName).OrderBy(k => k, StringComparer.Ordinal).ToList();
        Assert.Equal(kinds, PyTorchSpellings.ByKind.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(nameof(NetGen.Tests.Catalog.EveryTextLayerNet), "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, layer_norm_eps=1e-05, batch_first=True, norm_first=False)")]
    [InlineData(nameof(NetGen.Tests.Catalog.V21ProjectedResidual), "self.res1.add_module(\"downsample\", HalvingProjection())")]
    [InlineData(nameof(NetGen.Tests.Catalog.V22Branches), "self.branch1 = nn.ModuleList([PointwiseBranch(), SpatialBranch()])")]
    public void Text_layers_shortcuts_and_branches_have_a_twin(string networkName, string spelling)
    {
        var type = typeof(TwinSourceTests).Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        Assert.Contains(spelling, PyTorchTwin.Source(type), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(SimpleNet))]
    [InlineData(typeof(DeepNet))]
    [InlineData(typeof(EveryLayerNet))]
    [InlineData(typeof(EverySequenceLayerNet))]
    [InlineData(typeof(TwinClassifier))]
    [InlineData(typeof(TwinRegressor))]
    public void Twin_source_matches_the_golden_file(Type network)
    {
        GoldenFile.VerifyAs(PyTorchTwin.Source(network), network.Name, ".py");
    }

    [Fact]
    public void The_twin_nests_block_classes_before_their_users_and_exposes_declared_loss_and_clipping()
    {
        var source = PyTorchTwin.Source(typeof(EveryLayerNet));
        Assert.True(source.IndexOf("class ConvBlock(nn.Module):", StringComparison.Ordinal) < source.IndexOf("class EveryLayerNet(nn.Module):", StringComparison.Ordinal));
        Assert.Contains("self.res2 = VectorBlock()", source, StringComparison.Ordinal);
        Assert.Contains("self.res3 = VectorBlock()", source, StringComparison.Ordinal);
        Assert.Contains("x = x + self.res2(x)", source, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(source, "class VectorBlock(nn.Module):"));
        Assert.Contains("LOSS = None", source, StringComparison.Ordinal);

        var classifier = PyTorchTwin.Source(typeof(TwinClassifier));
        Assert.Contains("LOSS = \"cross_entropy\"", classifier, StringComparison.Ordinal);
        Assert.Contains("return F.cross_entropy(output, target)", classifier, StringComparison.Ordinal);
        Assert.Contains("clip_grad_norm_(parameters, 0.5, norm_type=2.0)", classifier, StringComparison.Ordinal);
        Assert.Contains("_initialise(self.fc1, \"KaimingUniform\", \"LeakyReLU\", negative_slope=0.2)", classifier, StringComparison.Ordinal);
        Assert.Contains("_initialise(self.fc2, \"XavierNormal\", \"Tanh\")", classifier, StringComparison.Ordinal);
    }

    [Fact]
    public void A_class_without_generated_code_is_refused_with_its_name()
    {
        var e = Assert.Throws<ArgumentException>(() => PyTorchTwin.Source(typeof(TwinSourceTests)));
        Assert.Contains(nameof(TwinSourceTests), e.Message, StringComparison.Ordinal);
        Assert.Contains("PyTorchSource", e.Message, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}
