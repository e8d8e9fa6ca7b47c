using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using NetGen.Monitoring;
using TorchSharp;
using TorchSharp.Modules;
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

        // The Linear layers that can take the low-rank update (TrainStepOptions.LowRankUpdates), found on first use.
        private LowRankLinearUpdates? lowRank;

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
            reclaimer.Budget = Options.ReclaimBudget;
            var restoreBuffers = Options.RestoreBuffersOnSkip && SnapshotBuffers();

            var fused = optimizer as IFusedOptimizer;
            var gradientsAreZero = fused is not null && ReferenceEquals(fused, zeroedBy) && fused.Updates == zeroedAt;
            zeroedBy = null;

            var capture = BeginLowRank(optimizer as ILowRankOptimizer, input, gradientsAreZero);
            List<LowRankGradient>? factors = null;
            try
            {
                double loss;
                using (var scope = torch.NewDisposeScope())
                {
                    if (!gradientsAreZero)
                    {
                        optimizer.zero_grad();
                    }

                    capture?.Start();
                    var output = model.call(input);
                    var lossTensor = lossFn(output, target);
                    if (lossTensor.numel() != 1)
                    {
                        throw new ArgumentException($"The loss function must return one number; it returned a tensor of shape [{string.Join(", ", lossTensor.shape)}]. Use a reduction such as 'mean'.", nameof(lossFn));
                    }

                    lossTensor.backward();
                    Autograd.CustomFunctionTensors.Release();
                    loss = TensorValues.ToDouble(lossTensor);
                    capture?.End();
                    factors = capture?.Factors();
                }

                if (capture is { Verifying: true })
                {
                    capture.Verify(factors!);
                    DisposeAll(factors);
                    factors = null;
                }

                return Finish(step, loss, optimizer, fused, factors, restoreBuffers, started);
            }
            finally
            {
                capture?.Dispose();
                DisposeAll(factors);
            }
        }

        /// <summary>Everything after backward: monitoring, the finiteness check, clipping and the update.</summary>
        private TrainStepResult Finish(long step, double loss, optim.Optimizer optimizer, IFusedOptimizer? fused, List<LowRankGradient>? factors, bool restoreBuffers, long started)
        {
            var monitor = Options.Monitor;
            var report = monitor?.AfterBackward();

            // The check comes before clipping and the optimiser: clip_grad_norm_ would spread one NaN to every gradient, and
            // the optimiser would write it into the weights.
            var parameters = model.named_parameters().ToList();
            var clipNorm = Options.ClipNorm;
            var normType = clipNorm is null ? 2.0 : Options.ClipNormType;
            var measured = factors is null
                ? GradientClipping.Measure(parameters, normType, report is null ? null : monitor)
                : MeasureLowRank(parameters, factors);
            if (measured is null)
            {
                // A low-rank factor is not finite: materialise those gradients, so that the skipped step reports and leaves
                // them exactly as the normal path does.
                foreach (var factor in factors!)
                {
                    factor.Materialize();
                }

                factors = null;
                measured = GradientClipping.Measure(parameters, normType);
            }

            if (!measured.IsFinite)
            {
                lowRank?.LeftWithoutGradient(Array.Empty<LowRankGradient>());
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

            if (factors is not null && !((ILowRankOptimizer)fused!).StepLowRank(coefficient, factors.ToDictionary(f => f.Weight.Handle)))
            {
                // Some parameter cannot take the fused pass after all (its state is not contiguous float32): the normal path.
                foreach (var factor in factors)
                {
                    factor.Materialize();
                }

                factors = null;
                fused.Step(coefficient, zeroGradients: true);
            }
            else if (factors is null)
            {
                fused?.Step(coefficient, zeroGradients: true);
            }

            lowRank?.LeftWithoutGradient(factors ?? (IEnumerable<LowRankGradient>)Array.Empty<LowRankGradient>());
            if (fused is not null)
            {
                // One pass per parameter: the clipping coefficient, the update, and zero gradients for the next backward.
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

        /// <summary>The low-rank capture of this step, or null when the step takes the normal path throughout.</summary>
        private LowRankLinearUpdates.Capture? BeginLowRank(ILowRankOptimizer? optimizer, Tensor input, bool gradientsAreZero)
        {
            if (optimizer is null || !Options.LowRankUpdates || Options.Monitor is not null || Options.ClipValue is not null
                || (Options.ClipNorm is not null && Options.ClipNormType != 2.0))
            {
                lowRank?.LeftWithoutGradient(Array.Empty<LowRankGradient>());
                return null;
            }

            lowRank ??= new LowRankLinearUpdates(model);
            return lowRank.Any ? lowRank.Begin(optimizer, input, gradientsAreZero, Options.LowRankMaxRows, Options.LowRankMinElements) : null;
        }

        /// <summary>
        /// The total 2-norm: the other parameters' gradients measured as usual, the low-rank weights' from their factors; null
        /// when a factor is not finite.
        /// </summary>
        private static GradientNorm? MeasureLowRank(List<(string name, Parameter parameter)> parameters, List<LowRankGradient> factors)
        {
            var handles = factors.Select(f => f.Weight.Handle).ToHashSet();
            var rest = GradientClipping.Measure(parameters.Where(p => !handles.Contains(p.parameter.Handle)), 2.0);
            var squares = rest.Total * rest.Total;
            foreach (var factor in factors)
            {
                var square = factor.SquaredNorm();
                if (!double.IsFinite(square))
                {
                    return null;
                }

                squares += square;
            }

            return rest.IsFinite ? new GradientNorm(Math.Sqrt(squares), 2.0, Array.Empty<string>()) : rest;
        }

        private static void DisposeAll(List<LowRankGradient>? factors)
        {
            if (factors is null)
            {
                return;
            }

            foreach (var factor in factors)
            {
                factor.Dispose();
            }
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
