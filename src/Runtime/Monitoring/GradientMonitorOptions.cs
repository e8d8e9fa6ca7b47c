using System;

namespace NetGen.Monitoring
{
    /// <summary>
    /// Sampling, thresholds and history size of a <see cref="GradientMonitor"/>. The defaults are the thresholds published by
    /// AUTOTRAINER (Zhang et al., ICSE 2021), DeepDiagnosis (Wardat et al., ICSE 2022) and TheDeepChecker (Ben Braiek and
    /// Khomh); the names match the named arguments of <c>[GradientMonitor]</c>, so the generated constructor copies the
    /// ones the user set. Every property can also be changed at run time through <see cref="GradientMonitor.Options"/>;
    /// a change applies from the next sample on.
    /// </summary>
    public sealed class GradientMonitorOptions
    {
        private int sampleEvery = 10;
        private double vanishingRatio = 1e-3;
        private double vanishingFirstLayerNorm = 1e-4;
        private double vanishingMeanAbs = 1e-7;
        private double explodingRatio = 70;
        private double growthFactor = 2;
        private int growthWindow = 5;
        private double dyingReluFraction = 0.7;
        private int historyCapacity = 1000;

        /// <summary>Sample one training pass in this many (default 10; 1 samples every pass).</summary>
        public int SampleEvery
        {
            get => sampleEvery;
            set => sampleEvery = value >= 1 ? value : throw Invalid(nameof(SampleEvery), value, "at least 1");
        }

        /// <summary>Vanishing (AUTOTRAINER): first-to-last affine weight-gradient norm ratio below this (default 1e-3), together with <see cref="VanishingFirstLayerNorm"/>.</summary>
        public double VanishingRatio
        {
            get => vanishingRatio;
            set => vanishingRatio = Positive(nameof(VanishingRatio), value);
        }

        /// <summary>Vanishing (AUTOTRAINER): the first affine layer's weight-gradient norm below this (default 1e-4).</summary>
        public double VanishingFirstLayerNorm
        {
            get => vanishingFirstLayerNorm;
            set => vanishingFirstLayerNorm = Positive(nameof(VanishingFirstLayerNorm), value);
        }

        /// <summary>Vanishing (DeepDiagnosis): an affine layer's mean |g| below this (default 1e-7).</summary>
        public double VanishingMeanAbs
        {
            get => vanishingMeanAbs;
            set => vanishingMeanAbs = Positive(nameof(VanishingMeanAbs), value);
        }

        /// <summary>Exploding (AUTOTRAINER): first-to-last affine weight-gradient norm ratio above this (default 70).</summary>
        public double ExplodingRatio
        {
            get => explodingRatio;
            set => explodingRatio = Positive(nameof(ExplodingRatio), value);
        }

        /// <summary>Exploding (TheDeepChecker): the total gradient norm rose at every one of <see cref="GrowthWindow"/> consecutive samples and ended at least this many times higher (default 2).</summary>
        public double GrowthFactor
        {
            get => growthFactor;
            set => growthFactor = value > 1 && !double.IsInfinity(value) ? value : throw Invalid(nameof(GrowthFactor), value, "a finite number above 1");
        }

        /// <summary>How many consecutive samples the growth rule looks at (default 5).</summary>
        public int GrowthWindow
        {
            get => growthWindow;
            set => growthWindow = value >= 2 ? value : throw Invalid(nameof(GrowthWindow), value, "at least 2");
        }

        /// <summary>Dying ReLU (AUTOTRAINER, DeepDiagnosis): at least this fraction of a ReLU layer's units output zero for every sample of the batch (default 0.7).</summary>
        public double DyingReluFraction
        {
            get => dyingReluFraction;
            set => dyingReluFraction = value > 0 && value <= 1 ? value : throw Invalid(nameof(DyingReluFraction), value, "in (0, 1]");
        }

        /// <summary>How many sampled reports <see cref="GradientMonitor.Reports"/> and <see cref="GradientMonitor.History(string)"/> keep (default 1000); the oldest are dropped.</summary>
        public int HistoryCapacity
        {
            get => historyCapacity;
            set => historyCapacity = value >= 1 ? value : throw Invalid(nameof(HistoryCapacity), value, "at least 1");
        }

        private static double Positive(string name, double value) =>
            value > 0 && !double.IsInfinity(value) ? value : throw Invalid(name, value, "a finite positive number");

        private static ArgumentOutOfRangeException Invalid(string name, object value, string expected) =>
            new(name, value, $"GradientMonitor option {name} must be {expected}; got {value}.");
    }
}
