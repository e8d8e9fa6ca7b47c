using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Tests.Catalog;
using NetGen.Tests.Networks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Training;

/// <summary>
/// A generated ReLU right after a Linear or convolution runs in place when no observer watches the pass. Running the
/// same module both ways (an observer that does nothing turns the in-place form off) must give the same output and the
/// same gradients, bit for bit: the in-place ReLU overwrites only what nothing else reads.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class InPlaceActivationTests
{
    [Fact]
    public void SimpleNet_gradients_are_identical_with_and_without_the_in_place_ReLU()
    {
        torch.manual_seed(21);
        using var model = new SimpleNet();
        model.train();
        using var x = torch.randn(16, 784);
        using var y = torch.randint(0, 10, new long[] { 16 });
        AssertSame(model, m => torch.nn.functional.cross_entropy(m, y), x, expectedInPlace: 2);
    }

    [Fact]
    public void DeepNet_gradients_are_identical_with_and_without_the_in_place_ReLU()
    {
        torch.manual_seed(22);
        using var model = new DeepNet();
        using var x = torch.randn(4, 100);
        using var y = torch.randn(4, 1);
        AssertSame(model, m => torch.nn.functional.mse_loss(m, y), x, expectedInPlace: 4);
    }

    [Fact]
    public void Convolution_gradients_are_identical_with_and_without_the_in_place_ReLU()
    {
        // A convolution whose ReLU is not followed by a max-pooling (before one, the ReLU runs on the pooled tensor
        // instead: PoolingOrderTests).
        torch.manual_seed(23);
        using var model = new V07Conv1d();
        using var x = torch.randn(3, 4, 32);
        using var y = torch.randint(0, 6, new long[] { 3 });
        AssertSame(model, m => torch.nn.functional.cross_entropy(m, y), x, expectedInPlace: 1);
    }

    private static void AssertSame(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor> loss, Tensor input, int expectedInPlace)
    {
        var forward = model.GetType().GetMethod("forward", new[] { typeof(Tensor), typeof(Action<string, Tensor>) })!;
        var inPlace = Run(model, loss, () => (Tensor)forward.Invoke(model, new object?[] { input, null })!);
        var observed = 0;
        var outOfPlace = Run(model, loss, () => (Tensor)forward.Invoke(model, new object?[] { input, (Action<string, Tensor>)((_, _) => observed++) })!);

        Assert.True(observed > expectedInPlace, "the observer saw every layer");
        Assert.Equal(outOfPlace.Output, inPlace.Output);
        Assert.Equal(outOfPlace.Gradients.Count, inPlace.Gradients.Count);
        for (var i = 0; i < inPlace.Gradients.Count; i++)
        {
            Assert.Equal(outOfPlace.Gradients[i], inPlace.Gradients[i]);
            Assert.Contains(inPlace.Gradients[i], g => g != 0f);
        }

        // The in-place form really ran: an alias of the first layer's output, taken by a forward hook, shows the ReLU
        // applied when nobody observes, and the raw pre-activation (negative entries) when an observer does.
        Assert.True(FirstLayerOutputMinimum(model, () => (Tensor)forward.Invoke(model, new object?[] { input, null })!) >= 0f);
        Assert.True(FirstLayerOutputMinimum(model, () => (Tensor)forward.Invoke(model, new object?[] { input, (Action<string, Tensor>)((_, _) => { }) })!) < 0f);
    }

    private static float FirstLayerOutputMinimum(nn.Module<Tensor, Tensor> model, Func<Tensor> forward)
    {
        var first = (nn.Module<Tensor, Tensor>)model.named_children().First().module;
        Tensor? captured = null;
        var hook = first.register_forward_hook((_, _, output) =>
        {
            captured = output.alias().DetachFromDisposeScope();
            return null!;
        });
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            forward();
        }

        hook.remove();
        using var alias = captured!;
        return alias.min().item<float>();
    }

    private static (float[] Output, List<float[]> Gradients) Run(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor> loss, Func<Tensor> forward)
    {
        model.zero_grad();
        using var scope = torch.NewDisposeScope();
        var output = forward();
        var values = output.detach().flatten().data<float>().ToArray();
        loss(output).backward();
        return (values, model.parameters().Select(p => p.grad!.flatten().data<float>().ToArray()).ToList());
    }
}
