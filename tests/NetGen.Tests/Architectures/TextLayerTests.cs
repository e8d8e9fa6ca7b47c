using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen.Samples;
using NetGen.Tests.Catalog;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Architectures;

/// <summary>
/// The text layers against PyTorch (make_text_reference.py writes the fixtures): EveryTextLayerNet's forward output and
/// every parameter's gradient on PyTorch's weights within 1e-5, and the text-classifier sample's parameters against
/// the equivalent PyTorch model, key by key.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class TextLayerTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void Forward_and_gradients_match_PyTorch_on_the_same_weights()
    {
        using var scope = torch.NewDisposeScope();
        var fixture = PyTorchUnpickler.UnpickleStateDict(Fixture("text_parity.pt"));
        var entries = fixture.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!);
        using var model = new EveryTextLayerNet();
        model.LoadStateDictChecked(
            entries.Where(e => e.Key is not ("input" or "output" or "loss_weights") && !e.Key.StartsWith("grad.", StringComparison.Ordinal))
                .ToDictionary(e => e.Key, e => e.Value),
            "text_parity.pt");
        model.eval();

        var output = model.call(entries["input"]);
        Assert.Equal(new long[] { 3, 3 }, output.shape);
        var outputDifference = (output - entries["output"]).abs().max().item<float>();
        Assert.InRange(outputDifference, 0, Tolerance);
        var largestGradientDifference = 0.0;

        (output * entries["loss_weights"]).sum().backward();
        var compared = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            var expected = entries["grad." + name];
            var difference = (parameter.grad! - expected).abs().max().item<float>();
            Assert.True(difference <= Tolerance, $"{name}: gradient differs from PyTorch's by {difference}");
            largestGradientDifference = Math.Max(largestGradientDifference, difference);
            compared++;
        }

        log.WriteLine($"EveryTextLayerNet against PyTorch: output {outputDifference:E2}, largest gradient difference {largestGradientDifference:E2} over {compared} parameters");

        Assert.Equal(entries.Keys.Count(k => k.StartsWith("grad.", StringComparison.Ordinal)), compared);

        // The padding token's vector gets no gradient, as in PyTorch.
        Assert.Equal(0f, model.emb1.weight!.grad![0].abs().sum().item<float>());
    }

    [Fact]
    public void The_text_classifier_sample_has_the_parameters_of_the_equivalent_PyTorch_model()
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Fixture("text_classifier.json")));
        Assert.Equal(reference.RootElement.GetProperty("parameters").GetInt64(), TextClassifierNet.Summary.TotalParameters);

        using var model = new TextClassifierNet();
        var expected = reference.RootElement.GetProperty("state_dict").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());
        var actual = ModuleWeights.InPyTorchOrder(model).ToList();
        Assert.Equal(expected.Keys, actual.Select(e => e.Key));
        foreach (var (key, tensor) in actual)
        {
            Assert.Equal(expected[key], tensor.shape);
        }
    }

    [Fact]
    public void An_embedding_fed_floats_says_it_needs_token_ids()
    {
        using var model = new EveryTextLayerNet();
        using var floats = torch.zeros(2, 6);
        var error = Assert.Throws<ArgumentException>(() => model.call(floats));
        Assert.StartsWith("emb1 (Embedding) takes token ids of an integer type", error.Message, StringComparison.Ordinal);
        Assert.Contains("Float32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Causal_attention_lets_no_step_see_a_later_one()
    {
        torch.manual_seed(11);
        using var attention = new NetGen.Layers.SelfAttention(8, 2, causal: true);
        using var x = torch.randn(1, 5, 8);
        using var changed = x.clone();
        changed[0, 4] = torch.randn(8);
        using var a = attention.call(x);
        using var b = attention.call(changed);

        // Changing the last step leaves every earlier output unchanged and changes the last.
        Assert.Equal(0f, (a[0, ..4] - b[0, ..4]).abs().max().item<float>());
        Assert.True((a[0, 4] - b[0, 4]).abs().max().item<float>() > 1e-3);
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Architectures", name);
}
