using System.Collections.Generic;
using NetGen.Monitoring;

namespace NetGen.Training
{
    /// <summary>What one <see cref="TrainingStep.Run(TorchSharp.torch.optim.Optimizer, System.Func{TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor}, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor)"/> did.</summary>
    /// <param name="Step">The step's number, from 1.</param>
    /// <param name="Loss">The loss of the forward pass.</param>
    /// <param name="GradientNorm">The total gradient norm before clipping, in <see cref="TrainStepOptions.ClipNormType"/> when norm clipping is on and L2 otherwise; NaN or infinity when a gradient was not finite.</param>
    /// <param name="ClippedNorm">The total norm after clipping, in the same norm; equal to <paramref name="GradientNorm"/> when nothing was clipped.</param>
    /// <param name="Skipped">Whether the optimiser step was skipped because a gradient was not finite; the parameters are then exactly as before the step.</param>
    /// <param name="NonFiniteParameters">The names of the parameters whose gradient held NaN or infinity (<c>fc3.weight</c>, ...); empty unless skipped.</param>
    /// <param name="Report">The gradient monitor's report when this step was sampled, else <c>null</c>.</param>
    public sealed record TrainStepResult(long Step, double Loss, double GradientNorm, double ClippedNorm, bool Skipped, IReadOnlyList<string> NonFiniteParameters, GradientReport? Report);
}
