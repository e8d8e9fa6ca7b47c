using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Catalog;

/// <summary>
/// The target-neutral part of the model (settings, tensors, blocks) is what the ONNX and PyTorch emitters read,
/// so it must describe exactly the module TorchSharp builds: every state-dict key and shape, no more, no fewer.
/// </summary>
public class NeutralModelTests
{
    private static readonly Lazy<GeneratorRun> Run = new(() => GeneratorHarness.Run(
        GeneratorHarness.AllAnalyzers,
        SourceFiles.Read("Catalog/CatalogNetworks.cs"),
        SourceFiles.Read("Catalog/VariedNetworks.cs")));

    [Theory]
    [MemberData(nameof(SummaryMatchesRuntimeTests.Networks), MemberType = typeof(SummaryMatchesRuntimeTests))]
    public void The_models_tensors_are_the_modules_state_dict(string networkName)
    {
        var model = NetworkParser.Parse(Run.Value.Output.GetTypeByMetadataName("NetGen.Tests.Catalog." + networkName)!, default)!.Model!;
        var expected = StateDict(model, prefix: string.Empty).ToDictionary(t => t.Key, t => t.Shape);

        var type = typeof(NeutralModelTests).Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        using var module = (nn.Module<Tensor, Tensor>)Activator.CreateInstance(type)!;
        var actual = module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, shape) in expected)
        {
            Assert.True(shape.SequenceEqual(actual[key]), $"{key}: model says [{string.Join(", ", shape)}], TorchSharp has [{string.Join(", ", actual[key])}]");
        }

        // Parameters counted from the tensors agree with the catalogue's counts, layer by layer.
        foreach (var layer in model.Layers.Where(l => l.Block is null && l.Branches.Count == 0))
        {
            Assert.Equal(layer.Parameters, layer.Tensors.Where(t => t.IsParameter).Sum(t => t.Shape.Dims.Aggregate(1L, (a, b) => a * b)));
        }
    }

    [Fact]
    public void Settings_resolve_defaults_and_input_shapes_chain()
    {
        var model = NetworkParser.Parse(Run.Value.Output.GetTypeByMetadataName("NetGen.Tests.Catalog.EveryLayerNet")!, default)!.Model!;
        var input = model.InputShape;
        foreach (var layer in model.Layers)
        {
            Assert.Equal(input, layer.InputShape);
            input = layer.OutputShape;
        }

        var linear = model.Layers.First(l => l.Kind == "Linear");
        Assert.Equal(linear.InputShape.Last, linear.Long("inFeatures"));
        Assert.Equal(linear.OutputShape.Last, linear.Long("outFeatures"));
        Assert.True(linear.Has("Bias"));
        var dropout = model.Layers.First(l => l.Kind == "Dropout");
        Assert.InRange(dropout.Double("p"), 0.0, 0.99);
    }

    private static IEnumerable<(string Key, long[] Shape)> StateDict(NetworkModel model, string prefix)
    {
        foreach (var layer in model.Layers)
        {
            foreach (var branch in layer.Branches)
            {
                foreach (var entry in StateDict(branch.Network, prefix + layer.FieldName + "." + branch.ChildName + "."))
                {
                    yield return entry;
                }
            }

            if (layer.Block is { } block)
            {
                foreach (var entry in StateDict(block, prefix + layer.FieldName + "."))
                {
                    yield return entry;
                }

                if (layer.Shortcut is { } shortcut)
                {
                    foreach (var entry in StateDict(shortcut.Network, prefix + layer.FieldName + "." + shortcut.ChildName + "."))
                    {
                        yield return entry;
                    }
                }

                continue;
            }

            foreach (var tensor in layer.Tensors)
            {
                yield return (prefix + layer.FieldName + "." + tensor.Name, tensor.Shape.Dims.ToArray());
            }
        }
    }
}
