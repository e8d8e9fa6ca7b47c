using System.Linq;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.Readme;

public class ReadmeExampleTests
{
    [Fact]
    public void SmallResNet_classifies_28x28_images_into_10_classes()
    {
        using var model = new SmallResNet();
        using var output = model.call(torch.randn(2, 1, 28, 28));
        Assert.Equal(new long[] { 2, 10 }, output.shape);
        Assert.Equal(new long[] { 8, 14, 14 }, SmallResNet.Summary["res2"].OutputShape);
        // conv1 8·1·9+8, bn1 16, two blocks of (8·8·9+8 + 16), fc1 8·10+10.
        Assert.Equal(80 + 16 + (2 * (584 + 16)) + 90, SmallResNet.Summary.TotalParameters);
        Assert.Equal(SmallResNet.Summary.TotalParameters, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void SequenceRegressor_maps_50_steps_of_8_features_to_one_value()
    {
        using var model = new SequenceRegressor();
        using var output = model.call(torch.randn(3, 50, 8));
        Assert.Equal(new long[] { 3, 1 }, output.shape);
        // LSTM: layer 1 4·32·(8+32+2), layer 2 4·32·(32+32+2); Linear 32+1.
        Assert.Equal((4 * 32 * 42) + (4 * 32 * 66) + 33, model.parameters().Sum(p => p.numel()));
    }
}
