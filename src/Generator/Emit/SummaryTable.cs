using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit
{
    /// <summary>The Keras <c>model.summary()</c> layout, computed from the model at compile time.</summary>
    internal static class SummaryTable
    {
        public static IEnumerable<string> Lines(NetworkModel network)
        {
            var rows = network.Layers
                .Select(l => (Layer: $"{l.DisplayName} ({l.Kind})", Shape: l.OutputShape.ToBatchString(), Params: Count(l.Parameters), Scale: Scale(l)))
                .ToList();
            var w1 = System.Math.Max("Layer (type)".Length, rows.Max(r => r.Layer.Length)) + 2;
            var w2 = System.Math.Max("Output Shape".Length, rows.Max(r => r.Shape.Length)) + 2;
            var w3 = System.Math.Max("Param #".Length, rows.Max(r => r.Params.Length));
            var w4 = System.Math.Max(ScaleHeader.Length, rows.Max(r => r.Scale.Length)) + 2;
            yield return "Layer (type)".PadRight(w1) + "Output Shape".PadRight(w2) + "Param #".PadLeft(w3) + ScaleHeader.PadLeft(w4);
            yield return new string('=', w1 + w2 + w3 + w4);
            foreach (var row in rows)
            {
                yield return (row.Layer.PadRight(w1) + row.Shape.PadRight(w2) + row.Params.PadLeft(w3) + row.Scale.PadLeft(w4)).TrimEnd();
            }

            yield return new string('=', w1 + w2 + w3 + w4);
            yield return "Total params: " + Count(network.TotalParameters);
            yield return "Trainable params: " + Count(network.TrainableParameters);
            yield return "Non-trainable params: " + Count(network.TotalParameters - network.TrainableParameters);
            if (network.Layers.Any(l => l.GradientScale is not null))
            {
                yield return network.Layers.Any(l => l.Kind is "RNN" or "LSTM" or "GRU" && l.GradientScale is { } s && !double.IsNaN(s))
                    ? "Grad @ init: gradient reaching the first time step relative to the last, predicted at initialisation (n/a: not predicted)"
                    : "Grad @ init: weight-gradient norm relative to the last layer's, predicted at initialisation (n/a: not predicted)";
            }

            if (network.UserForward)
            {
                yield return "forward: user-written; shapes checked per layer as declared, not along the data flow";
            }
        }

        private const string ScaleHeader = "Grad @ init";

        /// <summary>Two significant digits ("1", "0.31", "4.2e-4", "2.9e2"), "n/a", or nothing for a layer without weights.</summary>
        private static string Scale(LayerModel layer) => layer.GradientScale switch
        {
            null => string.Empty,
            { } s when double.IsNaN(s) || double.IsInfinity(s) => "n/a",
            { } s when s != 0 && (s < 0.01 || s >= 100) => s.ToString("0.0e-0", CultureInfo.InvariantCulture),
            { } s => s.ToString("G2", CultureInfo.InvariantCulture),
        };

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
