using System;
using System.Collections.Generic;
using NetGen.Monitoring;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.GradientLab;

/// <summary>The task a variant trains on.</summary>
public enum LabTask
{
    /// <summary>Three interleaved spirals in the plane: 2 inputs, 3 classes, cross-entropy.</summary>
    Spiral,

    /// <summary>The seed's DeepNet task: 100 inputs, one regression target, mean squared error.</summary>
    DeepNetRegression,

    /// <summary>Noisy 1×8×8 images of horizontal, vertical or diagonal stripes: 3 classes, cross-entropy.</summary>
    Stripes,

    /// <summary>Sequences of 30 steps of 3 features, labelled by the largest feature of the last step: 3 classes, cross-entropy.</summary>
    LongSequence,
}

/// <summary>How the variant's Linear weights are initialised: declared on its class in Variants.cs (<c>[XavierInit]</c>, <c>[KaimingInit]</c>).</summary>
public enum InitScheme
{
    /// <summary>PyTorch's (and TorchSharp's) default: kaiming_uniform with a = √5, weights uniform on ±1/√fan_in.</summary>
    PyTorchDefault,

    /// <summary>Glorot and Bengio (2010), xavier_uniform_ with the activation's calculate_gain.</summary>
    Xavier,

    /// <summary>He et al. (2015), kaiming_uniform_ in fan-in mode with the activation's gain.</summary>
    Kaiming,
}

/// <summary>A constructed network ready to train, with what the lab needs to drive and observe it.</summary>
/// <param name="Module">The NetGen-generated module.</param>
/// <param name="Forward">The module's <c>forward(input, observeLayer)</c>.</param>
/// <param name="Summary">The module's compile-time summary (layer names and types).</param>
/// <param name="Monitor">The generated <c>Monitor</c> of its <c>[GradientMonitor]</c> declaration, which measures the gradients.</param>
/// <param name="ClipGradients">The generated <c>ClipGradients()</c> for networks declared with <c>[ClipGradNorm]</c>.</param>
public sealed record LabNetwork(
    nn.Module<Tensor, Tensor> Module,
    Func<Tensor, Action<string, Tensor>?, Tensor> Forward,
    NetworkSummary Summary,
    GradientMonitor Monitor,
    Func<double>? ClipGradients);

/// <summary>One network the lab trains: a NetGen declaration from Variants.cs, an initialisation and a task.</summary>
public sealed class LabVariant
{
    private readonly Func<LabNetwork> _create;

    private LabVariant(string id, string displayName, string networkClass, LabTask task, InitScheme init, string activation, string claim, Func<LabNetwork> create, params string[] blocks)
    {
        DeclaredClasses = [networkClass, .. blocks];
        Id = id;
        DisplayName = displayName;
        NetworkClass = networkClass;
        Task = task;
        Init = init;
        Activation = activation;
        Claim = claim;
        _create = create;
    }

    /// <summary>The name used with <c>--variants</c>.</summary>
    public string Id { get; }

    /// <summary>The name shown in the table and the plots.</summary>
    public string DisplayName { get; }

    /// <summary>The NetGen class in Variants.cs (compile-time diagnostics are matched to variants by it).</summary>
    public string NetworkClass { get; }

    /// <summary>The classes in Variants.cs that make up the network: its own and the blocks it uses.</summary>
    public IReadOnlyList<string> DeclaredClasses { get; }

    /// <summary>The data set and loss.</summary>
    public LabTask Task { get; }

    /// <summary>The initialisation applied after construction.</summary>
    public InitScheme Init { get; }

    /// <summary>The hidden activation, as PyTorch's calculate_gain names it ("relu", "tanh", ...).</summary>
    public string Activation { get; }

    /// <summary>What the variant is there to show, in one sentence.</summary>
    public string Claim { get; }

    /// <summary>Its position in <see cref="All"/>; part of its seed, so a variant's numbers do not depend on which others run.</summary>
    public int Index => Array.IndexOf(AllVariants, this);

    /// <summary>
    /// Constructs the network; its declared <c>[XavierInit]</c>/<c>[KaimingInit]</c> runs in the generated constructor.
    /// Uses TorchSharp's global generator: seed it first.
    /// </summary>
    public LabNetwork Create() => _create();

    /// <inheritdoc/>
    public override string ToString() => Id;

    private static readonly LabVariant[] AllVariants =
    [
        new("sigmoid", "Sigmoid", nameof(SigmoidNet), LabTask.Spiral, InitScheme.PyTorchDefault, "sigmoid",
            "Stacked sigmoids shrink the gradient by at most 0.25 per layer: the first layers stop learning.",
            () => Wrap(new SigmoidNet(), (m, x, o) => m.forward(x, o), SigmoidNet.Summary, m => m.Monitor)),
        new("tanh", "Tanh", nameof(TanhNet), LabTask.Spiral, InitScheme.PyTorchDefault, "tanh",
            "Tanh saturates less than sigmoid (slope 1 at 0): deep tanh stacks lose less gradient.",
            () => Wrap(new TanhNet(), (m, x, o) => m.forward(x, o), TanhNet.Summary, m => m.Monitor)),
        new("relu", "ReLU", nameof(ReluNet), LabTask.Spiral, InitScheme.PyTorchDefault, "relu",
            "ReLU does not saturate, but at PyTorch's default initialisation each layer still shrinks the signal.",
            () => Wrap(new ReluNet(), (m, x, o) => m.forward(x, o), ReluNet.Summary, m => m.Monitor)),
        new("leaky-relu", "LeakyReLU", nameof(LeakyReluNet), LabTask.Spiral, InitScheme.PyTorchDefault, "leaky_relu",
            "LeakyReLU keeps a small gradient for negative inputs, so no unit can die.",
            () => Wrap(new LeakyReluNet(), (m, x, o) => m.forward(x, o), LeakyReluNet.Summary, m => m.Monitor)),
        new("relu-bn", "ReLU + BatchNorm", nameof(ReluBatchNormNet), LabTask.Spiral, InitScheme.PyTorchDefault, "relu",
            "BatchNorm re-normalises every layer's output, so the gradient keeps its scale through depth.",
            () => Wrap(new ReluBatchNormNet(), (m, x, o) => m.forward(x, o), ReluBatchNormNet.Summary, m => m.Monitor)),
        new("residual", "Residual (ReLU)", nameof(ResidualNet), LabTask.Spiral, InitScheme.PyTorchDefault, "relu",
            "Residual connections give the gradient an identity path around every block.",
            () => Wrap(new ResidualNet(), (m, x, o) => m.forward(x, o), ResidualNet.Summary, m => m.Monitor), nameof(ResidualBlock)),
        new("tanh-xavier", "Tanh, Xavier init", nameof(TanhXavierNet), LabTask.Spiral, InitScheme.Xavier, "tanh",
            "Xavier initialisation (gain 5/3 for tanh) keeps the variance of signals and gradients across layers.",
            () => Wrap(new TanhXavierNet(), (m, x, o) => m.forward(x, o), TanhXavierNet.Summary, m => m.Monitor)),
        new("relu-kaiming", "ReLU, Kaiming init", nameof(ReluKaimingNet), LabTask.Spiral, InitScheme.Kaiming, "relu",
            "Kaiming initialisation (variance 2/fan_in) compensates for ReLU halving the signal.",
            () => Wrap(new ReluKaimingNet(), (m, x, o) => m.forward(x, o), ReluKaimingNet.Summary, m => m.Monitor)),
        new("deepnet", "DeepNet", nameof(DeepNet), LabTask.DeepNetRegression, InitScheme.PyTorchDefault, "relu",
            "The seed's DeepNet without clipping: a large learning rate lets the gradient norm blow up.",
            () => Wrap(new DeepNet(), (m, x, o) => m.forward(x, o), DeepNet.Summary, m => m.Monitor)),
        new("deepnet-clip", "DeepNet + ClipGradNorm(1.0)", nameof(ClippedDeepNet), LabTask.DeepNetRegression, InitScheme.PyTorchDefault, "relu",
            "The same network with [ClipGradNorm(1.0)]: every update is bounded, so training stays stable.",
            () =>
            {
                var model = new ClippedDeepNet();
                return new LabNetwork(model, (x, o) => model.forward(x, o), ClippedDeepNet.Summary, model.Monitor, model.ClipGradients);
            }),
        new("conv-sigmoid", "Conv, Sigmoid", nameof(ConvSigmoidNet), LabTask.Stripes, InitScheme.PyTorchDefault, "sigmoid",
            "Six Sigmoid convolutions: the gradient vanishes before it reaches the first convolutions, as in a Sigmoid MLP.",
            () => Wrap(new ConvSigmoidNet(), (m, x, o) => m.forward(x, o), ConvSigmoidNet.Summary, m => m.Monitor)),
        new("conv-sigmoid-bn", "Conv, Sigmoid + BatchNorm", nameof(ConvSigmoidBatchNormNet), LabTask.Stripes, InitScheme.PyTorchDefault, "sigmoid",
            "BatchNorm after every convolution keeps the gradient's scale through the same Sigmoid stack.",
            () => Wrap(new ConvSigmoidBatchNormNet(), (m, x, o) => m.forward(x, o), ConvSigmoidBatchNormNet.Summary, m => m.Monitor)),
        new("rnn", "RNN, 30 steps", nameof(LongRnnNet), LabTask.LongSequence, InitScheme.PyTorchDefault, "tanh",
            "A plain RNN over 30 steps: the gradient reaching the first step vanishes, and during training the recurrent product explodes.",
            () => Wrap(new LongRnnNet(), (m, x, o) => m.forward(x, o), LongRnnNet.Summary, m => m.Monitor)),
        new("rnn-clip", "RNN, 30 steps + ClipGradNorm(1.0)", nameof(ClippedLongRnnNet), LabTask.LongSequence, InitScheme.PyTorchDefault, "tanh",
            "The same RNN with [ClipGradNorm(1.0)]: clipping bounds the exploding updates; it does nothing for the vanishing ones.",
            () =>
            {
                var model = new ClippedLongRnnNet();
                return new LabNetwork(model, (x, o) => model.forward(x, o), ClippedLongRnnNet.Summary, model.Monitor, model.ClipGradients);
            }),
    ];

    /// <summary>Every variant, in the order of the table.</summary>
    public static IReadOnlyList<LabVariant> All => AllVariants;

    private static LabNetwork Wrap<T>(T model, Func<T, Tensor, Action<string, Tensor>?, Tensor> forward, NetworkSummary summary, Func<T, GradientMonitor> monitor)
        where T : nn.Module<Tensor, Tensor> =>
        new(model, (x, observe) => forward(model, x, observe), summary, monitor(model), null);
}
