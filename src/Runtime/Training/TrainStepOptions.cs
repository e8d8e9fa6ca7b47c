using NetGen.Monitoring;

namespace NetGen.Training
{
    /// <summary>
    /// What a <see cref="TrainingStep"/> does besides the optimiser step. The generated constructor sets these from the class's
    /// attributes: <see cref="ClipNorm"/> and <see cref="ClipNormType"/> from <c>[ClipGradNorm]</c>, <see cref="ClipValue"/>
    /// from <c>[ClipGradValue]</c>, <see cref="Monitor"/> from <c>[GradientMonitor]</c>.
    /// </summary>
    public sealed class TrainStepOptions
    {
        private double? clipNorm;
        private double clipNormType = 2.0;
        private double? clipValue;
        private double reclaimBudget = 0.01;
        private int lowRankMaxRows = 16;
        private long lowRankMinElements = 512 * 512;

        /// <summary>Clip the gradients together to at most this total norm (<c>[ClipGradNorm(max)]</c>); <c>null</c> for no norm clipping.</summary>
        public double? ClipNorm
        {
            get => clipNorm;
            set
            {
                if (value is { } v)
                {
                    GradientClipping.CheckPositive(v, nameof(ClipNorm));
                }

                clipNorm = value;
            }
        }

        /// <summary>The p of the norm for <see cref="ClipNorm"/>: 2 (default), 1, <see cref="double.PositiveInfinity"/>, or another p > 0.</summary>
        public double ClipNormType
        {
            get => clipNormType;
            set
            {
                GradientClipping.CheckNormType(value);
                clipNormType = value;
            }
        }

        /// <summary>Clamp every gradient entry to [-v, v] (<c>[ClipGradValue(v)]</c>), before any norm clipping; <c>null</c> for none.</summary>
        public double? ClipValue
        {
            get => clipValue;
            set
            {
                if (value is { } v)
                {
                    GradientClipping.CheckPositive(v, nameof(ClipValue));
                }

                clipValue = value;
            }
        }

        /// <summary>The network's gradient monitor, whose sampled reports the step collects after <c>backward()</c>; <c>null</c> for none.</summary>
        public GradientMonitor? Monitor { get; set; }

        /// <summary>
        /// Whether a step with NetGen's fused optimiser (<see cref="FusedAdam"/>, <see cref="FusedAdamW"/>, <see cref="FusedSGD"/>)
        /// may update large Linear weights from the low-rank factors of their gradient instead of a materialised gradient
        /// (default <c>true</c>). At a batch of R rows a Linear weight's gradient is the rank-R product Gᵀ·X of the layer's
        /// output gradient and input; with this on, R at most <see cref="LowRankMaxRows"/> and weights of at least
        /// <see cref="LowRankMinElements"/> elements, those weights stay out of autograd for the step, forward hooks keep G and X, the clipping norm comes from two R × R Gram matrices, and the update pass computes each row of
        /// the gradient as it goes. The step then neither writes the gradient nor adds it into <c>.grad</c>, reads it for the
        /// norm, reads it for the update and zeroes it: on DeepNet at batch 10 that is most of the memory traffic beyond the
        /// update itself. The weights and optimiser state equal the normal path's (bit for bit on the networks
        /// <c>LowRankUpdateTests</c> trains for 100 steps: the matrix library sums dW over the batch in the same order); the
        /// clipping total differs from the normal path's by at most 4e-10 relative. After such a step those weights have no
        /// <c>.grad</c> (<c>null</c>, where the normal fused step leaves zeros); every other parameter is as the normal fused step leaves it. The path is not taken with a
        /// <see cref="Monitor"/>, <see cref="ClipValue"/>, a <see cref="ClipNormType"/> other than 2, another optimiser, a
        /// layer with forward hooks, or weights that are not contiguous float32 on the CPU; a layer is taken only after one
        /// step has shown its gradient equal to Gᵀ·X as captured. See docs/performance.md, "The low-rank update of Linear weights".
        /// </summary>
        public bool LowRankUpdates { get; set; } = true;

        /// <summary>
        /// The largest batch (rows of the model's input) at which <see cref="LowRankUpdates"/> is used (default 16). Each row
        /// costs one fused multiply-add per weight element in the update pass, while the matrix library writes a materialised
        /// gradient once whatever the batch: on the project machine the low-rank step gained up to 16–24 rows for 1000 × 1000
        /// weights and up to 10 rows for 512 × 512 (docs/performance.md, "The low-rank update of Linear weights").
        /// </summary>
        public int LowRankMaxRows
        {
            get => lowRankMaxRows;
            set => lowRankMaxRows = value >= 1 ? value : throw new System.ArgumentOutOfRangeException(nameof(LowRankMaxRows), value, "LowRankMaxRows must be at least 1.");
        }

        /// <summary>
        /// The smallest Linear weight, in elements, that takes the low-rank update (default 262,144, a 512 × 512 weight).
        /// Smaller weights and their optimiser state stay in the processor's caches, where a materialised gradient costs
        /// little: 256 × 256 layers trained 1.2–1.5× slower on the low-rank path at every batch on the project machine.
        /// </summary>
        public long LowRankMinElements
        {
            get => lowRankMinElements;
            set => lowRankMinElements = value >= 1 ? value : throw new System.ArgumentOutOfRangeException(nameof(LowRankMinElements), value, "LowRankMinElements must be at least 1.");
        }

        /// <summary>
        /// Whether a skipped step also puts the network's buffers (BatchNorm running statistics) back as they were before its
        /// forward pass (default <c>true</c>), so that a batch with NaN in it leaves no trace. Costs one copy of the buffers per step.
        /// </summary>
        public bool RestoreBuffersOnSkip { get; set; } = true;

        /// <summary>
        /// The fraction of training time the step may spend running finalizers to keep resident memory flat (default 0.01, 1%;
        /// 0 turns it off). See docs/gradient-monitoring.md, "Memory", for why TorchSharp needs it.
        /// </summary>
        public double ReclaimBudget
        {
            get => reclaimBudget;
            set => reclaimBudget = value >= 0 && value <= 1 ? value : throw new System.ArgumentOutOfRangeException(nameof(ReclaimBudget), value, "ReclaimBudget is a fraction of the step time, from 0 (off) to 1.");
        }
    }
}
