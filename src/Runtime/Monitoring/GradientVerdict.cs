namespace NetGen.Monitoring
{
    /// <summary>The gradient problems a <see cref="GradientMonitor"/> diagnoses.</summary>
    public enum GradientIssue
    {
        /// <summary>Gradients too small for the early layers to learn.</summary>
        Vanishing,

        /// <summary>Gradients growing without bound, or not finite.</summary>
        Exploding,

        /// <summary>A ReLU layer whose outputs are mostly zero, so little gradient passes through it.</summary>
        DyingReLU,
    }

    /// <summary>Which published rule produced a verdict.</summary>
    public enum GradientRule
    {
        /// <summary>AUTOTRAINER: the first affine layer's weight-gradient norm over the last one's is below <see cref="GradientMonitorOptions.VanishingRatio"/> and the first one's norm is below <see cref="GradientMonitorOptions.VanishingFirstLayerNorm"/>.</summary>
        FirstToLastRatioLow,

        /// <summary>DeepDiagnosis: an affine layer's mean |g| is below <see cref="GradientMonitorOptions.VanishingMeanAbs"/>.</summary>
        MeanAbsGradientLow,

        /// <summary>AUTOTRAINER: the first affine layer's weight-gradient norm over the last one's is above <see cref="GradientMonitorOptions.ExplodingRatio"/>.</summary>
        FirstToLastRatioHigh,

        /// <summary>A gradient (of a parameter, or flowing into a layer's output) holds NaN or infinity.</summary>
        NonFinite,

        /// <summary>TheDeepChecker: the total gradient norm rose at each of <see cref="GradientMonitorOptions.GrowthWindow"/> consecutive samples, by at least <see cref="GradientMonitorOptions.GrowthFactor"/> overall, to above every earlier sample.</summary>
        NormGrowth,

        /// <summary>AUTOTRAINER, DeepDiagnosis: at least <see cref="GradientMonitorOptions.DyingReluFraction"/> of a ReLU layer's units output zero for every sample of the batch.</summary>
        DeadUnits,
    }

    /// <summary>
    /// One diagnosis from one sample: what is wrong, by which rule, where, the measured value and the threshold it crossed.
    /// </summary>
    /// <param name="Issue">The problem.</param>
    /// <param name="Rule">The rule that found it.</param>
    /// <param name="Layer">The layer it concerns (the first affine layer for the ratio rules), or <c>null</c> for the whole network.</param>
    /// <param name="Value">The measured value the rule compared (a ratio, a mean |g|, a growth factor, a zero fraction; NaN or infinity for <see cref="GradientRule.NonFinite"/>).</param>
    /// <param name="Threshold">The threshold it crossed.</param>
    /// <param name="Step">The training pass the sample was taken at (1 is the first training forward pass the monitor saw).</param>
    /// <param name="Message">A sentence for people: what was measured, against what, and whose rule it is.</param>
    public sealed record GradientVerdict(GradientIssue Issue, GradientRule Rule, string? Layer, double Value, double Threshold, long Step, string Message)
    {
        /// <inheritdoc/>
        public override string ToString() => Message;
    }
}
