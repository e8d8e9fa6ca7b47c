using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.GradientFlow;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0008: a Kaiming-initialised layer followed by Sigmoid or Tanh, or a Xavier-initialised layer followed by a
    /// ReLU-family activation. The activation is the first after the layer, looking through normalisation, dropout,
    /// pooling and reshaping, as the generated initialisation's gain does. Reported at the layer.
    /// </summary>
    internal sealed class InitializationMismatchRule : NetworkRule
    {
        /// <summary>The activations Kaiming's derivation covers (He et al. derived it for ReLU and PReLU).</summary>
        private static readonly ImmutableHashSet<string> ReluFamily = ImmutableHashSet.Create("ReLU", "ReLU6", "LeakyReLU", "PReLU");

        /// <summary>The symmetric, saturating activations Xavier's derivation assumes (linear around 0).</summary>
        private static readonly ImmutableHashSet<string> Saturating = ImmutableHashSet.Create("Sigmoid", "Tanh");

        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.InitializationMismatch);

        public override void Analyze(NetworkRuleContext network)
        {
            for (var i = 0; i < network.Layers.Count; i++)
            {
                if (network.Layers[i].Init is not { } init || NextActivation(network, i) is not { } activation)
                {
                    continue;
                }

                var activationName = network.Layers[activation].Definition.AttributeName;
                var kaimingBeforeSaturating = init.IsKaiming && Saturating.Contains(activationName);
                var xavierBeforeRelu = init.IsXavier && ReluFamily.Contains(activationName);
                if (!kaimingBeforeSaturating && !xavierBeforeRelu || !Fans(network, i, out var fanIn, out var fanOut))
                {
                    continue;
                }

                // Both schemes use the activation's gain (calculate_gain), so they differ through the fans. The
                // variances are the ones the generated initialisation draws (GradientFlow's Initialization.Declared);
                // the suggested scheme goes on the layer itself, so it is fan-in.
                var distribution = init.Scheme.EndsWith("Normal", System.StringComparison.Ordinal) ? "Normal" : "Uniform";
                var declared = init.Scheme.Replace(distribution, string.Empty) + " " + distribution.ToLowerInvariant();
                var suggested = (kaimingBeforeSaturating ? "Xavier" : "Kaiming") + distribution;
                if (Initialization.Declared(init.Scheme, init.Gain, init.NegativeSlope, init.FanOut, init.ZeroBias) is not { } current ||
                    Initialization.Declared(suggested, init.Gain, init.NegativeSlope, fanOut: false, init.ZeroBias) is not { } matching)
                {
                    continue;
                }

                var currentVariance = current.WeightVariance(fanIn, fanOut);
                var matchingVariance = matching.WeightVariance(fanIn, fanOut);
                var additional = init.FromClass && network.Parsed.InitAttribute?.ApplicationSyntaxReference is { } reference
                    ? new[] { Location.Create(reference.SyntaxTree, reference.Span) }
                    : null;
                network.Report(Diagnostic.Create(
                    DiagnosticDescriptors.InitializationMismatch,
                    network.Layers[i].Location,
                    additional,
                    ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.SuggestedInit, suggested),
                    network.Name(i),
                    declared,
                    init.FromClass ? $" (from [{init.Scheme.Replace(distribution, string.Empty)}Init] on the class)" : string.Empty,
                    kaimingBeforeSaturating ? "ReLU-family activations, which zero part of their input" : "symmetric activations such as Tanh, which are linear around 0",
                    network.Name(activation),
                    kaimingBeforeSaturating ? "Xavier" : "Kaiming",
                    Text.Scientific(matchingVariance),
                    Text.Scientific(currentVariance),
                    suggested));
            }
        }

        private static int? NextActivation(NetworkRuleContext network, int index)
        {
            for (var j = index + 1; j < network.Layers.Count; j++)
            {
                var definition = network.Layers[j].Definition;
                if (definition.IsTransparentToInit)
                {
                    continue;
                }

                return network.IsActivation(j) ? j : null;
            }

            return null;
        }

        /// <summary>
        /// PyTorch's fans of the layer's weight (<c>_calculate_fan_in_and_fan_out</c>: dimension 1 and dimension 0 of the weight
        /// times the kernel's receptive field). A convolution's weight is [out, in / groups, k…], so fan_in = in / groups·k,
        /// fan_out = out·k; a transposed convolution's is [in, out / groups, k…], so fan_in = out / groups·k, fan_out = in·k.
        /// </summary>
        private static bool Fans(NetworkRuleContext network, int index, out long fanIn, out long fanOut)
        {
            var layer = network.Layers[index];
            var input = index == 0 ? network.Parsed.Model!.InputShape : network.Layers[index - 1].Model.OutputShape;
            var output = layer.Model.OutputShape;
            if (network.IsLinear(index))
            {
                fanIn = input.Last;
                fanOut = output.Last;
                return true;
            }

            // Convolutions: channels first; the kernel's size is the weight's receptive field.
            var arguments = Catalog.LayerArguments.From(layer.Attribute);
            var kernel = arguments.Long("kernelSize") ?? 1;
            var groups = System.Math.Max(arguments.Long("Groups") ?? 1, 1);
            var transposed = layer.Definition.AttributeName.StartsWith("ConvTranspose", System.StringComparison.Ordinal);
            var spatial = output.Rank - 1;
            var receptive = (long)System.Math.Pow(kernel, spatial);
            var (first, second) = transposed ? (input.Dims[0], output.Dims[0]) : (output.Dims[0], input.Dims[0]);
            fanIn = second / groups * receptive;
            fanOut = first * receptive;
            return fanIn > 0 && fanOut > 0;
        }
    }
}
