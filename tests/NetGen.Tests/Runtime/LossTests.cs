using NetGen;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.Runtime;

[Linear(6, 8), ReLU, Linear(3)]
[Loss(LossFunction.CrossEntropy)]
public partial class Classifier;

[Linear(4, 1)]
[Loss(LossFunction.Huber)]
public partial class Regressor;

[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class LossTests
{
    [Fact]
    public void Declared_cross_entropy_equals_TorchSharps()
    {
        torch.manual_seed(2);
        using var model = new Classifier();
        var output = model.call(torch.randn(5, 6));
        var target = torch.tensor(new long[] { 0, 2, 1, 1, 0 });
        var expected = torch.nn.functional.cross_entropy(output, target).item<float>();
        Assert.Equal(expected, model.Loss(output, target).item<float>(), 6);
        Assert.True(expected > 0.1, $"a real loss value, got {expected}");
    }

    [Fact]
    public void Declared_Huber_loss_is_squared_near_zero_and_absolute_far_away()
    {
        using var model = new Regressor();
        var output = torch.tensor(new float[] { 0.5f, 3f }).reshape(2, 1);
        var target = torch.zeros(2, 1);
        // Huber with delta 1: 0.5·0.5² = 0.125 and 3 - 0.5 = 2.5; mean 1.3125.
        Assert.Equal(1.3125, model.Loss(output, target).item<float>(), 6);
    }
}
