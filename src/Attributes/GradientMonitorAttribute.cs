using System;

namespace NetGen
{
    /// <summary>
    /// Makes the generated module watch its own gradients. Every <see cref="SampleEvery"/>-th training forward pass
    /// (module in training mode, gradients enabled) is sampled: on its backward pass the generated code records,
    /// for each layer, the L2 norm, mean |g| and max |g| of the layer's parameter gradients and the L2 norm of the
    /// gradient flowing back into the layer's output, and, on the forward side, the fraction of each ReLU layer's
    /// outputs that are zero. Each sample gets health verdicts (vanishing, exploding, dying ReLU) against the
    /// thresholds below, whose defaults are the ones published by AUTOTRAINER (Zhang et al., ICSE 2021),
    /// DeepDiagnosis (Wardat et al., ICSE 2022) and TheDeepChecker (Ben Braiek and Khomh). Read them through the
    /// generated <c>Monitor</c> property: <c>Monitor.Latest</c>, <c>Monitor.VerdictRaised</c>,
    /// <c>Monitor.Verdicts</c> and <c>Monitor.History("fc1")</c>.
    /// </summary>
    /// <remarks>
    /// Parameter statistics are read after <c>backward()</c>: the generated <c>TrainStep</c> does it; a hand-written
    /// loop calls <c>Monitor.AfterBackward()</c> between <c>loss.backward()</c> and the optimiser's <c>step()</c>.
    /// Passes that are not sampled cost one comparison per layer.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class GradientMonitorAttribute : Attribute
    {
        /// <summary>Sample one training pass in this many (default 10; 1 samples every pass). Must be at least 1.</summary>
        public int SampleEvery { get; set; } = 10;

        /// <summary>
        /// Vanishing (AUTOTRAINER): the first affine layer's weight-gradient norm divided by the last one's is below this
        /// (default 1e-3) while the first one's norm is also below <see cref="VanishingFirstLayerNorm"/>.
        /// </summary>
        public double VanishingRatio { get; set; } = 1e-3;

        /// <summary>Vanishing (AUTOTRAINER): the second condition, the first affine layer's weight-gradient norm below this (default 1e-4).</summary>
        public double VanishingFirstLayerNorm { get; set; } = 1e-4;

        /// <summary>Vanishing (DeepDiagnosis): an affine layer's mean |g| over its parameter gradients is below this (default 1e-7).</summary>
        public double VanishingMeanAbs { get; set; } = 1e-7;

        /// <summary>Exploding (AUTOTRAINER): the first affine layer's weight-gradient norm divided by the last one's is above this (default 70).</summary>
        public double ExplodingRatio { get; set; } = 70;

        /// <summary>
        /// Exploding (TheDeepChecker): the total gradient norm rose at every one of <see cref="GrowthWindow"/> consecutive
        /// samples, ended at least this many times its value at the window's start (default 2, a doubling), and above every
        /// earlier sample.
        /// </summary>
        public double GrowthFactor { get; set; } = 2;

        /// <summary>The number of consecutive samples the growth rule looks at (default 5). Must be at least 2.</summary>
        public int GrowthWindow { get; set; } = 5;

        /// <summary>Dying ReLU (AUTOTRAINER, DeepDiagnosis): at least this fraction of a ReLU layer's units output zero for every sample of the batch (default 0.7).</summary>
        public double DyingReluFraction { get; set; } = 0.7;

        /// <summary>How many sampled reports the monitor keeps for <c>History</c> (default 1000); older ones are dropped so memory stays flat.</summary>
        public int HistoryCapacity { get; set; } = 1000;
    }
}
