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
                .Select(l => (Layer: $"{l.DisplayName} ({l.Kind})", Shape: l.OutputShape.ToBatchString(), Params: Count(l.Parameters)))
                .ToList();
            var w1 = System.Math.Max("Layer (type)".Length, rows.Max(r => r.Layer.Length)) + 2;
            var w2 = System.Math.Max("Output Shape".Length, rows.Max(r => r.Shape.Length)) + 2;
            var w3 = System.Math.Max("Param #".Length, rows.Max(r => r.Params.Length));
            yield return "Layer (type)".PadRight(w1) + "Output Shape".PadRight(w2) + "Param #".PadLeft(w3);
            yield return new string('=', w1 + w2 + w3);
            foreach (var row in rows)
            {
                yield return row.Layer.PadRight(w1) + row.Shape.PadRight(w2) + row.Params.PadLeft(w3);
            }

            yield return new string('=', w1 + w2 + w3);
            yield return "Total params: " + Count(network.TotalParameters);
            yield return "Trainable params: " + Count(network.TrainableParameters);
            yield return "Non-trainable params: " + Count(network.TotalParameters - network.TrainableParameters);
        }

        private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
