using NetGen;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Tests.Architectures;

// Networks whose forward is user-written (docs/architectures.md, "Anything else: your own forward"): NetGen generates the
// layers, registration, summary, monitoring and training step; the data flow is the class's own.

/// <summary>
/// A dense skip connection: the head sees the hidden features concatenated with the input (32 + 8 = 40 features), a
/// flow the attributes cannot state. The head states its 40 inputs, which declaration order alone would not give it.
/// </summary>
[Input(8), Linear(32), ReLU, Linear(32, Name = "hidden"), Linear(40, 1, Name = "head")]
[GradientMonitor(SampleEvery = 1)]
[Loss(LossFunction.MeanSquaredError)]
public partial class SkipConcatNet
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var h1 = fc1.call(input);
        using var a1 = nn.functional.relu(h1);
        using var h2 = hidden.call(a1);
        using var a2 = nn.functional.relu(h2);
        using var both = torch.cat(new[] { a2, input }, 1);
        return head.call(both);
    }
}

/// <summary>
/// A U-Net-style channel concatenation: the second convolution sees the first one's 4 channels and the input's 1.
/// A convolution infers its input channels, so [Input(5, 8, 8)] restates the shape the forward hands it.
/// </summary>
[Input(1, 8, 8), Conv2d(4, 3, padding: 1), ReLU]
[Input(5, 8, 8), Conv2d(2, 3, padding: 1), Flatten, Linear(3)]
public partial class ChannelConcatNet
{
    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var features = conv1.call(input);
        using var active = nn.functional.relu(features);
        using var both = torch.cat(new[] { active, input }, 1);
        using var mixed = conv2.call(both);
        using var flat = mixed.flatten(1);
        return fc1.call(flat);
    }
}
