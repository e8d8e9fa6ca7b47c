using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0011 (info): more Linear layers than the configured depth and none of the safeguards (normalisation, a residual
    /// connection, gradient clipping), on a network that NG0001 and NG0002 leave alone. Reported at the first Linear layer
    /// past the limit.
    /// </summary>
    internal sealed class UnprotectedDepthRule : NetworkRule
    {
        public const string MaxDepthKey = "netgen.NG0011.max_depth";

        /// <summary>At 10 layers a plain ReLU stack at PyTorch's default initialisation already measures a first/last
        /// gradient ratio of about 2e-3 (width 64, calibration table in docs/analyzers.md).</summary>
        public const int DefaultMaxDepth = 10;

        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnprotectedDeepNetwork);

        public override void Analyze(NetworkRuleContext network)
        {
            var maxDepth = (int)network.Option(MaxDepthKey, DefaultMaxDepth, d => d >= 1 && d <= 100_000 && d == System.Math.Floor(d), "the depth must be a whole number of Linear layers, at least 1");
            if (network.Parsed.ClipAttribute is not null || Enumerable.Range(0, network.Layers.Count).Any(network.IsSafeguard))
            {
                return;
            }

            var linears = Enumerable.Range(0, network.Layers.Count).Where(network.IsLinear).ToList();
            if (linears.Count <= maxDepth || network.Vanishes || ExplodingGradientRule.Explodes(network))
            {
                return;
            }

            network.Report(Diagnostic.Create(
                DiagnosticDescriptors.UnprotectedDeepNetwork,
                network.Layers[linears[maxDepth]].Location,
                network.Type.Name,
                linears.Count,
                maxDepth));
        }
    }
}
