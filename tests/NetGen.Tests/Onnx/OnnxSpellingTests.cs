using System.Linq;
using NetGen.Generator.Catalog;
using NetGen.Generator.Emit.Onnx;
using NetGen.Onnx;
using Xunit;

namespace NetGen.Tests.Onnx;

/// <summary>
/// Every catalogue entry is spelled in ONNX, except the kinds listed here as not spelled yet: a new layer without an
/// ONNX spelling fails here unless it is added to that list, and a network using one gets no ONNX graph.
/// </summary>
public class OnnxSpellingTests
{
    /// <summary>Catalogue kinds the ONNX target does not spell yet; networks using them (or a residual Shortcut) are not exportable.</summary>
    private static readonly string[] NotSpelledYet = { "Embedding", "PositionalEmbedding", "MultiheadAttention", "TransformerEncoderLayer", "MeanPool", "Branches" };

    [Fact]
    public void Every_catalogue_layer_has_an_onnx_spelling()
    {
        var layers = LayerCatalog.All.Where(d => d.Role != LayerRole.Input).Select(d => d.AttributeName).ToList();
        var missing = layers.Where(name => !OnnxSpellings.ByKind.ContainsKey(name)).ToList();

        Assert.Equal(NotSpelledYet.OrderBy(n => n, System.StringComparer.Ordinal), missing.OrderBy(n => n, System.StringComparer.Ordinal));
        Assert.Equal(layers.Count - NotSpelledYet.Length, OnnxSpellings.ByKind.Count);
    }

    [Theory]
    [InlineData(nameof(NetGen.Tests.Catalog.EveryTextLayerNet))]
    [InlineData(nameof(NetGen.Tests.Catalog.V21ProjectedResidual))]
    [InlineData(nameof(NetGen.Tests.Catalog.V22Branches))]
    public void A_network_with_a_kind_not_spelled_yet_gets_no_graph_and_export_says_why(string networkName)
    {
        var type = typeof(OnnxSpellingTests).Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        Assert.False(typeof(NetGen.Onnx.IOnnxExportable).IsAssignableFrom(type));
        using var module = (TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>)System.Activator.CreateInstance(type)!;
        var error = Assert.Throws<System.ArgumentException>(() => module.ToOnnxBytes());
        Assert.Contains("not yet those using Embedding", error.Message, System.StringComparison.Ordinal);
    }
}
