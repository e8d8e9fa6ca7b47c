using System.Linq;
using NetGen.Generator.Catalog;
using NetGen.Generator.Emit.Onnx;
using NetGen.Onnx;
using Xunit;

namespace NetGen.Tests.Onnx;

/// <summary>
/// Every catalogue entry is spelled in ONNX (a new layer without an ONNX spelling fails here), and the networks
/// that use the text layers, a projection shortcut or parallel branches get a graph.
/// </summary>
public class OnnxSpellingTests
{
    [Fact]
    public void Every_catalogue_layer_has_an_onnx_spelling()
    {
        var layers = LayerCatalog.All.Where(d => d.Role != LayerRole.Input).Select(d => d.AttributeName).OrderBy(n => n, System.StringComparer.Ordinal).ToList();

        Assert.Equal(layers, OnnxSpellings.ByKind.Keys.OrderBy(n => n, System.StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(nameof(NetGen.Tests.Catalog.EveryTextLayerNet), "Gather", 1)]
    [InlineData(nameof(NetGen.Tests.Catalog.V21ProjectedResidual), "Add", 1)]
    [InlineData(nameof(NetGen.Tests.Catalog.V22Branches), "Concat", 1)]
    public void Text_layers_shortcuts_and_branches_get_a_graph(string networkName, string op, int count)
    {
        var type = typeof(OnnxSpellingTests).Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        Assert.True(typeof(IOnnxExportable).IsAssignableFrom(type));
        using var module = (TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>)System.Activator.CreateInstance(type)!;
        var model = NetGen.Onnx.Proto.ModelProto.Parser.ParseFrom(module.ToOnnxBytes());

        Assert.Equal(count, model.Graph.Node.Count(n => n.OpType == op));
        var stateDict = module.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", System.StringComparison.Ordinal)).OrderBy(k => k, System.StringComparer.Ordinal);
        Assert.Equal(stateDict, model.Graph.Initializer.Select(t => t.Name).Where(n => !n.StartsWith('/')).OrderBy(k => k, System.StringComparer.Ordinal));
    }

    [Fact]
    public void A_token_network_takes_int64_ids_and_needs_opset_17_for_its_encoder_layers()
    {
        using var module = new NetGen.Tests.Catalog.EveryTextLayerNet();
        var model = NetGen.Onnx.Proto.ModelProto.Parser.ParseFrom(module.ToOnnxBytes());
        Assert.Equal((int)NetGen.Onnx.Proto.TensorProto.Types.DataType.Int64, model.Graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal((int)NetGen.Onnx.Proto.TensorProto.Types.DataType.Float, model.Graph.Output[0].Type.TensorType.ElemType);

        var error = Assert.Throws<System.NotSupportedException>(() => module.ToOnnxBytes(new OnnxExportOptions { Opset = 16 }));
        Assert.Contains("enc1 (TransformerEncoderLayer)", error.Message, System.StringComparison.Ordinal);
        Assert.Contains("opset 17", error.Message, System.StringComparison.Ordinal);
    }
}
