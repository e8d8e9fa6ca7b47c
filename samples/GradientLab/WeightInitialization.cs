using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.GradientLab;

/// <summary>
/// ============================================================================================
/// INTERIM: the one place where Gradient Lab applies Xavier and Kaiming initialisation by hand.
/// When NetGen has initialisation attributes ([XavierInit], [KaimingInit]), declare them on
/// TanhXavierNet and ReluKaimingNet in Variants.cs, give those variants InitScheme.PyTorchDefault
/// in LabVariant.cs (the generated constructor then initialises), and delete this file.
/// ============================================================================================
/// </summary>
/// <remarks>
/// Every Linear weight of the network (including those inside residual blocks) is re-drawn with
/// <c>torch.nn.init.xavier_uniform_</c> or <c>kaiming_uniform_</c> and the gain PyTorch's
/// <c>calculate_gain</c> gives for the hidden activation; biases are set to zero, as is usual with
/// both schemes (and as the mean-field predictor assumes). Uses TorchSharp's global generator, so
/// the caller seeds it first.
/// </remarks>
public static class WeightInitialization
{
    /// <summary>Re-initialises every Linear layer of <paramref name="module"/> with <paramref name="scheme"/>.</summary>
    /// <param name="module">The network.</param>
    /// <param name="scheme">The scheme; <see cref="InitScheme.PyTorchDefault"/> leaves the constructor's weights alone.</param>
    /// <param name="activation">The hidden activation as calculate_gain names it: "relu", "tanh", "sigmoid", "leaky_relu".</param>
    public static void Apply(nn.Module module, InitScheme scheme, string activation)
    {
        if (scheme == InitScheme.PyTorchDefault)
        {
            return;
        }

        using var noGrad = torch.no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            if (child is not Linear linear)
            {
                continue;
            }

            switch (scheme)
            {
                case InitScheme.Xavier:
                    nn.init.xavier_uniform_(linear.weight!, Gain(activation));
                    break;
                case InitScheme.Kaiming:
                    // kaiming_uniform_ computes the gain itself from the nonlinearity (and a, the leaky slope).
                    nn.init.kaiming_uniform_(linear.weight!, a: activation == "leaky_relu" ? 0.01 : 0, mode: nn.init.FanInOut.FanIn, nonlinearity: Nonlinearity(activation));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown initialisation scheme");
            }

            if (linear.bias is { } bias)
            {
                nn.init.zeros_(bias);
            }
        }
    }

    /// <summary>PyTorch's calculate_gain: sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+0.01²)).</summary>
    /// <param name="activation">The activation's name as calculate_gain spells it.</param>
    public static double Gain(string activation) => activation switch
    {
        // TorchSharp's calculate_gain(LeakyReLU) defaults the slope to 0, not PyTorch's 0.01: pass it.
        "leaky_relu" => nn.init.calculate_gain(nn.init.NonlinearityType.LeakyReLU, 0.01),
        _ => nn.init.calculate_gain(Nonlinearity(activation)),
    };

    private static nn.init.NonlinearityType Nonlinearity(string activation) => activation switch
    {
        "relu" => nn.init.NonlinearityType.ReLU,
        "leaky_relu" => nn.init.NonlinearityType.LeakyReLU,
        "tanh" => nn.init.NonlinearityType.Tanh,
        "sigmoid" => nn.init.NonlinearityType.Sigmoid,
        "linear" => nn.init.NonlinearityType.Linear,
        _ => throw new ArgumentException($"no calculate_gain entry for activation '{activation}'", nameof(activation)),
    };
}
