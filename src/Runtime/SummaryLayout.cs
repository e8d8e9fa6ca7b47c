using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen
{
    /// <summary>
    /// The Keras <c>model.summary()</c> layout of a <see cref="NetworkSummary"/>, laid out at run time from the rows the
    /// generated code holds. The generator lays out the same table for the class's XML documentation and the PyTorch twin
    /// (<c>Emit/SummaryTable.cs</c> in NetGen.Generator); <c>SummaryTableTests</c> checks that the two agree on every catalogue network.
    /// </summary>
    internal static class SummaryLayout
    {
        private const string LayerHeader = "Layer (type)";
        private const string ShapeHeader = "Output Shape";
        private const string ParamsHeader = "Param #";
        private const string ScaleHeader = "Grad @ init";

        public static string Table(NetworkSummary summary)
        {
            var rows = summary.Layers
                .Select(l => (Layer: $"{l.Name} ({l.Type})", Shape: BatchShape(l.OutputShape), Params: Count(l.Parameters), Scale: Scale(l.ScaleAsDeclared)))
                .ToList();
            var w1 = Math.Max(LayerHeader.Length, rows.Max(r => r.Layer.Length)) + 2;
            var w2 = Math.Max(ShapeHeader.Length, rows.Max(r => r.Shape.Length)) + 2;
            var w3 = Math.Max(ParamsHeader.Length, rows.Max(r => r.Params.Length));
            var w4 = Math.Max(ScaleHeader.Length, rows.Max(r => r.Scale.Length)) + 2;
            var rule = new string('=', w1 + w2 + w3 + w4);
            var text = new StringBuilder();
            text.Append(LayerHeader.PadRight(w1)).Append(ShapeHeader.PadRight(w2)).Append(ParamsHeader.PadLeft(w3)).Append(ScaleHeader.PadLeft(w4)).Append('\n');
            text.Append(rule).Append('\n');
            foreach (var row in rows)
            {
                text.Append((row.Layer.PadRight(w1) + row.Shape.PadRight(w2) + row.Params.PadLeft(w3) + row.Scale.PadLeft(w4)).TrimEnd()).Append('\n');
            }

            text.Append(rule).Append('\n');
            text.Append("Total params: ").Append(Count(summary.TotalParameters)).Append('\n');
            text.Append("Trainable params: ").Append(Count(summary.TrainableParameters)).Append('\n');
            text.Append("Non-trainable params: ").Append(Count(summary.TotalParameters - summary.TrainableParameters));
            if (summary.Layers.Any(l => l.ScaleAsDeclared is not null))
            {
                text.Append('\n').Append(summary.Layers.Any(l => l.Type is "RNN" or "LSTM" or "GRU" && l.ScaleAsDeclared is { } s && !double.IsNaN(s))
                    ? "Grad @ init: gradient reaching the first time step relative to the last, predicted at initialisation (n/a: not predicted)"
                    : "Grad @ init: weight-gradient norm relative to the last layer's, predicted at initialisation (n/a: not predicted)");
            }

            if (summary.ForwardIsUserWritten)
            {
                text.Append('\n').Append("forward: user-written; shapes checked per layer as declared, not along the data flow");
            }

            return text.ToString();
        }

        private static string BatchShape(System.Collections.Generic.IReadOnlyList<long> dims) =>
            "(-1, " + string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

        /// <summary>Two significant digits ("1", "0.31", "4.2e-4", "2.9e2"), "n/a", or nothing for a layer without weights.</summary>
        private static string Scale(double? scale) => scale switch
        {
            null => string.Empty,
            { } s when double.IsNaN(s) || double.IsInfinity(s) => "n/a",
            { } s when s != 0 && (s < 0.01 || s >= 100) => s.ToString("0.0e-0", CultureInfo.InvariantCulture),
            { } s => s.ToString("G2", CultureInfo.InvariantCulture),
        };

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
