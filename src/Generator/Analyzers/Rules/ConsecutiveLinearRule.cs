using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0005: a Linear layer directly after another, with nothing between them (NeuraLint f009). Reported at
    /// the second one. A BatchNorm between them is not linear over a training batch, so it does not count.
    /// </summary>
    internal sealed class ConsecutiveLinearRule : NetworkRule
    {
        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.ConsecutiveLinearLayers);

        public override void Analyze(NetworkRuleContext network)
        {
            for (var i = 1; i < network.Layers.Count; i++)
            {
                if (!network.IsLinear(i) || !network.IsLinear(i - 1))
                {
                    continue;
                }

                var inFeatures = i >= 2 ? network.Layers[i - 2].Model.OutputShape.Last : network.Parsed.Model!.InputShape.Last;
                var middle = network.Layers[i - 1].Model.OutputShape.Last;
                var outFeatures = network.Layers[i].Model.OutputShape.Last;
                var bias1 = LayerArguments.From(network.Layers[i - 1].Attribute).Bool("Bias", true);
                var bias2 = LayerArguments.From(network.Layers[i].Attribute).Bool("Bias", true);
                var pair = (inFeatures * middle) + (bias1 ? middle : 0) + (middle * outFeatures) + (bias2 ? outFeatures : 0);
                var merged = (inFeatures * outFeatures) + (bias1 || bias2 ? outFeatures : 0);
                network.Report(Diagnostic.Create(
                    DiagnosticDescriptors.ConsecutiveLinearLayers,
                    network.Layers[i].Location,
                    network.Name(i),
                    network.Name(i - 1),
                    inFeatures,
                    outFeatures,
                    Text.Count(pair),
                    Text.Count(merged)));
            }
        }
    }
}
