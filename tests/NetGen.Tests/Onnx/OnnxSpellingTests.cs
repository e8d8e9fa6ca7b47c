using System.Linq;
using NetGen.Generator.Catalog;
using NetGen.Generator.Emit.Onnx;
using Xunit;

namespace NetGen.Tests.Onnx;

/// <summary>Every catalogue entry is spelled in ONNX: a new layer without an ONNX spelling fails here.</summary>
public class OnnxSpellingTests
{
    [Fact]
    public void Every_catalogue_layer_has_an_onnx_spelling()
    {
        var layers = LayerCatalog.All.Where(d => d.Role != LayerRole.Input).Select(d => d.AttributeName).ToList();
        var missing = layers.Where(name => !OnnxSpellings.ByKind.ContainsKey(name)).ToList();

        Assert.True(missing.Count == 0, "No ONNX spelling for: " + string.Join(", ", missing));
        Assert.Equal(layers.Count, OnnxSpellings.ByKind.Count);
    }
}
