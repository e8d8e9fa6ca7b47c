using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Catalog;

/// <summary>
/// Groups and Dilation on Conv1d/Conv2d, CeilMode on max and average pooling and CountIncludePad on average pooling:
/// the compile-time shapes and parameter counts against TorchSharp's own modules and functions over a grid of
/// configurations, the ONNX pooling nodes against TorchSharp over the same pooling grid, a MobileNet-style network that trains, and a depthwise-separable block against PyTorch
/// (Parity/make_depthwise_reference.py, committed output Parity/depthwise_reference.json).
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class GroupedConvolutionTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    private sealed record Case(string Name, string Declaration, Func<Tensor, Tensor> Torch, Func<long> TorchParameters);

    [Fact]
    public void Grouped_and_dilated_convolutions_have_TorchSharps_shapes_and_parameter_counts()
    {
        var cases = new List<Case>();
        var modules = new List<IDisposable>();
        foreach (var spatial in new[] { 1, 2 })
        foreach (var inChannels in new[] { 4, 6 })
        foreach (var kernel in new[] { 1, 3 })
        foreach (var stride in new[] { 1, 2 })
        foreach (var padding in new[] { 0, 2 })
        foreach (var dilation in new[] { 1, 2 })
        foreach (var groups in new[] { 1, 2, inChannels })
        foreach (var bias in new[] { true, false })
        {
            const long outChannels = 12;
            var name = $"C{cases.Count}";
            var input = spatial == 1 ? $"Input({inChannels}, 7)" : $"Input({inChannels}, 7, 6)";
            var declaration = $"[{input}, Conv{spatial}d({outChannels}, {kernel}, stride: {stride}, padding: {padding}, Dilation = {dilation}, Groups = {groups}, Bias = {(bias ? "true" : "false")})]";
            nn.Module<Tensor, Tensor> module = spatial == 1
                ? nn.Conv1d(inChannels, outChannels, kernel, stride: stride, padding: padding, dilation: dilation, groups: groups, bias: bias)
                : nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, dilation: dilation, groups: groups, bias: bias);
            modules.Add(module);
            cases.Add(new Case(name, declaration, module.call, () => module.parameters().Sum(p => p.numel())));
        }

        try
        {
            var checkedCount = Check(cases, sampleShape: c => c.Declaration.Contains("Conv1d", StringComparison.Ordinal) ? 2 : 3);
            output.WriteLine($"{checkedCount} convolution configurations: shapes and parameter counts equal TorchSharp's");
            Assert.Equal(cases.Count, checkedCount);
        }
        finally
        {
            modules.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void Pooling_in_ceil_mode_and_without_counted_padding_has_TorchSharps_shapes()
    {
        var cases = new List<Case>();
        foreach (var average in new[] { false, true })
        foreach (var spatial in new[] { 1, 2 })
        foreach (var kernel in new[] { 2, 3 })
        foreach (var stride in new[] { 1, 2, 3 })
        foreach (var padding in new[] { 0, 1 })
        foreach (var ceil in new[] { false, true })
        foreach (var counted in average ? new[] { true, false } : new[] { true })
        foreach (var length in new[] { 4, 5, 6, 7 })
        {
            var name = $"P{cases.Count}";
            var kind = (average ? "AvgPool" : "MaxPool") + spatial + "d";
            var input = spatial == 1 ? $"Input(2, {length})" : $"Input(2, {length}, {length + 1})";
            var options = (ceil ? ", CeilMode = true" : string.Empty) + (counted ? string.Empty : ", CountIncludePad = false");
            var declaration = $"[{input}, {kind}({kernel}, stride: {stride}, padding: {padding}{options})]";
            Func<Tensor, Tensor> torchPool = (average, spatial) switch
            {
                (false, 1) => x => nn.functional.max_pool1d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil),
                (false, _) => x => nn.functional.max_pool2d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil),
                (true, 1) => x => nn.functional.avg_pool1d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil, count_include_pad: counted),
                (true, _) => x => nn.functional.avg_pool2d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil, count_include_pad: counted),
            };
            cases.Add(new Case(name, declaration, torchPool, () => 0));
        }

        var checkedCount = Check(cases, sampleShape: c => c.Declaration.Contains("1d(", StringComparison.Ordinal) ? 2 : 3);
        output.WriteLine($"{checkedCount} pooling configurations: shapes equal TorchSharp's");
        Assert.Equal(cases.Count, checkedCount);
    }

    [Fact]
    public void Pooling_in_ceil_mode_and_without_counted_padding_runs_in_ONNX_Runtime_as_in_TorchSharp()
    {
        // Every 1-D and 2-D configuration of the shape grid, through OnnxGraphBuilder's MaxPool/AveragePool alone.
        var worst = 0.0;
        var count = 0;
        foreach (var average in new[] { false, true })
        foreach (var spatial in new[] { 1, 2 })
        foreach (var kernel in new[] { 2, 3 })
        foreach (var stride in new[] { 1, 2, 3 })
        foreach (var padding in new[] { 0, 1 })
        foreach (var ceil in new[] { false, true })
        foreach (var counted in average ? new[] { true, false } : new[] { true })
        foreach (var length in new[] { 4, 5, 6, 7 })
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(count);
            var sample = spatial == 1 ? new long[] { 2, length } : new long[] { 2, length, length + 1 };
            var x = torch.randn(new long[] { 3 }.Concat(sample).ToArray());
            var expected = (average, spatial) switch
            {
                (false, 1) => nn.functional.max_pool1d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil),
                (false, _) => nn.functional.max_pool2d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil),
                (true, 1) => nn.functional.avg_pool1d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil, count_include_pad: counted),
                (true, _) => nn.functional.avg_pool2d(x, kernel, stride: stride, padding: padding, ceil_mode: ceil, count_include_pad: counted),
            };

            var graph = new NetGen.Onnx.OnnxGraphBuilder("Pool", 17, key => throw new InvalidOperationException(key));
            var input = graph.Input(sample);
            var pooled = average
                ? graph.AveragePool("pool1", input, kernel, stride, padding, ceil, counted)
                : graph.MaxPool("pool1", input, kernel, stride, padding, ceil);
            graph.Output(pooled, expected.shape.Skip(1).ToArray());
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(graph.ToModel()));
            var (shape, values) = NetGen.Tests.Onnx.OnnxFixtures.RunOnnx(session, x);
            var description = $"{(average ? "AvgPool" : "MaxPool")}{spatial}d(kernel {kernel}, stride {stride}, padding {padding}, ceil {ceil}, counted {counted}) on {length}";
            Assert.True(expected.shape.SequenceEqual(shape), $"{description}: ONNX Runtime gives [{string.Join(", ", shape)}]");
            var difference = expected.data<float>().ToArray().Zip(values, (e, a) => Math.Abs((double)e - a)).Max();
            Assert.True(difference <= Tolerance, $"{description}: max |TorchSharp - ONNX Runtime| = {difference:E2}");
            worst = Math.Max(worst, difference);
            count++;
        }

        output.WriteLine($"{count} pooling configurations in ONNX Runtime: max |TorchSharp - ONNX Runtime| = {worst:E2}");
        Assert.Equal(576, count);
    }

    /// <summary>
    /// Parses every case's declaration with NetGen's parser and runs TorchSharp on a batch of 2 of the declared input:
    /// the output shape and the parameter count must be NetGen's. Returns how many cases were compared.
    /// </summary>
    private static int Check(IReadOnlyList<Case> cases, Func<Case, int> sampleShape)
    {
        var source = new StringBuilder("using NetGen;\nnamespace G;\n");
        foreach (var c in cases)
        {
            source.Append(c.Declaration).Append(" public partial class ").Append(c.Name).Append(";\n");
        }

        var compilation = GeneratorHarness.Compile(source.ToString());
        var compared = 0;
        foreach (var c in cases)
        {
            var parsed = NetworkParser.Parse(compilation.GetTypeByMetadataName("G." + c.Name)!, default)!;
            Assert.True(parsed.Model is not null, $"{c.Declaration}: {string.Join("; ", parsed.Diagnostics.Select(d => d.GetMessage(CultureInfo.InvariantCulture)))}");
            var model = parsed.Model!;
            var layer = model.Layers.Single(l => l.Kind != "Input");
            Assert.Equal(sampleShape(c), layer.InputShape.Rank);
            using var scope = torch.NewDisposeScope();
            using var x = torch.randn(new long[] { 2 }.Concat(layer.InputShape.Dims).ToArray());
            using var y = c.Torch(x);
            Assert.True(
                new long[] { 2 }.Concat(layer.OutputShape.Dims).SequenceEqual(y.shape),
                $"{c.Declaration}: NetGen says {layer.OutputShape}, TorchSharp gives [{string.Join(", ", y.shape.Skip(1))}]");
            Assert.Equal(c.TorchParameters(), layer.Parameters);
            Assert.Equal(layer.Parameters, model.TotalParameters);
            compared++;
        }

        return compared;
    }

    [Fact]
    public void Depthwise_separable_parameter_counts_are_MobileNets()
    {
        // Depthwise 3x3 on 8 channels: 8·1·3·3 weights, no bias; pointwise 1x1 8 → 16: 16·8; BatchNorm 2·channels each.
        Assert.Equal(3 * 8 * 9, L3DepthwiseNet.Summary["conv1"].Parameters);
        Assert.Equal(8 * 9, L3DepthwiseNet.Summary["conv2"].Parameters);
        Assert.Equal(16 * 8, L3DepthwiseNet.Summary["conv3"].Parameters);
        Assert.Equal((16 * 9) + 16, L3DepthwiseNet.Summary["conv4"].Parameters);
        Assert.Equal((8 * 4) + 8, L3DepthwiseNet.Summary["conv5"].Parameters);
        Assert.Equal(new long[] { 16, 4, 4 }, L3DepthwiseNet.Summary["conv4"].OutputShape);
        Assert.Equal(new long[] { 8, 3, 3 }, L3DepthwiseNet.Summary["avgpool1"].OutputShape);
        Assert.Equal(new long[] { 8, 2, 2 }, L3DepthwiseNet.Summary["maxpool1"].OutputShape);
        Assert.Equal(new long[] { 8, 1, 1 }, L3DepthwiseNet.Summary["avgpool2"].OutputShape);
        using var model = new L3DepthwiseNet();
        Assert.Equal(new long[] { 8, 1, 3, 3 }, model.conv2.weight!.shape);
        Assert.Equal(new long[] { 16, 1, 3, 3 }, model.conv4.weight!.shape);
        Assert.Equal(new long[] { 8, 4, 1, 1 }, model.conv5.weight!.shape);
        Assert.Equal(L3DilatedSequenceNet.Summary.TotalParameters, new L3DilatedSequenceNet().parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void A_MobileNet_style_network_trains_and_its_loss_goes_down()
    {
        torch.manual_seed(7);
        using var model = new MobileNetLite();
        Assert.Equal(MobileNetLite.Summary.TotalParameters, model.parameters().Sum(p => p.numel()));
        // Stem 8·9, depthwise 8·9, 16·9, 32·9, pointwise 16·8, 32·16, 32·32, seven BatchNorms, Linear 32·2 + 2.
        Assert.Equal(72 + 72 + 144 + 288 + 128 + 512 + 1024 + (2 * (8 + 8 + 16 + 16 + 32 + 32 + 32)) + 66, MobileNetLite.Summary.TotalParameters);

        // Two classes of 1x32x32 images: a bright upper-left quadrant, or a bright lower-right one, plus noise.
        const int batch = 32;
        using var images = torch.randn(batch, 1, 32, 32) * 0.5f;
        using var labels = torch.arange(batch, dtype: ScalarType.Int64) % 2;
        for (var i = 0; i < batch; i++)
        {
            using var patch = i % 2 == 0 ? images[i, 0, TensorIndex.Slice(0, 16), TensorIndex.Slice(0, 16)] : images[i, 0, TensorIndex.Slice(16, 32), TensorIndex.Slice(16, 32)];
            patch.add_(1.0f);
        }

        using var optimizer = optim.Adam(model.parameters(), lr: 1e-2);
        var losses = new List<double>();
        for (var step = 0; step < 15; step++)
        {
            losses.Add(model.TrainStep(optimizer, (o, t) => nn.functional.cross_entropy(o, t), images, labels).Loss);
        }

        output.WriteLine("losses: " + string.Join(", ", losses.Select(l => l.ToString("F4", CultureInfo.InvariantCulture))));
        Assert.InRange(losses[0], 0.55, 0.85);
        Assert.True(losses[^1] < losses[0] * 0.5, $"loss went from {losses[0]:F4} to {losses[^1]:F4}");
        Assert.True(losses.Skip(10).Average() < losses.Take(5).Average());
    }

    [Fact]
    public void A_depthwise_separable_block_matches_PyTorch_forward_and_gradients()
    {
        var reference = JsonDocument.Parse(SourceFiles.Read("Parity/depthwise_reference.json")).RootElement;
        Assert.Equal(Tolerance, reference.GetProperty("tolerance").GetDouble());
        using var model = new DepthwiseSeparableBlock();
        model.train();

        // Weights and input from the formula the script uses: 0.5·sin(0.37·i + offset), offset 0.1 per tensor in state-dict order.
        var offset = 0;
        using (torch.no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                Assert.Equal(name, reference.GetProperty("parameter_order")[offset].GetString());
                parameter.copy_(Formula(parameter.shape, 0.1 * offset++));
            }
        }

        using var input = Formula(new long[] { 2, 4, 9, 9 }, 0.05).requires_grad_(true);
        using var result = model.forward(input);
        using var target = Formula(result.shape, 0.7);
        using var loss = nn.functional.mse_loss(result, target);
        loss.backward();

        var worst = Compare(result, reference.GetProperty("output"));
        worst = Math.Max(worst, Math.Abs(loss.item<float>() - reference.GetProperty("loss").GetDouble()));
        worst = Math.Max(worst, Compare(input.grad!, reference.GetProperty("input_grad")));
        foreach (var (name, parameter) in model.named_parameters())
        {
            worst = Math.Max(worst, Compare(parameter.grad!, reference.GetProperty("grads").GetProperty(name)));
        }

        output.WriteLine($"depthwise-separable block: max |NetGen - PyTorch| over output, loss, input and parameter gradients = {worst:E2}");
        Assert.True(worst <= Tolerance, $"max difference {worst:E2} > {Tolerance:E0}");
    }

    private static Tensor Formula(long[] shape, double offset)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(0.5 * Math.Sin((0.37 * i) + offset));
        }

        return torch.tensor(values).reshape(shape);
    }

    private static double Compare(Tensor actual, JsonElement expected)
    {
        var values = expected.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()), actual.shape);
        var data = actual.contiguous().data<float>().ToArray();
        Assert.Equal(values.Length, data.Length);
        return data.Zip(values, (a, b) => Math.Abs(a - b)).Max();
    }
}

/// <summary>A depthwise-separable block against PyTorch (Parity/make_depthwise_reference.py): depthwise 3x3, BatchNorm,
/// ReLU6, pointwise 1x1, BatchNorm, ReLU6, a dilated strided depthwise convolution, pooling in ceil mode.</summary>
[Input(4, 9, 9)]
[Conv2d(4, 3, padding: 1, Groups = 4), BatchNorm, ReLU6]
[Conv2d(8, 1), BatchNorm, ReLU6]
[Conv2d(8, 3, stride: 2, padding: 2, Dilation = 2, Groups = 8, Bias = false)]
[MaxPool2d(2, CeilMode = true), AvgPool2d(3, stride: 2, padding: 1, CeilMode = true, CountIncludePad = false)]
[Flatten, Linear(3)]
public partial class DepthwiseSeparableBlock;

/// <summary>MobileNet-style: a strided stem, three depthwise-separable blocks (two strided), global average pooling.</summary>
[Input(1, 32, 32)]
[Conv2d(8, 3, stride: 2, padding: 1, Bias = false), BatchNorm, ReLU6]
[Conv2d(8, 3, padding: 1, Groups = 8, Bias = false), BatchNorm, ReLU6, Conv2d(16, 1, Bias = false), BatchNorm, ReLU6]
[Conv2d(16, 3, stride: 2, padding: 1, Groups = 16, Bias = false), BatchNorm, ReLU6, Conv2d(32, 1, Bias = false), BatchNorm, ReLU6]
[Conv2d(32, 3, stride: 2, padding: 1, Groups = 32, Bias = false), BatchNorm, ReLU6, Conv2d(32, 1, Bias = false), BatchNorm, ReLU6]
[AdaptiveAvgPool2d(1), Flatten, Linear(2)]
public partial class MobileNetLite;
