using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Benchmarks.Networks;

// The same networks written by hand the way a careful TorchSharp programmer does (following TorchSharp's
// own examples): layer fields registered by RegisterComponents(), children called with forward() (no
// hook dispatch), functional activations, and every intermediate disposed with `using` as soon as the
// next layer has consumed it, so memory never waits for the GC. This is the bar NetGen must meet.

/// <summary>SimpleNet by hand.</summary>
public sealed class HandWrittenSimpleNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1 = nn.Linear(784, 300);
    private readonly BatchNorm1d bn1 = nn.BatchNorm1d(300);
    private readonly Linear fc2 = nn.Linear(300, 100);
    private readonly BatchNorm1d bn2 = nn.BatchNorm1d(100);
    private readonly Linear fc3 = nn.Linear(100, 10);

    public HandWrittenSimpleNet() : base(nameof(HandWrittenSimpleNet)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        using var x1 = fc1.forward(input);
        using var x2 = F.relu(x1);
        using var x3 = bn1.forward(x2);
        using var x4 = fc2.forward(x3);
        using var x5 = F.relu(x4);
        using var x6 = bn2.forward(x5);
        return fc3.forward(x6);
    }
}

/// <summary>DeepNet by hand, clipping written out at the call site.</summary>
public sealed class HandWrittenDeepNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1 = nn.Linear(100, 1000);
    private readonly Linear fc2 = nn.Linear(1000, 1000);
    private readonly Linear fc3 = nn.Linear(1000, 1000);
    private readonly Linear fc4 = nn.Linear(1000, 1000);
    private readonly Linear fc5 = nn.Linear(1000, 1);

    public HandWrittenDeepNet() : base(nameof(HandWrittenDeepNet)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        using var x1 = fc1.forward(input);
        using var x2 = F.relu(x1);
        using var x3 = fc2.forward(x2);
        using var x4 = F.relu(x3);
        using var x5 = fc3.forward(x4);
        using var x6 = F.relu(x5);
        using var x7 = fc4.forward(x6);
        using var x8 = F.relu(x7);
        return fc5.forward(x8);
    }
}

/// <summary>The 20-layer MLP by hand: a loop over a ModuleList, as nobody writes 20 fields.</summary>
public sealed class HandWrittenMlp20 : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers = new();

    public HandWrittenMlp20() : base(nameof(HandWrittenMlp20))
    {
        for (var i = 0; i < 19; i++)
        {
            layers.Add(nn.Linear(256, 256));
        }

        layers.Add(nn.Linear(256, 10));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        for (var i = 0; i < layers.Count - 1; i++)
        {
            using var linear = layers[i].forward(x);
            var next = F.relu(linear);
            if (!ReferenceEquals(x, input))
            {
                x.Dispose();
            }

            x = next;
        }

        using (x)
        {
            return layers[^1].forward(x);
        }
    }
}

/// <summary>The convolutional network by hand: modules for the convolutions, functional ReLU and pooling.</summary>
public sealed class HandWrittenConvNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(1, 16, 3, padding: 1);
    private readonly Conv2d conv2 = nn.Conv2d(16, 32, 3);
    private readonly Linear fc1 = nn.Linear(32 * 6 * 6, 10);

    public HandWrittenConvNet() : base(nameof(HandWrittenConvNet)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        using var x1 = conv1.forward(input);
        using var x2 = F.relu(x1);
        using var x3 = F.max_pool2d(x2, 2);
        using var x4 = conv2.forward(x3);
        using var x5 = F.relu(x4);
        using var x6 = F.max_pool2d(x5, 2);
        using var x7 = x6.flatten(1);
        return fc1.forward(x7);
    }
}
