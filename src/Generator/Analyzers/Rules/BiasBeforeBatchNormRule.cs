using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>NG0003: a Linear layer with a bias directly followed by BatchNorm (NeuraLint f005). Reported at the Linear.</summary>
    internal sealed class BiasBeforeBatchNormRule : NetworkRule
    {
        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.BiasBeforeBatchNorm);

        public override void Analyze(NetworkRuleContext network)
        {
            for (var i = 0; i + 1 < network.Layers.Count; i++)
            {
                var layer = network.Layers[i];
                if (network.IsLinear(i) &&
                    network.Layers[i + 1].Definition.AttributeName == "BatchNorm" &&
                    LayerArguments.From(layer.Attribute).Bool("Bias", true))
                {
                    network.Report(Diagnostic.Create(
                        DiagnosticDescriptors.BiasBeforeBatchNorm,
                        layer.Location,
                        network.Name(i),
                        network.Name(i + 1),
                        Text.Count(layer.Model.OutputShape.Last)));
                }
            }
        }
    }
}
