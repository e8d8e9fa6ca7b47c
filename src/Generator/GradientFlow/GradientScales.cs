using System;
using System.Linq;
using NetGen.Generator.Catalog;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// Puts the prediction into the model, so the summary (XML doc table, <c>Summary.ToString()</c>, <c>Summary.Layers</c>)
    /// shows every network's predicted gradient scale at initialisation, not only the ones NG0001 or NG0002 warn about.
    /// </summary>
    internal static class GradientScales
    {
        /// <summary>The parsed network's model with <see cref="LayerModel.GradientScale"/> set; the model unchanged when
        /// prediction fails (it never should), null when the network did not resolve.</summary>
        public static NetworkModel? Attach(ParsedNetwork network)
        {
            if (network.Model is not { } model)
            {
                return null;
            }

            try
            {
                var scales = Scales(network);
                if (scales.Length != model.Layers.Count)
                {
                    return model;
                }

                var layers = model.Layers.Select((l, i) => scales[i] is { } s ? l with { GradientScale = s } : l).ToEquatableArray();
                return model with { Layers = layers };
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return model;
            }
        }

        /// <summary>Per declared layer: the scale, NaN for a layer the prediction would cover but cannot, null for layers without weights to compare.</summary>
        public static double?[] Scales(ParsedNetwork network)
        {
            var scales = new double?[network.Layers.Count];
            if (network.UserForward)
            {
                // Declaration order is not the data flow: nothing to propagate a signal along.
                for (var i = 0; i < scales.Length; i++)
                {
                    scales[i] = HasWeights(network.Layers[i]) ? double.NaN : null;
                }

                return scales;
            }

            if (RecurrentFlow.Predict(network) is { } recurrent)
            {
                for (var i = 0; i < scales.Length; i++)
                {
                    scales[i] = HasWeights(network.Layers[i]) ? double.NaN : null;
                }

                scales[recurrent.FirstSource] = recurrent.TimeRatio;
                return scales;
            }

            var prediction = network.Layers.Count == 0 ? null : LayerTerms.Predict(network);
            for (var i = 0; i < scales.Length; i++)
            {
                if (!HasWeights(network.Layers[i]))
                {
                    continue;
                }

                scales[i] = double.NaN;
                for (var k = 0; prediction is not null && k < prediction.Layers.Count; k++)
                {
                    if (prediction.Layers[k].Source == i)
                    {
                        scales[i] = prediction.RelativeToLast(k);
                        break;
                    }
                }
            }

            return scales;
        }

        /// <summary>Affine, convolutional and recurrent layers, and blocks that hold one.</summary>
        private static bool HasWeights(ParsedLayer layer) =>
            layer.Definition.AttributeName is "Linear" ||
            layer.Definition.Role is LayerRole.Convolution or LayerRole.Recurrent ||
            (layer.Definition.Role is LayerRole.Block or LayerRole.Residual && layer.Block is { } block && block.Layers.Any(HasWeights));
    }
}
