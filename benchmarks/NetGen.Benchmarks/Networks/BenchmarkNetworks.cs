using System;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Networks;

/// <summary>The networks every benchmark covers.</summary>
public enum NetworkKind
{
    SimpleNet,
    DeepNet,
    Mlp20,
}

/// <summary>The three ways of writing the same network that are measured side by side.</summary>
public enum Implementation
{
    NetGen,
    HandWritten,
    Sequential,
}

/// <summary>Which loss a network trains with; the issue fixes them per network, as the seed did.</summary>
public enum LossKind
{
    CrossEntropy,
    Mse,
}

/// <summary>How one network is trained in the benchmarks (the seed's settings for SimpleNet and DeepNet).</summary>
public sealed record NetworkSetup(NetworkKind Kind, int Batch, int InputFeatures, int Outputs, LossKind Loss, double? ClipNorm);

/// <summary>A module plus how to clip its gradients, whatever its implementation.</summary>
public sealed record BenchmarkModel(nn.Module<Tensor, Tensor> Module, Func<double>? ClipGradients) : IDisposable
{
    public void Dispose() => Module.Dispose();
}

public static class BenchmarkNetworks
{
    public static NetworkSetup Setup(NetworkKind kind) => kind switch
    {
        NetworkKind.SimpleNet => new(kind, Batch: 64, InputFeatures: 784, Outputs: 10, LossKind.CrossEntropy, ClipNorm: null),
        NetworkKind.DeepNet => new(kind, Batch: 10, InputFeatures: 100, Outputs: 1, LossKind.Mse, ClipNorm: 1.0),
        NetworkKind.Mlp20 => new(kind, Batch: 64, InputFeatures: 256, Outputs: 10, LossKind.CrossEntropy, ClipNorm: null),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown network"),
    };

    /// <summary>Creates the network; the same seed gives the three implementations identical weights.</summary>
    public static BenchmarkModel Create(NetworkKind kind, Implementation implementation)
    {
        torch.manual_seed(42);
        var clip = Setup(kind).ClipNorm;
        switch (implementation)
        {
            case Implementation.NetGen when kind == NetworkKind.DeepNet:
                var deep = new DeepNet();
                return new(deep, deep.ClipGradients);
            case Implementation.NetGen:
                return new(kind switch
                {
                    NetworkKind.SimpleNet => new SimpleNet(),
                    NetworkKind.Mlp20 => new Mlp20(),
                    _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                }, null);
            default:
                nn.Module<Tensor, Tensor> module = (implementation, kind) switch
                {
                    (Implementation.HandWritten, NetworkKind.SimpleNet) => new HandWrittenSimpleNet(),
                    (Implementation.HandWritten, NetworkKind.DeepNet) => new HandWrittenDeepNet(),
                    (Implementation.HandWritten, NetworkKind.Mlp20) => new HandWrittenMlp20(),
                    (Implementation.Sequential, NetworkKind.SimpleNet) => SequentialNetworks.SimpleNet(),
                    (Implementation.Sequential, NetworkKind.DeepNet) => SequentialNetworks.DeepNet(),
                    (Implementation.Sequential, NetworkKind.Mlp20) => SequentialNetworks.Mlp20(),
                    _ => throw new ArgumentOutOfRangeException(nameof(implementation)),
                };
                return new(module, clip is { } max ? () => nn.utils.clip_grad_norm_(module.parameters(), max) : null);
        }
    }
}
