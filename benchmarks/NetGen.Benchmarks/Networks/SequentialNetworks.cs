using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Networks;

/// <summary>The same networks as <c>nn.Sequential</c> of modules, the shortest way to write them in TorchSharp.</summary>
public static class SequentialNetworks
{
    public static nn.Module<Tensor, Tensor> SimpleNet() => nn.Sequential(
        ("fc1", nn.Linear(784, 300)), ("relu1", nn.ReLU()), ("bn1", nn.BatchNorm1d(300)),
        ("fc2", nn.Linear(300, 100)), ("relu2", nn.ReLU()), ("bn2", nn.BatchNorm1d(100)),
        ("fc3", nn.Linear(100, 10)));

    public static nn.Module<Tensor, Tensor> DeepNet() => nn.Sequential(
        ("fc1", nn.Linear(100, 1000)), ("relu1", nn.ReLU()),
        ("fc2", nn.Linear(1000, 1000)), ("relu2", nn.ReLU()),
        ("fc3", nn.Linear(1000, 1000)), ("relu3", nn.ReLU()),
        ("fc4", nn.Linear(1000, 1000)), ("relu4", nn.ReLU()),
        ("fc5", nn.Linear(1000, 1)));

    public static nn.Module<Tensor, Tensor> Mlp20()
    {
        var layers = new System.Collections.Generic.List<(string, nn.Module<Tensor, Tensor>)>();
        for (var i = 1; i <= 19; i++)
        {
            layers.Add(($"fc{i}", nn.Linear(256, 256)));
            layers.Add(($"relu{i}", nn.ReLU()));
        }

        layers.Add(("fc20", nn.Linear(256, 10)));
        return nn.Sequential(layers);
    }

    public static nn.Module<Tensor, Tensor> ConvNet() => nn.Sequential(
        ("conv1", nn.Conv2d(1, 16, 3, padding: 1)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(16, 32, 3)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()), ("fc1", nn.Linear(32 * 6 * 6, 10)));
}
