using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Catalog;

/// <summary>
/// For every layer kind and 20 varied networks: each layer's output shape and parameter count known at
/// compile time (the generated static Summary) equals what TorchSharp reports when the model runs
/// forward, and the network runs backward with a gradient reaching every parameter.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class SummaryMatchesRuntimeTests
{
    public static TheoryData<string> Networks => new()
    {
        nameof(EveryLayerNet), nameof(EverySequenceLayerNet), nameof(EveryTextLayerNet), nameof(VectorBlock), nameof(ConvBlock), nameof(Encoder),
        nameof(V01Mlp), nameof(V02NoBias), nameof(V03InferredLinear), nameof(V04SmallCnn), nameof(V05MnistCnn),
        nameof(V06Strided), nameof(V07Conv1d), nameof(V08LstmRegressor), nameof(V09DeepGru), nameof(V10Rnn),
        nameof(V11DeepResidual), nameof(V12TwoBlocks), nameof(V13PRelu), nameof(V14Transformerish), nameof(V15PoolFirst),
        nameof(V16FullKernel), nameof(V17ActivationMix), nameof(V18AdaptiveRect), nameof(V19CustomNames), nameof(V20ResidualConv),
        nameof(V21ProjectedResidual), nameof(V22Branches),
        nameof(L2NormNet), nameof(L2ReshapeNet), nameof(L2BidirectionalNet), nameof(L2BidirectionalPooled),
        nameof(L1ConvTransposeNet), nameof(L1SequenceNet), nameof(L1VolumeNet),
        nameof(L3DepthwiseNet), nameof(L3DilatedSequenceNet),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_layer_output_shape_and_parameter_count_matches_the_compile_time_summary(string networkName)
    {
        torch.manual_seed(3);
        var type = typeof(SummaryMatchesRuntimeTests).Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        var summary = (NetworkSummary)type.GetProperty("Summary")!.GetValue(null)!;
        using var model = (nn.Module<Tensor, Tensor>)Activator.CreateInstance(type)!;
        model.train();
        const long batch = 4;

        var observed = new List<(string Name, long[] Shape)>();
        var forward = type.GetMethod("forward", new[] { typeof(Tensor), typeof(Action<string, Tensor>) })!;
        var inputShape = new[] { batch }.Concat(summary.InputShape).ToArray();
        using var input = summary.Layers[0].Type == "Embedding" ? torch.randint(0, 3, inputShape, dtype: ScalarType.Int64) : torch.randn(inputShape);
        using var output = (Tensor)forward.Invoke(model, new object[] { input, (Action<string, Tensor>)((name, t) => observed.Add((name, t.shape))) })!;

        // Shapes: one observation per layer, in order, each the batch plus the compile-time sample shape.
        Assert.Equal(summary.Layers.Select(l => l.Name), observed.Select(o => o.Name));
        foreach (var (layer, seen) in summary.Layers.Zip(observed))
        {
            Assert.Equal(new[] { batch }.Concat(layer.OutputShape).ToArray(), seen.Shape);
        }

        Assert.Equal(new[] { batch }.Concat(summary.OutputShape).ToArray(), output.shape);

        // Parameters: grouped by the first segment of their state-dict name, which is the layer name.
        var byLayer = model.named_parameters()
            .GroupBy(p => p.name.Split('.')[0])
            .ToDictionary(g => g.Key, g => g.Sum(p => p.parameter.numel()));
        foreach (var layer in summary.Layers)
        {
            Assert.Equal(layer.Parameters, byLayer.GetValueOrDefault(layer.Name));
        }

        Assert.Equal(summary.TotalParameters, model.parameters().Sum(p => p.numel()));
        Assert.Empty(byLayer.Keys.Except(summary.Layers.Select(l => l.Name)));

        // Backward: every parameter receives a finite gradient.
        output.sum().backward();
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.True(parameter.grad is not null, $"{name} has no gradient");
            Assert.True(parameter.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }
    }

    [Fact]
    public void The_every_layer_network_uses_every_catalogue_entry()
    {
        var used = EveryLayerNet.Summary.Layers.Select(l => l.Type)
            .Concat(EverySequenceLayerNet.Summary.Layers.Select(l => l.Type))
            .Concat(EveryTextLayerNet.Summary.Layers.Select(l => l.Type))
            .Concat(V22Branches.Summary.Layers.Select(l => l.Type))
            .Concat(L1VolumeNet.Summary.Layers.Select(l => l.Type))
            .Concat(L1ConvTransposeNet.Summary.Layers.Select(l => l.Type))
            .Append("Input")
            .ToHashSet();
        var catalogue = NetGen.Generator.Catalog.LayerCatalog.All.Select(d => d.AttributeName);
        Assert.Empty(catalogue.Except(used));
    }

    [Fact]
    public void Summary_text_is_the_Keras_layout()
    {
        var lines = V01Mlp.Summary.ToString().Split('\n');
        Assert.Equal(
            new[]
            {
                "Layer (type)  Output Shape  Param #  Grad @ init",
                "================================================",
                "fc1 (Linear)  (-1, 20)          220         0.61",
                "relu1 (ReLU)  (-1, 20)            0",
                "fc2 (Linear)  (-1, 5)           105            1",
                "================================================",
                "Total params: 325",
                "Trainable params: 325",
                "Non-trainable params: 0",
                "Grad @ init: weight-gradient norm relative to the last layer's, predicted at initialisation (n/a: not predicted)",
            },
            lines);
        Assert.Equal(325, V01Mlp.Summary.TrainableParameters);
        Assert.Equal(new long[] { 20 }, V01Mlp.Summary["relu1"].OutputShape);
    }

    [Fact]
    public void Summary_layers_carry_the_predicted_gradient_scale_where_NetGen_predicts_it()
    {
        // Linear layers: relative to the last one, which is 1; layers without weights have none.
        Assert.Equal(0.61, V01Mlp.Summary["fc1"].PredictedGradientScale!.Value, 2);
        Assert.Equal(1.0, V01Mlp.Summary["fc2"].PredictedGradientScale!.Value, 12);
        Assert.Null(V01Mlp.Summary["relu1"].PredictedGradientScale);

        // A convolutional network is predicted too, the convolution relative to the last Linear layer.
        Assert.InRange(V05MnistCnn.Summary["conv1"].PredictedGradientScale!.Value, 1e-3, 10);

        // A recurrent layer: the gradient reaching its first time step relative to its last (20 steps of LSTM(16) vanish).
        Assert.InRange(V08LstmRegressor.Summary["lstm1"].PredictedGradientScale!.Value, 1e-6, 1e-3);
        Assert.Null(V08LstmRegressor.Summary["fc1"].PredictedGradientScale);

        // A stacked GRU (3 layers over 15 steps) is predicted too: 4.5e-2, healthy.
        Assert.Equal(4.5e-2, V09DeepGru.Summary["gru1"].PredictedGradientScale!.Value, 3);

        // A recurrent network with anything but recurrent layers before LastStep is not: no number, and the table says so.
        Assert.Null(V10Rnn.Summary["rnn1"].PredictedGradientScale);
        Assert.Contains("n/a", V10Rnn.Summary.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Block_and_residual_parameters_appear_under_their_layer_names_in_the_state_dict()
    {
        using var model = new V11DeepResidual();
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("res1.fc1.weight", keys);
        Assert.Contains("res4.fc2.bias", keys);
        Assert.Equal(4 * ((16 * 16 + 16) * 2) + 17, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Residual_output_is_input_plus_block_output()
    {
        torch.manual_seed(5);
        using var model = new V11DeepResidual();
        model.eval();
        using var x = torch.randn(3, 16);
        var expected = x;
        foreach (var block in new[] { model.res1, model.res2, model.res3, model.res4 })
        {
            expected = expected + block.call(expected);
        }

        expected = model.fc1.call(expected);
        Assert.Equal(0.0, (model.call(x) - expected).abs().max().item<float>(), 6);
    }

    [Fact]
    public void A_projection_shortcut_adds_its_output_to_the_blocks_and_lives_inside_the_block()
    {
        torch.manual_seed(6);
        using var model = new V21ProjectedResidual();
        model.eval();
        using var x = torch.randn(3, 2, 6, 6);
        using var expected = model.fc1.call(torch.nn.functional.relu(model.res1.call(x) + model.res1_downsample.call(x)).flatten(1));
        Assert.Equal(0.0, (model.call(x) - expected).abs().max().item<float>(), 6);

        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("res1.downsample.conv1.weight", keys);
        Assert.Contains("res1.downsample.bn1.running_var", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("res1_downsample", StringComparison.Ordinal));
        Assert.Equal((4 * 2) + 8 + 72 + 8 + 144 + 4, V21ProjectedResidual.Summary["res1"].Parameters);
    }

    [Fact]
    public void Branches_concatenate_or_add_their_outputs_and_register_as_numbered_children()
    {
        torch.manual_seed(8);
        using var model = new V22Branches();
        model.eval();
        using var x = torch.randn(2, 3, 8, 8);
        var concatenated = torch.cat(new[] { model.branch1[0].call(x), model.branch1[1].call(x) }, 1);
        var normalised = model.bn1.call(concatenated);
        var added = model.branch2[0].call(normalised) + model.branch2[1].call(normalised);
        using var expected = model.fc1.call(added.flatten(1));
        Assert.Equal(0.0, (model.call(x) - expected).abs().max().item<float>(), 6);

        Assert.Equal(new long[] { 6, 8, 8 }, V22Branches.Summary["branch1"].OutputShape);
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("branch1.0.conv1.weight", keys);
        Assert.Contains("branch2.1.conv1.bias", keys);
    }

    [Fact]
    public void Dropout_follows_the_module_mode_and_leaves_the_callers_input_alive()
    {
        torch.manual_seed(6);
        using var model = new V19CustomNames();
        using var x = torch.ones(64, 9);
        model.eval();
        var a = model.call(x);
        var b = model.call(x);
        Assert.Equal(0.0, (a - b).abs().max().item<float>(), 0);
        Assert.Equal(64 * 9, x.sum().item<float>());   // the input is still usable after forward

        model.train();
        var c = model.call(x);
        var d = model.call(x);
        Assert.True((c - d).abs().max().item<float>() > 0, "dropout in train mode should differ between calls");
    }
}
