using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.Onnx;
using NetGen.Tests.Onnx;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Catalog;

/// <summary>
/// What the catalogue-wide tests do not show for GroupNorm, InstanceNorm, the reshaping layers and bidirectional
/// recurrent layers: PyTorch's initial affine parameters, PyTorch's state-dict names and the direction layout of a
/// bidirectional output, the values the reshaping layers move, and both ONNX spellings of GroupNorm against the module
/// with random (not initial) affine parameters.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class Layers2Tests(ITestOutputHelper output)
{
    [Fact]
    public void GroupNorm_and_affine_InstanceNorm_start_with_scale_1_and_shift_0_and_the_default_InstanceNorm_has_no_parameters()
    {
        using var model = new L2NormNet();
        foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.StartsWith("gn", StringComparison.Ordinal) || p.name.StartsWith("inorm", StringComparison.Ordinal)))
        {
            var expected = name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
            Assert.Equal(0.0, (parameter - expected).abs().max().item<float>(), 12);
        }

        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("gn1.weight", keys);
        Assert.Contains("gn3.bias", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("gn2.", StringComparison.Ordinal) || k.StartsWith("inorm1.", StringComparison.Ordinal));
        Assert.Contains("inorm2.weight", keys);
        Assert.Equal((8 * 27 + 8) + 16 + (6 * 72 + 6) + (4 * 6 + 4) + 8 + 8 + (64 * 5 + 5), L2NormNet.Summary.TotalParameters);
    }

    [Fact]
    public void Bidirectional_layers_have_PyTorchs_reverse_weights_and_put_the_forward_direction_first()
    {
        torch.manual_seed(15);
        using var model = new L2BidirectionalNet();
        var shapes = model.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
        Assert.Equal(new long[] { 24, 5 }, shapes["lstm1.weight_ih_l0_reverse"]);
        Assert.Equal(new long[] { 24, 12 }, shapes["lstm1.weight_ih_l1"]);
        Assert.Equal(new long[] { 24, 12 }, shapes["lstm1.weight_ih_l1_reverse"]);
        Assert.Equal(new long[] { 24 }, shapes["lstm1.bias_hh_l1_reverse"]);
        Assert.Equal(new long[] { 12, 12 }, shapes["gru1.weight_ih_l0_reverse"]);
        Assert.Equal(new long[] { 3, 3 }, shapes["rnn1.weight_hh_l1_reverse"]);
        Assert.Equal(new long[] { 7, 6 }, L2BidirectionalNet.Summary["rnn1"].OutputShape);
        Assert.Equal(L2BidirectionalNet.Summary["lstm1"].Parameters, model.lstm1.parameters().Sum(p => p.numel()));

        // The first 4 features of every step are a forward GRU with the same weights; the last 4 that GRU run on the
        // reversed sequence, reversed back.
        using var x = torch.randn(3, 7, 12);
        using var both = model.gru1.call(x, null).Item1;
        using var forward = nn.GRU(12, 4, batchFirst: true);
        using var backward = nn.GRU(12, 4, batchFirst: true);
        using (torch.no_grad())
        {
            foreach (var name in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            {
                forward.get_parameter(name + "_l0")!.copy_(model.gru1.get_parameter(name + "_l0")!);
                backward.get_parameter(name + "_l0")!.copy_(model.gru1.get_parameter(name + "_l0_reverse")!);
            }
        }

        using var expectedForward = forward.call(x, null).Item1;
        using var expectedBackward = backward.call(x.flip(1), null).Item1.flip(1);
        Assert.Equal(0.0, (both[.., .., ..4] - expectedForward).abs().max().item<float>(), 6);
        Assert.Equal(0.0, (both[.., .., 4..] - expectedBackward).abs().max().item<float>(), 6);
    }

    [Fact]
    public void Unflatten_Transpose_and_Reshape_move_the_values_as_torch_does()
    {
        torch.manual_seed(16);
        using var model = new L2ReshapeNet();
        model.eval();
        using var x = torch.randn(2, 2, 4, 6);
        var seen = new System.Collections.Generic.Dictionary<string, Tensor>();
        using var result = model.forward(x, (name, t) => seen[name] = t.clone());
        Assert.Equal(0.0, (seen["identity1"] - x).abs().max().item<float>(), 12);
        Assert.Equal(0.0, (seen["unflatten1"] - x.reshape(2, 6, 8)).abs().max().item<float>(), 12);
        Assert.Equal(0.0, (seen["transpose1"] - seen["inorm1"].transpose(1, 2)).abs().max().item<float>(), 12);
        Assert.Equal(0.0, (seen["reshape1"] - seen["relu1"].reshape(2, 6, 4)).abs().max().item<float>(), 12);
        Assert.Equal(0.0, (seen["transpose2"] - seen["reshape1"].transpose(1, 2)).abs().max().item<float>(), 12);

        // InstanceNorm1d: every channel of every sample has mean 0 and (biased) variance 1 before its affine step.
        var normalised = seen["inorm2"];
        Assert.InRange(normalised.mean(new long[] { 2 }).abs().max().item<float>(), 0f, 1e-5f);
        Assert.InRange((normalised.var(2, unbiased: false) - 1).abs().max().item<float>(), 0f, 1e-3f);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(21)]
    public void GroupNorm_and_InstanceNorm_export_to_ONNX_with_random_affine_parameters(int opset)
    {
        torch.manual_seed(opset);
        using var module = new L2NormNet();
        using (torch.no_grad())
        {
            foreach (var parameter in module.parameters())
            {
                parameter.copy_(torch.randn(parameter.shape) * 0.5 + 0.2);
            }
        }

        module.eval();
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "L2NormNet.onnx");
        OnnxFixtures.Export(module, path, opset);
        var graph = NetGen.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        Assert.Equal(opset >= 21 ? 3 : 0, graph.Node.Count(n => n.OpType == "GroupNormalization"));

        using var session = new InferenceSession(path);
        using var input = torch.randn(5, 3, 6, 6);
        using var expected = module.forward(input);
        var actual = OnnxFixtures.RunOnnx(session, input);
        var difference = expected.data<float>().ToArray().Zip(actual.Values, (a, b) => Math.Abs((double)a - b)).Max();
        output.WriteLine($"L2NormNet, opset {opset}: max |TorchSharp - ONNX Runtime| = {difference:E2}");
        Assert.True(difference <= OnnxExportParityTests.Tolerance, $"opset {opset}: {difference:E2}");
    }
}
