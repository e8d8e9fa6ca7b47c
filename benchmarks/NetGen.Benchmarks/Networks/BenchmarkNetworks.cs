using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Networks;

/// <summary>The networks every benchmark covers.</summary>
public enum NetworkKind
{
    SimpleNet,
    DeepNet,
    Mlp20,
    ConvNet,
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
/// <param name="Sample">The shape of one input sample: features, or [channels, height, width].</param>
public sealed record NetworkSetup(NetworkKind Kind, int Batch, long[] Sample, int Outputs, LossKind Loss, double? ClipNorm)
{
    /// <summary>The shape of an input batch of <paramref name="batch"/> samples.</summary>
    public long[] InputShape(long batch) => [batch, .. Sample];
}

/// <summary>A module plus how to clip its gradients, whatever its implementation.</summary>
public sealed record BenchmarkModel(nn.Module<Tensor, Tensor> Module, Func<double>? ClipGradients) : IDisposable
{
    public void Dispose() => Module.Dispose();
}

public static class BenchmarkNetworks
{
    public static NetworkSetup Setup(NetworkKind kind) => kind switch
    {
        NetworkKind.SimpleNet => new(kind, Batch: 64, Sample: [784], Outputs: 10, LossKind.CrossEntropy, ClipNorm: null),
        NetworkKind.DeepNet => new(kind, Batch: 10, Sample: [100], Outputs: 1, LossKind.Mse, ClipNorm: 1.0),
        NetworkKind.Mlp20 => new(kind, Batch: 64, Sample: [256], Outputs: 10, LossKind.CrossEntropy, ClipNorm: null),
        NetworkKind.ConvNet => new(kind, Batch: 64, Sample: [1, 28, 28], Outputs: 10, LossKind.CrossEntropy, ClipNorm: null),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown network"),
    };

    /// <summary>
    /// The parameter count every implementation must have: the generator's compile-time summary of the
    /// NetGen declaration (SimpleNet 267,410, DeepNet 3,105,001, Mlp20 1,252,618, ConvNet 16,330).
    /// </summary>
    public static long ExpectedParameters(NetworkKind kind) => kind switch
    {
        NetworkKind.SimpleNet => SimpleNet.Summary.TotalParameters,
        NetworkKind.DeepNet => DeepNet.Summary.TotalParameters,
        NetworkKind.Mlp20 => Mlp20.Summary.TotalParameters,
        NetworkKind.ConvNet => ConvNet.Summary.TotalParameters,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown network"),
    };

    /// <summary>
    /// Creates the network; the same seed gives the three implementations identical weights. Throws when the
    /// implementation's parameter count differs from the NetGen declaration's, so a benchmark can never
    /// compare two different networks.
    /// </summary>
    public static BenchmarkModel Create(NetworkKind kind, Implementation implementation)
    {
        var model = CreateUnchecked(kind, implementation);
        var parameters = model.Module.parameters().Sum(p => p.numel());
        if (parameters != ExpectedParameters(kind))
        {
            model.Dispose();
            throw new InvalidOperationException($"{implementation} {kind} has {parameters:N0} parameters, the NetGen declaration {ExpectedParameters(kind):N0}");
        }

        return model;
    }

    private static BenchmarkModel CreateUnchecked(NetworkKind kind, Implementation implementation)
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
                    NetworkKind.ConvNet => new ConvNet(),
                    _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                }, null);
            default:
                nn.Module<Tensor, Tensor> module = (implementation, kind) switch
                {
                    (Implementation.HandWritten, NetworkKind.SimpleNet) => new HandWrittenSimpleNet(),
                    (Implementation.HandWritten, NetworkKind.DeepNet) => new HandWrittenDeepNet(),
                    (Implementation.HandWritten, NetworkKind.Mlp20) => new HandWrittenMlp20(),
                    (Implementation.HandWritten, NetworkKind.ConvNet) => new HandWrittenConvNet(),
                    (Implementation.Sequential, NetworkKind.SimpleNet) => SequentialNetworks.SimpleNet(),
                    (Implementation.Sequential, NetworkKind.DeepNet) => SequentialNetworks.DeepNet(),
                    (Implementation.Sequential, NetworkKind.Mlp20) => SequentialNetworks.Mlp20(),
                    (Implementation.Sequential, NetworkKind.ConvNet) => SequentialNetworks.ConvNet(),
                    _ => throw new ArgumentOutOfRangeException(nameof(implementation)),
                };
                return new(module, clip is { } max ? () => nn.utils.clip_grad_norm_(module.parameters(), max) : null);
        }
    }
}
