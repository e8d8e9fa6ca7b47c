using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>NG0004: an activation directly after another (NeuraLint f003). Reported at the second one.</summary>
    internal sealed class ConsecutiveActivationsRule : NetworkRule
    {
        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.ConsecutiveActivations);

        public override void Analyze(NetworkRuleContext network)
        {
            for (var i = 1; i < network.Layers.Count; i++)
            {
                if (!network.IsActivation(i) || !network.IsActivation(i - 1))
                {
                    continue;
                }

                var first = network.Layers[i - 1].Definition;
                var second = network.Layers[i].Definition;
                var consequence = first.AttributeName == second.AttributeName && first.AttributeName == "ReLU"
                    ? " (ReLU(ReLU(x)) is ReLU(x))"
                    : second.MaxDerivative is { } max && max < 1
                        ? $" ({second.AttributeName}'s derivative is at most {Text.Number(max)}, so it only shrinks the gradient further)"
                        : string.Empty;
                network.Report(Diagnostic.Create(
                    DiagnosticDescriptors.ConsecutiveActivations,
                    network.Layers[i].Location,
                    network.Name(i),
                    network.Name(i - 1),
                    consequence));
            }
        }
    }
}
