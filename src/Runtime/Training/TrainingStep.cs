using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using NetGen.Monitoring;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Training
{
    /// <summary>
    /// One safe training step for a network: zero-grad, forward, loss, backward, gradient monitoring, a finiteness check
    /// before anything touches the weights, clipping, the optimiser step, and keeping memory flat. A generated network owns
    /// one (its <c>Trainer</c> property) and its <c>TrainStep(optimizer, lossFn, input, target)</c> calls <see cref="Run(optim.Optimizer, Func{Tensor, Tensor, Tensor}, Tensor, Tensor)"/>.
    /// </summary>
    /// <remarks>
    /// <para>When a gradient is NaN or infinite the step skips the optimiser, raises <see cref="StepSkipped"/>, reports it to the
    /// monitor, and leaves every parameter bit for bit as it was (and, with <see cref="TrainStepOptions.RestoreBuffersOnSkip"/>,
    /// every buffer too). TorchSharp's own <c>clip_grad_norm_</c> would instead have turned every gradient into NaN.</para>
    /// <para>With an <see cref="IFusedOptimizer"/> (<see cref="FusedAdam"/>, <see cref="FusedAdamW"/>, <see cref="FusedSGD"/>) the
    /// clipping coefficient, the update and zeroing the gradients run as one pass per parameter, and the next step skips
    /// <c>zero_grad()</c> while the optimiser reports no other use since (a backward pass of your own between two steps is
    /// then added to the next step's gradients, as it would be without <c>zero_grad()</c>).</para>
    /// <para>Every tensor the step creates is disposed before it returns, and the finalizers TorchSharp's optimisers depend on
    /// run on a 1% time budget (<see cref="TrainStepOptions.ReclaimBudget"/>): without them, resident memory grows by
    /// megabytes per step.</para>
    /// </remarks>
    public sealed class TrainingStep
    {
        private readonly nn.Module<Tensor, Tensor> model;
        private readonly NativeMemoryReclaimer reclaimer;
        private readonly List<(Tensor Buffer, Tensor Copy)> bufferSnapshots = new();

        // The fused optimiser whose last update zeroed the gradients, and its update count then: while that count has not
        // changed, the gradients are still the zeros it left, and the next step need not zero them again.
        private IFusedOptimizer? zeroedBy;
        private long zeroedAt;

        /// <summary>Creates the step for <paramref name="model"/>.</summary>
        /// <param name="model">The network to train.</param>
        /// <param name="options">Clipping, monitor, buffers and memory options; <c>null</c> for none of the optional parts.</param>
        public TrainingStep(nn.Module<Tensor, Tensor> model, TrainStepOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            this.model = model;
            Options = options ?? new TrainStepOptions();
            reclaimer = new NativeMemoryReclaimer(Options.ReclaimBudget);
        }

        /// <summary>The step's options; changes apply from the next step.</summary>
        public TrainStepOptions Options { get; }

        /// <summary>How many steps ran, skipped ones included.</summary>
        public long Steps { get; private set; }

        /// <summary>How many steps were skipped because a gradient was not finite.</summary>
        public long SkippedSteps { get; private set; }

        /// <summary>How many times the step ran the finalizers to keep memory flat.</summary>
        public long MemoryReclaims => reclaimer.Collections;

        /// <summary>Raised when a step skips the optimiser because a gradient was not finite.</summary>
        public event EventHandler<TrainStepResult>? StepSkipped;

        /// <summary>Runs one step with a loss module (<c>torch.nn.MSELoss()</c>, <c>torch.nn.CrossEntropyLoss()</c>, ...).</summary>
        /// <param name="optimizer">The optimiser; its parameters should be the network's.</param>
        /// <param name="lossFn">The loss, called as <c>lossFn.call(output, target)</c>.</param>
        /// <param name="input">A batch of inputs.</param>
        /// <param name="target">The batch's targets.</param>
        public TrainStepResult Run(optim.Optimizer optimizer, nn.Module<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target)
        {
            ArgumentNullException.ThrowIfNull(lossFn);
            return Run(optimizer, lossFn.call, input, target);
        }

        /// <summary>Runs one step with a loss function (<c>(output, target) => torch.nn.functional.mse_loss(output, target)</c>, ...).</summary>
        /// <param name="optimizer">The optimiser; its parameters should be the network's.</param>
        /// <param name="lossFn">The loss, returning a one-element tensor.</param>
        /// <param name="input">A batch of inputs.</param>
        /// <param name="target">The batch's targets.</param>
        public TrainStepResult Run(optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target)
        {
            ArgumentNullException.ThrowIfNull(optimizer);
            ArgumentNullException.ThrowIfNull(lossFn);
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(target);
            var started = Stopwatch.GetTimestamp();
            var step = ++Steps;
            var monitor = Options.Monitor;
            reclaimer.Budget = Options.ReclaimBudget;
            var restoreBuffers = Options.RestoreBuffersOnSkip && SnapshotBuffers();

            var fused = optimizer as IFusedOptimizer;
            var gradientsAreZero = fused is not null && ReferenceEquals(fused, zeroedBy) && fused.Updates == zeroedAt;
            zeroedBy = null;

            double loss;
            using (var scope = torch.NewDisposeScope())
            {
                if (!gradientsAreZero)
                {
                    optimizer.zero_grad();
                }

                var output = model.call(input);
                var lossTensor = lossFn(output, target);
                if (lossTensor.numel() != 1)
                {
                    throw new ArgumentException($"The loss function must return one number; it returned a tensor of shape [{string.Join(", ", lossTensor.shape)}]. Use a reduction such as 'mean'.", nameof(lossFn));
                }

                lossTensor.backward();
                Layers.ReturnedGradients.Release();
                loss = TensorValues.ToDouble(lossTensor);
            }

            var report = monitor?.AfterBackward();

            // The check comes before clipping and the optimiser: clip_grad_norm_ would spread one NaN to every gradient, and
            // the optimiser would write it into the weights.
            var parameters = model.named_parameters().ToList();
            var clipNorm = Options.ClipNorm;
            var normType = clipNorm is null ? 2.0 : Options.ClipNormType;
            var measured = GradientClipping.Measure(parameters, normType, report is null ? null : monitor);
            if (!measured.IsFinite)
            {
                return Skip(step, loss, measured, report, restoreBuffers, started);
            }

            var clipped = measured.Total;
            if (Options.ClipValue is { } value)
            {
                GradientClipping.ClipValue(parameters.Select(p => p.parameter), value);
                clipped = GradientClipping.Measure(parameters, normType).Total;
            }

            var coefficient = 1.0;
            if (clipNorm is { } maxNorm)
            {
                coefficient = GradientClipping.Coefficient(maxNorm, clipped);
                clipped = Math.Min(clipped, clipped * maxNorm / (clipped + GradientClipping.Epsilon));
            }

            if (fused is not null)
            {
                // One pass per parameter: the clipping coefficient, the update, and zero gradients for the next backward.
                fused.Step(coefficient, zeroGradients: true);
                zeroedBy = fused;
                zeroedAt = fused.Updates;
            }
            else
            {
                GradientClipping.ScaleBy(parameters.Select(p => p.parameter), coefficient);

                optimizer.step()?.Dispose();
            }
            reclaimer.AfterStep(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return new TrainStepResult(step, loss, measured.Total, clipped, false, Array.Empty<string>(), report);
        }

        private TrainStepResult Skip(long step, double loss, GradientNorm measured, GradientReport? report, bool restoreBuffers, long started)
        {
            SkippedSteps++;
            if (restoreBuffers)
            {
                using var noGrad = torch.no_grad();
                foreach (var (buffer, copy) in bufferSnapshots)
                {
                    buffer.copy_(copy);
                }
            }

            // A sampled pass has already said so in its report; otherwise the monitor hears it here.
            if (Options.Monitor is { } monitor && (report is null || report.AllFinite))
            {
                monitor.ReportNonFinite(measured.NonFinite);
            }

            var result = new TrainStepResult(step, loss, measured.Total, measured.Total, true, measured.NonFinite, report);
            StepSkipped?.Invoke(this, result);
            reclaimer.AfterStep(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return result;
        }

        /// <summary>Copies the network's buffers into preallocated tensors; false when it has none.</summary>
        private bool SnapshotBuffers()
        {
            var buffers = model.named_buffers().Select(b => b.buffer).ToList();
            if (buffers.Count == 0)
            {
                return false;
            }

            // The copies are reused step after step; they are rebuilt only when the buffers changed (model.to(...), ...).
            var current = bufferSnapshots.Count == buffers.Count
                && bufferSnapshots.Select(s => s.Buffer).Zip(buffers, (a, b) => ReferenceEquals(a, b) && a.dtype == b.dtype && a.device_type == b.device_type).All(same => same);
            using var noGrad = torch.no_grad();
            if (!current)
            {
                foreach (var (_, copy) in bufferSnapshots)
                {
                    copy.Dispose();
                }

                bufferSnapshots.Clear();
                foreach (var buffer in buffers)
                {
                    bufferSnapshots.Add((buffer, buffer.clone().DetachFromDisposeScope()));
                }

                return true;
            }

            foreach (var (buffer, copy) in bufferSnapshots)
            {
                copy.copy_(buffer);
            }

            return true;
        }
    }
}
