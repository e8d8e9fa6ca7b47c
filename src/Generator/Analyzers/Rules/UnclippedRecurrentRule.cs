using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0010: more stacked recurrent layers (RNN, LSTM, GRU, counting each one's numLayers) than
    /// netgen.NG0010.max_depth, and neither [ClipGradNorm] nor [ClipGradValue]. Reported at the recurrent layer
    /// that passes the limit. Where the gradient through time is predicted (<see cref="GradientFlow.RecurrentFlow"/>, stacks
    /// included) the prediction decides: a gradient predicted to vanish through time is NG0001's finding, and clipping would
    /// not help it, so NG0010 stays silent; a gradient predicted to reach the first step is what an unclipped product of
    /// recurrent Jacobians can blow up once training grows the weights, and the message gives the predicted number. The
    /// depth count alone decides only where nothing is predicted.
    /// </summary>
    internal sealed class UnclippedRecurrentRule : NetworkRule
    {
        public const string MaxDepthKey = "netgen.NG0010.max_depth";

        /// <summary>One recurrent layer is allowed without clipping; a stack of two is where the rule starts. 0 asks every
        /// recurrent network for clipping (except where NG0001 already explains it).</summary>
        public const int DefaultMaxDepth = 1;

        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnclippedRecurrentStack);

        public override void Analyze(NetworkRuleContext network)
        {
            var recurrent = Enumerable.Range(0, network.Layers.Count).Where(i => network.Layers[i].Definition.Role == LayerRole.Recurrent).ToList();
            if (recurrent.Count == 0 || network.Parsed.Model is not { } model || model.Clip is not null || model.ClipValue is not null)
            {
                return;
            }

            var prediction = network.RecurrentPrediction;
            if (prediction is not null && network.Vanishes)
            {
                return;
            }

            var maxDepth = (int)network.Option(MaxDepthKey, DefaultMaxDepth, d => d >= 0 && d <= 100_000 && d == System.Math.Floor(d), "the depth must be a whole number of recurrent layers, at least 0");
            long depth = 0;
            int? reportAt = null;
            var kinds = new List<string>();
            foreach (var i in recurrent)
            {
                var layers = LayerArguments.From(network.Layers[i].Attribute).Long("numLayers") ?? 1;
                depth += layers;
                kinds.Add(layers == 1 ? network.Name(i) : $"{network.Name(i)} × {layers}");
                if (depth > maxDepth && reportAt is null)
                {
                    reportAt = i;
                }
            }

            if (reportAt is not { } at)
            {
                return;
            }

            // The sequence length is the steps dimension of the first recurrent layer's input, [steps, features].
            var first = recurrent[0];
            var input = first == 0 ? model.InputShape : network.Layers[first - 1].Model.OutputShape;
            var steps = input.Rank == 2 ? input.Dims[0] : 0;
            network.Report(Diagnostic.Create(
                DiagnosticDescriptors.UnclippedRecurrentStack,
                network.Layers[at].Location,
                network.Type.Name,
                depth,
                string.Join(", ", kinds),
                steps > 0 ? $" over {Text.Count(steps)} time steps" : string.Empty,
                steps > 0 ? $", {Text.Count(depth * steps)} of them here" : string.Empty,
                prediction is null
                    ? string.Empty
                    : $"; at initialisation the gradient reaching the first step is predicted to be {Text.Scientific(prediction.TimeRatio)} of the one reaching the last (about {Text.Number(System.Math.Round(prediction.PerStep, 2))} per step): it does reach the early steps"
                        + (double.IsNaN(prediction.WeightRatio) ? string.Empty : $" (the first recurrent layer's weight gradient: {Text.Scientific(prediction.WeightRatio)} of the last one's)")));
        }
    }
}
