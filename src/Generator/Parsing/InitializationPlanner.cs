using System.Collections.Generic;
using NetGen.Generator.Catalog;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Stage 4 of parsing: the Xavier/Kaiming initialisation of each Linear and convolution, from the layer's own
    /// <c>Init</c>, else the class's <c>[XavierInit]</c>/<c>[KaimingInit]</c>, with the gain of the activation that
    /// follows (looking through normalisation, dropout, pooling and reshaping), as PyTorch's <c>calculate_gain</c>.
    /// </summary>
    internal static class InitializationPlanner
    {
        // The NetGen.Init enum's members by value.
        private static readonly string[] InitSchemes = { "None", "Default", "XavierUniform", "XavierNormal", "KaimingUniform", "KaimingNormal" };

        /// <summary>Sets <see cref="LayerModel.Init"/> and the TorchSharp call that applies it on every initialisable layer.</summary>
        public static void Apply(List<LayerModel> layers, List<ParsedLayer> parsed, ClassInit? classInit)
        {
            for (var i = 0; i < parsed.Count; i++)
            {
                if (!parsed[i].Definition.IsInitialisable)
                {
                    continue;
                }

                var own = LayerArguments.From(parsed[i].Attribute).Long("Init") ?? 0;
                var scheme = own > 1 && own < InitSchemes.Length ? InitSchemes[own] : own == 0 ? classInit?.Scheme : null;
                if (scheme is null)
                {
                    continue;
                }

                var (gain, slope) = FollowingGain(parsed, i);
                var init = new LayerInit(
                    scheme,
                    gain,
                    slope,
                    FanOut: own == 0 && classInit is { FanOut: true },
                    ZeroBias: own != 0 || classInit is not { ZeroBias: false },
                    FromClass: own == 0);
                var call = $"global::NetGen.Training.WeightInit.Apply({layers[i].FieldName}, global::NetGen.Init.{scheme}, global::NetGen.Training.Nonlinearity.{gain}"
                    + (slope is { } s ? ", negativeSlope: " + LayerCatalog.Literal(s) : string.Empty)
                    + (init.FanOut ? ", mode: global::NetGen.FanMode.FanOut" : string.Empty)
                    + (init.ZeroBias ? string.Empty : ", zeroBias: false")
                    + ");";
                layers[i] = layers[i] with
                {
                    InitCall = call,
                    Init = new InitModel(scheme, gain, slope, init.FanOut, init.ZeroBias),
                };
                parsed[i] = parsed[i] with { Model = layers[i], Init = init };
            }
        }

        /// <summary>The nonlinearity (and slope) of the first activation after layer <paramref name="index"/>, looking through transparent layers.</summary>
        private static (string Gain, double? Slope) FollowingGain(List<ParsedLayer> parsed, int index)
        {
            for (var j = index + 1; j < parsed.Count; j++)
            {
                var next = parsed[j].Definition;
                if (next.IsTransparentToInit)
                {
                    continue;
                }

                if (next.Role == LayerRole.Activation && next.InitGain is { } gain)
                {
                    var arguments = LayerArguments.From(parsed[j].Attribute);
                    var slope = next.AttributeName == "PReLU" ? arguments.Double("InitialSlope") ?? 0.25
                        : next.AttributeName == "LeakyReLU" ? arguments.Double("negativeSlope") ?? 0.01
                        : (double?)null;
                    return (gain, slope);
                }

                break;
            }

            return ("Identity", null);
        }
    }
}
