using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0006: Dropout directly before BatchNorm (NeuraLint f006), with at most activations, pooling or reshaping
    /// between them (they carry the variance shift through). Reported at the Dropout.
    /// </summary>
    internal sealed class DropoutBeforeBatchNormRule : NetworkRule
    {
        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.DropoutBeforeBatchNorm);

        public override void Analyze(NetworkRuleContext network)
        {
            for (var i = 0; i < network.Layers.Count; i++)
            {
                if (!network.IsDropout(i))
                {
                    continue;
                }

                var next = i + 1;
                while (next < network.Layers.Count && network.Layers[next].Definition.Role is LayerRole.Activation or LayerRole.Pooling or LayerRole.Reshape or LayerRole.Regularization)
                {
                    next++;
                }

                var p = DropoutRate(network, i);
                if (p > 0 && next < network.Layers.Count && network.Layers[next].Definition.AttributeName == "BatchNorm")
                {
                    var properties = ImmutableDictionary<string, string?>.Empty
                        .Add(DiagnosticProperties.Adjacent, next == i + 1 ? "true" : "false");
                    network.Report(Diagnostic.Create(
                        DiagnosticDescriptors.DropoutBeforeBatchNorm,
                        network.Layers[i].Location,
                        network.Layers[next].Location is { } bn ? new[] { bn } : null,
                        properties,
                        network.Name(i),
                        network.Name(next),
                        Text.Number(System.Math.Round(1 / (1 - p), 3))));
                }
            }
        }

        internal static double DropoutRate(NetworkRuleContext network, int index) =>
            LayerArguments.From(network.Layers[index].Attribute).Double("p") ?? 0.5;
    }

    /// <summary>NG0007: Dropout with p above netgen.NG0007.max_p (default 0.5; UMLAUT). Reported at the Dropout.</summary>
    internal sealed class HighDropoutRateRule : NetworkRule
    {
        public const string MaxRateKey = "netgen.NG0007.max_p";

        public const double DefaultMaxRate = 0.5;

        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.HighDropoutRate);

        public override void Analyze(NetworkRuleContext network)
        {
            double? limit = null;
            for (var i = 0; i < network.Layers.Count; i++)
            {
                if (!network.IsDropout(i))
                {
                    continue;
                }

                // Read (and validate) the option only for networks that have dropout.
                limit ??= network.Option(MaxRateKey, DefaultMaxRate, v => v >= 0 && v < 1, "the limit must be a probability from 0 to below 1, such as 0.5");
                var p = DropoutBeforeBatchNormRule.DropoutRate(network, i);
                if (p > limit.Value)
                {
                    network.Report(Diagnostic.Create(
                        DiagnosticDescriptors.HighDropoutRate,
                        network.Layers[i].Location,
                        network.Name(i),
                        Text.Percent(p),
                        Text.Number(p),
                        Text.Number(limit.Value),
                        Text.Percent(1 - p),
                        "1/(1 − p) = " + Text.Number(System.Math.Round(1 / (1 - p), 2))));
                }
            }
        }
    }
}
