using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Catalog
{
    /// <summary>
    /// The one table of layers NetGen understands. The parser, the emitter, the summary and the
    /// analyzers all read it; adding a layer is one entry here, its attribute in src/Attributes,
    /// and tests.
    /// </summary>
    internal static class LayerCatalog
    {
        private const string Functional = "global::TorchSharp.torch.nn.functional.";

        public static readonly IReadOnlyList<LayerDefinition> All = new[]
        {
            new LayerDefinition("Linear", LayerRole.Affine, "fc", ownsModule: true, InferLinear),
            new LayerDefinition("BatchNorm", LayerRole.Normalization, "bn", ownsModule: true, InferBatchNorm),
            Activation("ReLU", "relu"),
            Activation("Sigmoid", "sigmoid", maxDerivative: 0.25),
            Activation("Tanh", "tanh", maxDerivative: 1.0),
        };

        private static readonly Dictionary<string, LayerDefinition> ByMetadataName =
            All.ToDictionary(d => d.MetadataName);

        public static LayerDefinition? Find(string metadataName) =>
            ByMetadataName.TryGetValue(metadataName, out var definition) ? definition : null;

        private static LayerSpec? InferLinear(LayerContext c)
        {
            var outFeatures = c.Size("outFeatures", "Linear");
            long? inFeatures = c.Arguments.Has("inFeatures") ? c.Size("inFeatures", "Linear") : c.Input?.Last;
            if (outFeatures is null || (c.Arguments.Has("inFeatures") && inFeatures is null))
            {
                return null;
            }

            if (inFeatures is null)
            {
                return c.NeedsInput($"Linear({LayerContext.Number(outFeatures.Value)})");
            }

            var input = c.Input ?? new Shape(inFeatures.Value);
            if (input.Last != inFeatures)
            {
                c.Report(
                    DiagnosticDescriptors.LayerSizeMismatch,
                    $"{c.Name} (Linear)",
                    inFeatures.Value,
                    c.PreviousName,
                    input.Last,
                    $"Linear({LayerContext.Number(input.Last)}, {LayerContext.Number(outFeatures.Value)})");
                return null;
            }

            var bias = c.Arguments.Bool("Bias", true);
            var parameters = (inFeatures.Value * outFeatures.Value) + (bias ? outFeatures.Value : 0);
            var inText = LayerContext.Number(inFeatures.Value);
            var outText = LayerContext.Number(outFeatures.Value);
            return new LayerSpec(
                input.WithLast(outFeatures.Value),
                $"Linear({inText} → {outText}{(bias ? string.Empty : ", no bias")})",
                "global::TorchSharp.Modules.Linear",
                $"global::TorchSharp.torch.nn.Linear({inText}, {outText}, hasBias: {(bias ? "true" : "false")})",
                c.Name + ".call({x})",
                parameters,
                parameters);
        }

        private static LayerSpec? InferBatchNorm(LayerContext c)
        {
            if (c.Input is not { } input)
            {
                return c.NeedsInput("BatchNorm");
            }

            // PyTorch picks the variant from the rank with the batch dimension: (N, C) and (N, C, L) are 1d,
            // (N, C, H, W) is 2d, (N, C, D, H, W) is 3d. Features are the channel dimension.
            var variant = input.Rank switch
            {
                1 or 2 => "BatchNorm1d",
                3 => "BatchNorm2d",
                _ => "BatchNorm3d",
            };
            var features = input.Dims[0];
            var featuresText = LayerContext.Number(features);
            return new LayerSpec(
                input,
                $"{variant}({featuresText})",
                "global::TorchSharp.Modules." + variant,
                $"global::TorchSharp.torch.nn.{variant}({featuresText})",
                c.Name + ".call({x})",
                2 * features,
                2 * features);
        }

        private static LayerDefinition Activation(string attributeName, string function, double? maxDerivative = null) =>
            new(
                attributeName,
                LayerRole.Activation,
                function,
                ownsModule: false,
                c => c.Input is { } input
                    ? new LayerSpec(input, attributeName, null, null, Functional + function + "({x})", 0, 0)
                    : c.NeedsInput(attributeName),
                maxDerivative);
    }
}
