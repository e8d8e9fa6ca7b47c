using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen.Monitoring
{
    /// <summary>Gradient statistics of one parameter tensor in one sample.</summary>
    /// <param name="Name">The parameter's name inside its layer (<c>weight</c>, <c>bias</c>).</param>
    /// <param name="Count">The number of entries.</param>
    /// <param name="Norm">The L2 norm of its gradient, what <c>p.grad.norm()</c> returns.</param>
    /// <param name="MeanAbs">The mean of the absolute gradient entries.</param>
    /// <param name="MaxAbs">The largest absolute gradient entry.</param>
    public readonly record struct ParameterGradientStats(string Name, long Count, double Norm, double MeanAbs, double MaxAbs);

    /// <summary>
    /// What one sample measured at one layer. Values that do not apply to the layer are <c>null</c>: parameter statistics for
    /// parameter-free layers, <see cref="ZeroFraction"/> for layers that are not ReLUs, <see cref="ActivationGradientNorm"/>
    /// when no gradient reached the layer's output.
    /// </summary>
    public sealed class LayerGradientStats
    {
        internal LayerGradientStats(long step, int index, string name, LayerKind kind, IReadOnlyList<ParameterGradientStats> parameters, double? activationGradientNorm, double? zeroFraction, double? deadFraction = null)
        {
            Step = step;
            Index = index;
            Name = name;
            Kind = kind;
            Parameters = parameters;
            ActivationGradientNorm = activationGradientNorm;
            ZeroFraction = zeroFraction;
            DeadFraction = deadFraction;
            if (parameters.Count > 0)
            {
                Norm = Math.Sqrt(parameters.Sum(p => p.Norm * p.Norm));
                MeanAbs = parameters.Sum(p => p.MeanAbs * p.Count) / parameters.Sum(p => (double)p.Count);
                MaxAbs = parameters.Max(p => p.MaxAbs);
            }
        }

        /// <summary>The training pass this sample was taken at.</summary>
        public long Step { get; }

        /// <summary>The layer's position in forward order (its index in the layer table).</summary>
        public int Index { get; }

        /// <summary>The layer's name.</summary>
        public string Name { get; }

        /// <summary>What the layer is.</summary>
        public LayerKind Kind { get; }

        /// <summary>Per-parameter statistics, in the layer's parameter order; empty for parameter-free layers.</summary>
        public IReadOnlyList<ParameterGradientStats> Parameters { get; }

        /// <summary>The L2 norm over all of the layer's parameter gradients together: sqrt(Σ ‖g_p‖²).</summary>
        public double? Norm { get; }

        /// <summary>The mean |g| over all of the layer's parameter gradient entries.</summary>
        public double? MeanAbs { get; }

        /// <summary>The largest |g| over all of the layer's parameter gradient entries.</summary>
        public double? MaxAbs { get; }

        /// <summary>The L2 norm of dLoss/d(output): the gradient flowing back into the layer's output, the one that vanishes.</summary>
        public double? ActivationGradientNorm { get; }

        /// <summary>For ReLU layers: the fraction of the layer's outputs over the batch that are exactly zero (sparsity; a
        /// healthy trained ReLU layer often has more than half).</summary>
        public double? ZeroFraction { get; }

        /// <summary>For ReLU layers: the fraction of its units (one per feature position) that output zero for every sample
        /// of the batch, so their incoming weights get no gradient from it: the dying-ReLU measure.</summary>
        public double? DeadFraction { get; }

        /// <summary>The statistics of the parameter called <paramref name="name"/>, or <c>null</c>.</summary>
        /// <param name="name">The parameter's name inside the layer (<c>weight</c>, <c>bias</c>).</param>
        public ParameterGradientStats? Parameter(string name)
        {
            foreach (var p in Parameters)
            {
                if (p.Name == name)
                {
                    return p;
                }
            }

            return null;
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Name}: norm {Format(Norm)}, mean|g| {Format(MeanAbs)}, max|g| {Format(MaxAbs)}, output-gradient norm {Format(ActivationGradientNorm)}" +
            (ZeroFraction is { } z ? $", zero outputs {(z * 100).ToString("0.#", CultureInfo.InvariantCulture)}%" : string.Empty) +
            (DeadFraction is { } d ? $", dead units {(d * 100).ToString("0.#", CultureInfo.InvariantCulture)}%" : string.Empty);

        internal static string Format(double? value) => value is { } v ? v.ToString("G3", CultureInfo.InvariantCulture) : "-";
    }

    /// <summary>
    /// Everything one sampled training pass measured: per-layer statistics, network-wide numbers, and the verdicts.
    /// </summary>
    public sealed class GradientReport
    {
        internal GradientReport(long step, IReadOnlyList<LayerGradientStats> layers, double totalNorm, double firstToLastRatio, bool allFinite, IReadOnlyList<GradientVerdict> verdicts)
        {
            Step = step;
            Layers = layers;
            TotalNorm = totalNorm;
            FirstToLastRatio = firstToLastRatio;
            AllFinite = allFinite;
            Verdicts = verdicts;
        }

        /// <summary>The training pass this sample was taken at (1 is the first training forward pass the monitor saw).</summary>
        public long Step { get; }

        /// <summary>Per-layer statistics, in forward order.</summary>
        public IReadOnlyList<LayerGradientStats> Layers { get; }

        /// <summary>The L2 norm of all parameter gradients together, as <c>clip_grad_norm_</c> measures it before clipping.</summary>
        public double TotalNorm { get; }

        /// <summary>
        /// The first affine layer's weight-gradient norm divided by the last affine layer's (AUTOTRAINER's ratio); NaN when the
        /// network has fewer than two affine layers or the last one's gradient is zero.
        /// </summary>
        public double FirstToLastRatio { get; }

        /// <summary>Whether every recorded gradient was finite.</summary>
        public bool AllFinite { get; }

        /// <summary>The verdicts of this sample; empty when healthy.</summary>
        public IReadOnlyList<GradientVerdict> Verdicts { get; }

        /// <summary>Whether no rule fired.</summary>
        public bool IsHealthy => Verdicts.Count == 0;

        /// <summary>The statistics of the layer called <paramref name="layer"/>.</summary>
        /// <param name="layer">The layer's name.</param>
        /// <exception cref="KeyNotFoundException">No layer has that name.</exception>
        public LayerGradientStats this[string layer] =>
            Layers.FirstOrDefault(l => l.Name == layer) ?? throw new KeyNotFoundException($"The report has no layer named '{layer}'; its layers are {string.Join(", ", Layers.Select(l => l.Name))}.");

        /// <summary>Whether a verdict of the given kind was raised.</summary>
        /// <param name="issue">The problem to look for.</param>
        public bool Has(GradientIssue issue) => Verdicts.Any(v => v.Issue == issue);

        /// <summary>A plain-text table of the sample, one row per layer, followed by the verdicts.</summary>
        public override string ToString()
        {
            var rows = new List<string[]> { new[] { "Layer", "Kind", "‖∇θ‖", "mean|g|", "max|g|", "‖∇out‖", "zeros", "dead" } };
            rows.AddRange(Layers.Select(l => new[]
            {
                l.Name,
                l.Kind.ToString(),
                LayerGradientStats.Format(l.Norm),
                LayerGradientStats.Format(l.MeanAbs),
                LayerGradientStats.Format(l.MaxAbs),
                LayerGradientStats.Format(l.ActivationGradientNorm),
                l.ZeroFraction is { } z ? (z * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-",
                l.DeadFraction is { } d ? (d * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-",
            }));
            var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            var text = new StringBuilder();
            text.Append("Gradient report, step ").Append(Step.ToString(CultureInfo.InvariantCulture))
                .Append(": total norm ").Append(LayerGradientStats.Format(TotalNorm))
                .Append(", first/last ratio ").Append(LayerGradientStats.Format(FirstToLastRatio)).AppendLine();
            foreach (var row in rows)
            {
                text.AppendLine(string.Join("  ", row.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
            }

            text.Append(IsHealthy ? "Healthy." : string.Join(Environment.NewLine, Verdicts.Select(v => v.Message)));
            return text.ToString();
        }
    }
}
