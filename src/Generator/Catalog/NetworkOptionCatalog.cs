using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Catalog
{
    /// <summary>
    /// The table of class-level options: attributes that configure the whole network rather than adding a layer
    /// (<c>[ClipGradNorm]</c>, <c>[Loss]</c>). Like the layer catalogue, adding one is one entry here.
    /// </summary>
    internal static class NetworkOptionCatalog
    {
        public static readonly IReadOnlyList<NetworkOptionDefinition> All = new[]
        {
            new NetworkOptionDefinition("ClipGradNorm", ReadClipGradNorm),
            new NetworkOptionDefinition("Loss", ReadLoss),
            new NetworkOptionDefinition("ClipGradValue", ReadClipGradValue),
            new NetworkOptionDefinition("GradientMonitor", ReadGradientMonitor),
            new NetworkOptionDefinition("XavierInit", c => ReadInit(c, "Xavier")),
            new NetworkOptionDefinition("KaimingInit", c => ReadInit(c, "Kaiming")),
        };

        private static readonly Dictionary<string, NetworkOptionDefinition> ByMetadataName = All.ToDictionary(d => d.MetadataName);

        public static NetworkOptionDefinition? Find(string metadataName) =>
            ByMetadataName.TryGetValue(metadataName, out var definition) ? definition : null;

        private static void ReadClipGradNorm(OptionContext c)
        {
            var maxNorm = c.Arguments.Double("maxNorm") ?? 0;
            var normType = c.Arguments.Double("NormType") ?? 2.0;
            if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "ClipGradNorm", $"maxNorm is {LayerContext.Number(maxNorm)}, but it must be a positive finite number such as 1.0");
            }
            else if (!(normType > 0))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "ClipGradNorm", $"NormType is {LayerContext.Number(normType)}, but it must be positive (1, 2, or double.PositiveInfinity)");
            }
            else
            {
                c.Options.Clip = new ClipModel(maxNorm, normType);
            }
        }

        private static void ReadClipGradValue(OptionContext c)
        {
            var value = c.Arguments.Double("value") ?? 0;
            if (!(value > 0) || double.IsInfinity(value))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "ClipGradValue", $"value is {LayerContext.Number(value)}, but it must be a positive finite number such as 0.5");
                return;
            }

            c.Options.ClipValue = value;
        }

        // [GradientMonitor]'s named arguments: integers that must be at least a minimum, and thresholds that must be
        // positive and finite (a fraction at most 1). The names are GradientMonitorOptions' property names.
        private static readonly (string Name, long Minimum)[] MonitorCounts = { ("SampleEvery", 1), ("GrowthWindow", 2), ("HistoryCapacity", 1) };

        private static readonly string[] MonitorThresholds = { "VanishingRatio", "VanishingFirstLayerNorm", "VanishingMeanAbs", "ExplodingRatio", "GrowthFactor", "DyingReluFraction" };

        private static void ReadGradientMonitor(OptionContext c)
        {
            var settings = new List<MonitorSetting>();
            foreach (var (name, minimum) in MonitorCounts)
            {
                if (c.Arguments.Long(name) is { } value)
                {
                    if (value < minimum)
                    {
                        c.Report(DiagnosticDescriptors.InvalidArgument, "GradientMonitor", $"{name} is {LayerContext.Number(value)}, but it must be at least {LayerContext.Number(minimum)}");
                        return;
                    }

                    settings.Add(new MonitorSetting(name, LayerContext.Number(value)));
                }
            }

            foreach (var name in MonitorThresholds)
            {
                if (c.Arguments.Double(name) is { } value)
                {
                    var fraction = name == "DyingReluFraction";
                    if (!(value > 0) || double.IsInfinity(value) || (fraction && value > 1) || (name == "GrowthFactor" && !(value > 1)))
                    {
                        var range = fraction ? "above 0 and at most 1" : name == "GrowthFactor" ? "a finite number above 1" : "a positive finite number";
                        c.Report(DiagnosticDescriptors.InvalidArgument, "GradientMonitor", $"{name} is {LayerContext.Number(value)}, but it must be {range}");
                        return;
                    }

                    settings.Add(new MonitorSetting(name, LayerCatalog.Literal(value)));
                }
            }

            c.Options.Monitor = new MonitorModel(settings.ToEquatableArray());
        }

        private static void ReadInit(OptionContext c, string family)
        {
            if (c.Options.ClassInit is not null)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, family + "Init", "the class already declares another initialisation; keep one of [XavierInit] and [KaimingInit]");
                return;
            }

            var normal = c.Arguments.Long("distribution") == 1;
            c.Options.ClassInit = new ClassInit(
                family + (normal ? "Normal" : "Uniform"),
                FanOut: c.Arguments.Long("Mode") == 1,
                ZeroBias: c.Arguments.Bool("ZeroBias", true));
        }

        // The LossFunction enum's members in declaration order, with the TorchSharp call and what the output must be.
        private static readonly LossModel[] Losses =
        {
            new("CrossEntropy", "cross_entropy", LossInput.Logits),
            new("NegativeLogLikelihood", "nll_loss", LossInput.LogProbabilities),
            new("MeanSquaredError", "mse_loss", LossInput.Values),
            new("L1", "l1_loss", LossInput.Values),
            new("Huber", "huber_loss", LossInput.Values),
            new("BinaryCrossEntropyWithLogits", "binary_cross_entropy_with_logits", LossInput.Logits),
            new("BinaryCrossEntropy", "binary_cross_entropy", LossInput.Probabilities),
        };

        private static void ReadLoss(OptionContext c)
        {
            var index = c.Arguments.Long("function");
            if (index is null || index < 0 || index >= Losses.Length)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Loss", $"write [Loss(LossFunction.{string.Join(" | ", Losses.Select(l => l.Name))})]".Replace(" | ", ", LossFunction."));
                return;
            }

            c.Options.Loss = Losses[index.Value];
        }
    }

    /// <summary>One class-level option attribute and how to read it into <see cref="NetworkOptions"/>.</summary>
    internal sealed class NetworkOptionDefinition
    {
        public NetworkOptionDefinition(string attributeName, Action<OptionContext> read)
        {
            AttributeName = attributeName;
            Read = read;
        }

        public string AttributeName { get; }

        public string MetadataName => "NetGen." + AttributeName + "Attribute";

        public Action<OptionContext> Read { get; }
    }

    /// <summary>The options read so far; becomes part of the <see cref="NetworkModel"/>.</summary>
    internal sealed class NetworkOptions
    {
        public ClipModel? Clip { get; set; }

        public LossModel? Loss { get; set; }

        public double? ClipValue { get; set; }

        public MonitorModel? Monitor { get; set; }

        public ClassInit? ClassInit { get; set; }
    }

    /// <summary>A class-level <c>[XavierInit]</c> or <c>[KaimingInit]</c>: the <c>NetGen.Init</c> member and its options.</summary>
    internal sealed record ClassInit(string Scheme, bool FanOut, bool ZeroBias);

    /// <summary>What an option entry sees: its arguments, the options to fill in, and where to report.</summary>
    internal sealed class OptionContext
    {
        private readonly List<Diagnostic> _diagnostics;
        private readonly Location? _location;

        public OptionContext(LayerArguments arguments, NetworkOptions options, Location? location, List<Diagnostic> diagnostics)
        {
            Arguments = arguments;
            Options = options;
            _location = location;
            _diagnostics = diagnostics;
        }

        public LayerArguments Arguments { get; }

        public NetworkOptions Options { get; }

        public void Report(DiagnosticDescriptor descriptor, params object[] messageArgs) =>
            _diagnostics.Add(Diagnostic.Create(descriptor, _location, messageArgs));
    }
}
