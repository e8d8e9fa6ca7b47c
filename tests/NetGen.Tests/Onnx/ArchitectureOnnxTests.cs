using System;
using System.Collections;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.Samples;
using NetGen.Tests.Architectures;
using NetGen.Tests.Catalog;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Onnx;

/// <summary>
/// The reference architectures exported to ONNX and run in ONNX Runtime: ResNet-18 with torchvision's weights against
/// torchvision's own output (1e-4, as for the TorchSharp module), the text layers against PyTorch's output on PyTorch's
/// weights and the text-classifier sample against its TorchSharp module (1e-5), and the text, shortcut and branch
/// networks at the opsets whose operators differ (ReduceMean takes its axes as an input from opset 18).
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class ArchitectureOnnxTests(ITestOutputHelper output)
{
    [Fact]
    public void ResNet18_with_torchvision_weights_matches_torchvision_in_onnx_runtime()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ResNet18().LoadPyTorchStateDict(Fixture("resnet18_fp16.pt"), ResNet18Tests.TorchvisionToNetGen);
        var io = PyTorchUnpickler.UnpickleStateDict(Fixture("resnet18_io.pt"));
        var input = (Tensor)io["input"]!;
        var expected = (Tensor)io["output"]!;
        using var session = new InferenceSession(model.ToOnnxBytes());

        var (shape, values) = OnnxFixtures.RunOnnx(session, input);
        Assert.Equal(expected.shape, shape);
        var difference = MaxDifference(expected, values);
        var (_, single) = OnnxFixtures.RunOnnx(session, input[0..1]);
        var singleDifference = MaxDifference(expected[0..1], single);
        output.WriteLine($"ResNet-18 in ONNX Runtime against torchvision: batch 2 {difference:E2}, batch 1 {singleDifference:E2} (outputs up to {expected.abs().max().item<float>():F2})");
        Assert.True(difference <= 1e-4, $"batch 2: {difference:E2}");
        Assert.True(singleDifference <= 1e-4, $"batch 1: {singleDifference:E2}");
    }

    [Fact]
    public void The_text_layers_match_pytorch_in_onnx_runtime_on_pytorchs_weights()
    {
        using var scope = torch.NewDisposeScope();
        var fixture = PyTorchUnpickler.UnpickleStateDict(Fixture("text_parity.pt"));
        var entries = fixture.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!);
        using var model = new EveryTextLayerNet();
        model.LoadStateDictChecked(
            entries.Where(e => e.Key is not ("input" or "output" or "loss_weights") && !e.Key.StartsWith("grad.", StringComparison.Ordinal))
                .ToDictionary(e => e.Key, e => e.Value),
            "text_parity.pt");
        using var session = new InferenceSession(model.ToOnnxBytes());

        var (shape, values) = OnnxFixtures.RunOnnx(session, entries["input"]);
        Assert.Equal(entries["output"].shape, shape);
        var difference = MaxDifference(entries["output"], values);
        output.WriteLine($"EveryTextLayerNet in ONNX Runtime against PyTorch: {difference:E2}");
        Assert.True(difference <= OnnxExportParityTests.Tolerance, $"{difference:E2}");
    }

    [Fact]
    public void The_text_classifier_sample_matches_its_module_in_onnx_runtime()
    {
        torch.manual_seed(16);
        using var model = new TextClassifierNet();
        model.eval();
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "text-classifier.onnx");
        model.ExportOnnx(path);
        using var session = new InferenceSession(path);
        foreach (var batch in new[] { 17L, 1L })
        {
            using var scope = torch.NewDisposeScope();
            var tokens = torch.randint(0, 64, new[] { batch, 16 }, dtype: ScalarType.Int64);
            var expected = model.call(tokens);
            var (shape, values) = OnnxFixtures.RunOnnx(session, tokens);
            Assert.Equal(expected.shape, shape);
            var difference = MaxDifference(expected, values);
            output.WriteLine($"TextClassifierNet, batch {batch}: max |TorchSharp - ONNX Runtime| = {difference:E2}");
            Assert.True(difference <= OnnxExportParityTests.Tolerance, $"batch {batch}: {difference:E2}");
        }
    }

    [Theory]
    [InlineData(nameof(EveryTextLayerNet), 17)]
    [InlineData(nameof(EveryTextLayerNet), 18)]
    [InlineData(nameof(EveryTextLayerNet), 21)]
    [InlineData(nameof(V21ProjectedResidual), 13)]
    [InlineData(nameof(V22Branches), 13)]
    [InlineData(nameof(V22Branches), 21)]
    public void Text_shortcut_and_branch_networks_match_at_each_opset(string networkName, int opset)
    {
        using var module = OnnxFixtures.Create(networkName, seed: 4);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, networkName + ".onnx");
        OnnxFixtures.Export(module, path, opset);
        if (Environment.GetEnvironmentVariable("NETGEN_WRITE_ONNX_EXPORTS") is { Length: > 0 } keep)
        {
            // For checking the files with onnx.checker (docs/onnx.md says how).
            File.Copy(path, Path.Combine(keep, $"{networkName}.opset{opset}.netgen.onnx"), overwrite: true);
        }

        using var session = new InferenceSession(path);
        foreach (var batch in new[] { 5, 1 })
        {
            using var scope = torch.NewDisposeScope();
            var input = OnnxFixtures.RandomInput(module, batch);
            var expected = module.forward(input);
            var (_, values) = OnnxFixtures.RunOnnx(session, input);
            var difference = MaxDifference(expected, values);
            Assert.True(difference <= OnnxExportParityTests.Tolerance, $"{networkName}, opset {opset}, batch {batch}: {difference:E2}");
        }
    }

    private static double MaxDifference(Tensor expected, float[] actual) =>
        expected.contiguous().data<float>().ToArray().Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Architectures", name);
}
