using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Benchmarks.Networks;

/// <summary>
/// The hand-written SimpleNet with the two things the generated module does differently switched on one at a time:
/// children called with <c>call()</c> (hooks dispatched) instead of <c>forward()</c>, and the ReLU after each Linear run in
/// place. The <c>variants</c> rows of <c>interleaved</c> time them beside the generated module.
/// </summary>
public sealed class SimpleNetVariant : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1 = nn.Linear(784, 300);
    private readonly BatchNorm1d bn1 = nn.BatchNorm1d(300);
    private readonly Linear fc2 = nn.Linear(300, 100);
    private readonly BatchNorm1d bn2 = nn.BatchNorm1d(100);
    private readonly Linear fc3 = nn.Linear(100, 10);
    private readonly bool viaCall;
    private readonly bool inPlace;

    public SimpleNetVariant(bool viaCall, bool inPlace) : base(nameof(SimpleNetVariant))
    {
        this.viaCall = viaCall;
        this.inPlace = inPlace;
        RegisterComponents();
    }

    /// <summary>The variant's name in tables.</summary>
    public static string Describe(bool viaCall, bool inPlace) =>
        "hand-written" + (viaCall ? ", call()" : "") + (inPlace ? ", relu_()" : "");

    public override Tensor forward(Tensor input)
    {
        using var x1 = Run(fc1, input);
        var x2 = Relu(x1);
        using var x3 = Run(bn1, x2);
        Release(x2, x1);
        using var x4 = Run(fc2, x3);
        var x5 = Relu(x4);
        using var x6 = Run(bn2, x5);
        Release(x5, x4);
        return Run(fc3, x6);
    }

    private Tensor Run(nn.Module<Tensor, Tensor> layer, Tensor x) => viaCall ? layer.call(x) : layer.forward(x);

    private Tensor Relu(Tensor x) => inPlace ? x.relu_() : F.relu(x);

    // relu_() returns its input, which the caller's `using` disposes; the out-of-place result is disposed here.
    private static void Release(Tensor activation, Tensor linear)
    {
        if (!ReferenceEquals(activation, linear))
        {
            activation.Dispose();
        }
    }

    /// <summary>A variant with the same initial weights as <see cref="BenchmarkNetworks.Create"/> gives every SimpleNet.</summary>
    public static BenchmarkModel Create(bool viaCall, bool inPlace)
    {
        torch.manual_seed(42);
        var module = new SimpleNetVariant(viaCall, inPlace);
        return new BenchmarkModel(module, null);
    }
}
