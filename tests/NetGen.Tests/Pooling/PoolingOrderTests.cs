using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Tests.Pooling;

/// <summary>
/// A ReLU, ReLU6 or LeakyReLU directly before a max-pooling runs after it when nobody observes the pass. Each network runs
/// three ways: unobserved (pooled first), observed (the declared order, through the same runtime pooling) and as libtorch's
/// own layers in the declared order (<c>F.relu</c> then <c>F.max_pool2d</c>, called here by hand with the module's
/// weights). Output and every parameter gradient must be equal bit for bit in all three.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class PoolingOrderTests
{
    [Fact]
    public void ConvNet_pooled_first_equals_the_declared_order_and_libtorch_bit_for_bit()
    {
        torch.manual_seed(31);
        using var model = new ConvNet();
        using var x = torch.randn(8, 1, 28, 28);
        using var y = torch.randint(0, 10, new long[] { 8 });
        AssertSame(model, x, o => F.cross_entropy(o, y), new Func<Tensor, Tensor>[]
        {
            t => model.conv1.call(t), t => F.relu(t), t => F.max_pool2d(t, 2, stride: 2, padding: 0),
            t => model.conv2.call(t), t => F.relu(t), t => F.max_pool2d(t, 2, stride: 2, padding: 0),
            t => t.flatten(1), t => model.fc1.call(t),
        });
    }

    [Fact]
    public void ConvNet_on_MNIST_like_input_with_blank_regions_ties_and_all()
    {
        // Zero borders make whole windows of the first convolution's output equal (its bias): ties in every window.
        torch.manual_seed(32);
        using var model = new ConvNet();
        using var x = torch.zeros(8, 1, 28, 28);
        using (torch.no_grad())
        using (var digits = torch.rand(8, 1, 16, 16))
        {
            x[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(6, 22), TensorIndex.Slice(6, 22)] = digits;
        }

        using var y = torch.randint(0, 10, new long[] { 8 });
        AssertSame(model, x, o => F.cross_entropy(o, y), new Func<Tensor, Tensor>[]
        {
            t => model.conv1.call(t), t => F.relu(t), t => F.max_pool2d(t, 2, stride: 2, padding: 0),
            t => model.conv2.call(t), t => F.relu(t), t => F.max_pool2d(t, 2, stride: 2, padding: 0),
            t => t.flatten(1), t => model.fc1.call(t),
        });
    }

    [Fact]
    public void ReLU6_before_pooling_odd_maps_equals_the_declared_order_bit_for_bit()
    {
        torch.manual_seed(33);
        using var model = new Relu6OddNet();
        using var x = torch.randn(5, 2, 15, 15) * 4; // enough above 6 that ReLU6 saturates whole windows
        using var y = torch.randint(0, 4, new long[] { 5 });
        AssertSame(model, x, o => F.cross_entropy(o, y), new Func<Tensor, Tensor>[]
        {
            t => model.conv1.call(t), t => F.relu6(t), t => F.max_pool2d(t, 2, stride: 2, padding: 0),
            t => t.flatten(1), t => model.fc1.call(t),
        });
    }

    [Fact]
    public void LeakyReLU_before_2d_pooling_and_ReLU_before_a_window_of_3_equal_the_declared_order_bit_for_bit()
    {
        torch.manual_seed(34);
        using var model = new LeakyConvNet();
        using var x = torch.randn(6, 3, 20, 20);
        using var y = torch.randint(0, 5, new long[] { 6 });
        AssertSame(model, x, o => F.cross_entropy(o, y), new Func<Tensor, Tensor>[]
        {
            t => model.conv1.call(t), t => F.leaky_relu(t, 0.1), t => F.max_pool2d(t, 2, stride: 2, padding: 0),
            t => model.conv2.call(t), t => F.relu(t), t => F.max_pool2d(t, 3, stride: 3, padding: 0),
            t => t.flatten(1), t => model.fc1.call(t),
        });
    }

    [Fact]
    public void LeakyReLU_and_ReLU_before_1d_pooling_equal_the_declared_order_bit_for_bit()
    {
        torch.manual_seed(35);
        using var model = new Conv1dLeakyNet();
        using var x = torch.randn(7, 3, 41);
        using var y = torch.randint(0, 3, new long[] { 7 });
        AssertSame(model, x, o => F.cross_entropy(o, y), new Func<Tensor, Tensor>[]
        {
            t => model.conv1.call(t), t => F.leaky_relu(t, 0.01), t => F.max_pool1d(t, 2, stride: 2, padding: 0),
            t => model.conv2.call(t), t => F.relu(t), t => F.max_pool1d(t, 2, stride: 2, padding: 0),
            t => t.flatten(1), t => model.fc1.call(t),
        });
    }

    [Fact]
    public void An_observer_sees_every_declared_layer_with_its_own_output()
    {
        torch.manual_seed(36);
        using var model = new ConvNet();
        using var x = torch.randn(4, 1, 28, 28);
        var seen = new List<(string Name, Tensor Value)>();
        using (torch.no_grad())
        using (var output = model.forward(x, (name, t) => seen.Add((name, t.clone()))))
        {
            Assert.Equal(new[] { "conv1", "relu1", "maxpool1", "conv2", "relu2", "maxpool2", "flatten1", "fc1" }, seen.Select(s => s.Name));
            Assert.Equal(new long[] { 4, 16, 28, 28 }, seen[1].Value.shape);
            Assert.Equal(new long[] { 4, 16, 14, 14 }, seen[2].Value.shape);
            using var relu = F.relu(seen[0].Value);
            using var pooled = F.max_pool2d(seen[1].Value, 2, stride: 2, padding: 0);
            Assert.Equal(Bits(relu), Bits(seen[1].Value));
            Assert.Equal(Bits(pooled), Bits(seen[2].Value));
            Assert.True(seen[0].Value.min().item<float>() < 0f, "conv1's output is the raw pre-activation");
            Assert.Equal(Bits(output), Bits(seen[^1].Value));
        }

        seen.ForEach(s => s.Value.Dispose());
    }

    [Fact]
    public void The_generated_forward_pools_first_only_without_a_monitor()
    {
        var run = GeneratorHarness.Run(SourceFiles.Read("Pooling/PoolingNetworks.cs"));
        Assert.Empty(run.CompilerDiagnostics.Select(d => d.ToString()));
        string Forward(string name) => run.GeneratedSources.Single(s => s.HintName == $"NetGen.Tests.Pooling.{name}.g.cs").Text;

        Assert.Contains("// relu1 runs after maxpool1,", Forward("ConvNet"));
        Assert.Contains("// relu2 runs after maxpool2,", Forward("ConvNet"));
        Assert.Contains("x3 = global::NetGen.GeneratedLayers.MaxPool2d(x1, 2, stride: 2, padding: 0).relu_();", Forward("ConvNet"));
        Assert.Contains("// leakyrelu1 runs after maxpool1,", Forward("Conv1dLeakyNet"));
        Assert.Contains("// relu6", Forward("Relu6OddNet"));
        Assert.DoesNotContain(" runs after maxpool", Forward("MonitoredConvNet"));
    }

    /// <summary>Runs <paramref name="model"/> unobserved, observed and as <paramref name="declared"/>, and compares bit for bit.</summary>
    private static void AssertSame(nn.Module<Tensor, Tensor> model, Tensor input, Func<Tensor, Tensor> loss, Func<Tensor, Tensor>[] declared)
    {
        model.train();
        var forward = model.GetType().GetMethod("forward", new[] { typeof(Tensor), typeof(Action<string, Tensor>) })!;
        var pooledFirst = Run(model, loss, () => (Tensor)forward.Invoke(model, new object?[] { input, null })!);
        var observed = 0;
        var declaredOrder = Run(model, loss, () => (Tensor)forward.Invoke(model, new object?[] { input, (Action<string, Tensor>)((_, _) => observed++) })!);
        var libtorch = Run(model, loss, () => declared.Aggregate(input, (t, layer) => layer(t)));

        Assert.Equal(declared.Length, observed);
        Assert.Equal(libtorch.Output, pooledFirst.Output);
        Assert.Equal(libtorch.Output, declaredOrder.Output);
        Assert.Equal(libtorch.Gradients.Count, pooledFirst.Gradients.Count);
        for (var i = 0; i < libtorch.Gradients.Count; i++)
        {
            Assert.Contains(libtorch.Gradients[i], g => g != 0);
            Assert.Equal(libtorch.Gradients[i], pooledFirst.Gradients[i]);
            Assert.Equal(libtorch.Gradients[i], declaredOrder.Gradients[i]);
        }
    }

    private static (int[] Output, List<int[]> Gradients) Run(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor> loss, Func<Tensor> forward)
    {
        model.zero_grad();
        using var scope = torch.NewDisposeScope();
        var output = forward();
        var values = Bits(output);
        loss(output).backward();
        return (values, model.parameters().Select(p => Bits(p.grad!)).ToList());
    }

    /// <summary>The float32 values as their bit patterns, so that equality is bit for bit (−0 ≠ +0).</summary>
    internal static int[] Bits(Tensor t)
    {
        using var flat = t.detach().contiguous().flatten();
        return flat.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
    }
}
