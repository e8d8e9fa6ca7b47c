using System;
using System.Runtime.CompilerServices;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// How the loss's gradient at the network output is correlated across the samples of a batch. The weight
    /// gradient of a batch sums δ·aᵀ over samples, so when δ has a part shared by all samples and the layer's input
    /// a has one too (a Sigmoid's or ReLU's output has a positive mean), the shared parts add coherently:
    /// E‖∇W‖² ∝ E[δ²]·E[a²] + (B − 1)·Cov(δ_b, δ_b')·Cov(a_b, a_b'). The first layer's input (the data) has no shared
    /// part, the last layer's usually has, so this term lowers the first/last ratio.
    /// </summary>
    internal sealed class OutputLoss
    {
        /// <summary>The batch size the prediction assumes: 64, the calibration suite's. The shared term grows with it.</summary>
        public const int AssumedBatchSize = 64;

        private readonly Func<long, double, double, double> _sharedRatio;

        private OutputLoss(string name, int batchSize, Func<long, double, double, double> sharedRatio)
        {
            Name = name;
            BatchSize = batchSize;
            _sharedRatio = sharedRatio;
        }

        public string Name { get; }

        public int BatchSize { get; }

        /// <summary>A loss whose output gradient is independent across samples (zero-mean targets for a random projection).</summary>
        public static readonly OutputLoss Uncorrelated = new("uncorrelated", 1, (_, _, _) => 0);

        /// <summary>
        /// Softmax cross-entropy over balanced classes. For independent samples the shared part of δ = p − onehot(y)
        /// is its mean over the data, p̄ − ȳ, so Cov(δ_b, δ_b') / E[δ²] = ‖p̄ − ȳ‖² / (E‖p‖² − 2/K + 1) with ȳ uniform:
        /// how far the network's average prediction is from uniform, which the logits' per-class offsets decide.
        /// </summary>
        public static OutputLoss SoftmaxCrossEntropy(int batchSize = AssumedBatchSize) =>
            new("softmax cross-entropy", batchSize, SoftmaxSharedRatio);

        /// <summary>What the analyzers assume: cross-entropy for two or more outputs; one output is a regression
        /// whose targets NetGen knows nothing about, so no shared part is assumed.</summary>
        public static OutputLoss ForOutputs(long outputs) => outputs >= 2 ? SoftmaxCrossEntropy() : Uncorrelated;

        /// <summary>Cov(δ_b, δ_b')/E[δ²] per output unit, for logits with per-class offset variance
        /// <paramref name="offsetVariance"/> and per-sample variance <paramref name="sampleVariance"/>.</summary>
        public double SharedRatio(long outputs, double offsetVariance, double sampleVariance) =>
            _sharedRatio(outputs, Math.Max(offsetVariance, 0), Math.Max(sampleVariance, 0));

        /// <summary>
        /// ‖p̄ − 1/K‖² and E‖p‖² over logits ℓ_k = c_k + w_k, c_k ~ N(0, q_c) per class, w_k ~ N(0, q_w) per sample:
        /// a fixed set of pseudo-random draws (the same every time) for up to 256 classes; beyond that the
        /// large-K limit, where the softmax denominator concentrates at K·e^(q/2).
        /// </summary>
        [MethodImpl(SignalPropagation.Hot)]
        private static double SoftmaxSharedRatio(long classes, double qc, double qw)
        {
            if (classes > MaxClasses)
            {
                var k = (double)classes;
                var shared = (Math.Exp(Math.Min(qc, 50)) - 1) / k;
                var secondMoment = Math.Min(Math.Exp(Math.Min(qc + qw, 50)) / k, 1);
                return Math.Min(shared / (secondMoment - (2 / k) + 1), 1);
            }

            // Row o of the table holds the class offsets' normals, rows offsets + o·samples + s the samples'.
            var normals = Normals.Value;
            var c = new double[classes];
            var logits = new double[classes];
            var mean = new double[classes];
            double sharedSum = 0, squareSum = 0;
            for (var o = 0; o < Offsets; o++)
            {
                for (var i = 0; i < classes; i++)
                {
                    c[i] = Math.Sqrt(qc) * normals[(o * MaxClasses) + i];
                    mean[i] = 0;
                }

                for (var s = 0; s < Samples; s++)
                {
                    var row = (Offsets + (o * Samples) + s) * MaxClasses;
                    var max = double.NegativeInfinity;
                    for (var i = 0; i < classes; i++)
                    {
                        logits[i] = c[i] + (Math.Sqrt(qw) * normals[row + i]);
                        max = Math.Max(max, logits[i]);
                    }

                    double sum = 0;
                    for (var i = 0; i < classes; i++)
                    {
                        logits[i] = Math.Exp(logits[i] - max);
                        sum += logits[i];
                    }

                    for (var i = 0; i < classes; i++)
                    {
                        var p = logits[i] / sum;
                        mean[i] += p / Samples;
                        squareSum += p * p / (Offsets * Samples);
                    }
                }

                for (var i = 0; i < classes; i++)
                {
                    var deviation = mean[i] - (1.0 / classes);
                    sharedSum += deviation * deviation / Offsets;
                }
            }

            return sharedSum / (squareSum - (2.0 / classes) + 1);
        }

        private const int Offsets = 16;
        private const int Samples = 32;
        private const int MaxClasses = 256;

        /// <summary>The same pseudo-random standard normals every time, drawn once (about 1 MB).</summary>
        private static readonly Lazy<double[]> Normals = new(() =>
        {
            var random = new SplitMix64(0x5EED);
            var table = new double[(Offsets + (Offsets * Samples)) * MaxClasses];
            for (var i = 0; i < table.Length; i++)
            {
                table[i] = random.NextNormal();
            }

            return table;
        });

        /// <summary>SplitMix64 with Box–Muller: a tiny generator whose numbers do not depend on the .NET version.</summary>
        private sealed class SplitMix64
        {
            private ulong _state;
            private double? _spare;

            public SplitMix64(ulong seed) => _state = seed;

            public double NextNormal()
            {
                if (_spare is { } spare)
                {
                    _spare = null;
                    return spare;
                }

                var u1 = NextUniform();
                var u2 = NextUniform();
                var radius = Math.Sqrt(-2 * Math.Log(u1));
                _spare = radius * Math.Sin(2 * Math.PI * u2);
                return radius * Math.Cos(2 * Math.PI * u2);
            }

            /// <summary>Uniform on (0, 1].</summary>
            private double NextUniform()
            {
                _state += 0x9E3779B97F4A7C15UL;
                var z = _state;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                return ((z >> 11) + 1) * (1.0 / 9007199254740992.0);
            }
        }
    }
}
