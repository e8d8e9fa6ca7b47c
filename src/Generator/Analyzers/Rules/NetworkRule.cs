using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.GradientFlow;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>One NG00xx rule over a network that declared validly.</summary>
    internal abstract class NetworkRule
    {
        public abstract ImmutableArray<DiagnosticDescriptor> Descriptors { get; }

        public abstract void Analyze(NetworkRuleContext network);
    }

    /// <summary>
    /// What a rule sees: the resolved layers with their catalogue entries and attribute locations, the class,
    /// the .editorconfig options for its file, the gradient-flow prediction (computed once, on demand),
    /// and a way to report.
    /// </summary>
    internal sealed class NetworkRuleContext
    {
        private readonly SymbolAnalysisContext _context;
        private readonly AnalyzerConfigOptions _options;
        private GradientFlowPrediction? _prediction;
        private bool _predicted;
        private RecurrentPrediction? _recurrentPrediction;
        private bool _recurrentPredicted;
        private GradientFlowPrediction? _unchecked;

        public NetworkRuleContext(INamedTypeSymbol type, ParsedNetwork parsed, SymbolAnalysisContext context)
        {
            Type = type;
            Parsed = parsed;
            _context = context;
            FirstLocation = parsed.Layers.Select(l => l.Location).FirstOrDefault(l => l is not null) ?? type.Locations.FirstOrDefault();
            _options = FirstLocation?.SourceTree is { } tree
                ? context.Options.AnalyzerConfigOptionsProvider.GetOptions(tree)
                : context.Options.AnalyzerConfigOptionsProvider.GlobalOptions;
        }

        public INamedTypeSymbol Type { get; }

        public ParsedNetwork Parsed { get; }

        public IReadOnlyList<ParsedLayer> Layers => Parsed.Layers;

        /// <summary>Where class-level findings go: the first layer attribute.</summary>
        public Location? FirstLocation { get; }

        /// <summary>The mean-field prediction, or null when a layer has no signal-propagation term yet.</summary>
        public GradientFlowPrediction? Prediction
        {
            get
            {
                if (!_predicted)
                {
                    _prediction = LayerTerms.Predict(Parsed);
                    _predicted = true;
                }

                return _prediction;
            }
        }

        /// <summary>The gradient-through-time prediction for a network that starts with recurrent layers, or null.</summary>
        public RecurrentPrediction? RecurrentPrediction
        {
            get
            {
                if (!_recurrentPredicted)
                {
                    _recurrentPrediction = RecurrentFlow.Predict(Parsed);
                    _recurrentPredicted = true;
                }

                return _recurrentPrediction;
            }
        }

        public void Report(Diagnostic diagnostic) => _context.ReportDiagnostic(diagnostic);

        /// <summary>The prediction without <see cref="LayerTerms.Predict"/>'s residual check (forward variances only).</summary>
        public GradientFlowPrediction? UncheckedPrediction => _unchecked ??= LayerTerms.PredictUnchecked(Parsed);

        /// <summary>Whether NG0001 reports this network: another rule's "already explained" (reads the threshold without reporting it).</summary>
        public bool Vanishes
        {
            get
            {
                var threshold = OptionOrDefault(Analyzers.Rules.VanishingGradientRule.ThresholdKey, Analyzers.Rules.VanishingGradientRule.DefaultThreshold, t => t > 0 && t < 1);
                return RecurrentPrediction is { } recurrent
                    ? recurrent.TimeRatio < threshold
                    : Prediction is { Layers.Count: >= 2 } prediction && prediction.FirstToLastRatio < threshold;
            }
        }

        /// <summary>A number from .editorconfig, or the default when absent or unusable (the owning rule reports that).</summary>
        public double OptionOrDefault(string key, double defaultValue, System.Func<double, bool> isValid) =>
            _options.TryGetValue(key, out var text) &&
            double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && isValid(value)
                ? value
                : defaultValue;

        /// <summary>Reads a number from .editorconfig (<c>netgen.NG0001.threshold = 1e-3</c>); an unusable value is
        /// reported as NG0099 and replaced by the default.</summary>
        public double Option(string key, double defaultValue, System.Func<double, bool> isValid, string requirement)
        {
            if (!_options.TryGetValue(key, out var text))
            {
                return defaultValue;
            }

            if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && isValid(value))
            {
                return value;
            }

            Report(Diagnostic.Create(DiagnosticDescriptors.InvalidOption, FirstLocation, key, text, requirement, Text.Number(defaultValue)));
            return defaultValue;
        }

        /// <summary>"fc1 (Linear)": how messages name a layer.</summary>
        public string Name(int index) => $"{Layers[index].Model.DisplayName} ({Layers[index].Definition.AttributeName})";

        public bool IsActivation(int index) => Layers[index].Definition.Role == LayerRole.Activation;

        public bool IsLinear(int index) => Layers[index].Definition.AttributeName == "Linear";

        public bool IsDropout(int index) => Layers[index].Definition.AttributeName is "Dropout" or "Dropout2d";

        /// <summary>Layers that break a chain of gradient decay: normalisation, and residual connections (their identity
        /// path carries the gradient past the block, whatever the block's own layers do to it).</summary>
        public bool IsSafeguard(int index) => Layers[index].Definition.Role is LayerRole.Normalization or LayerRole.Residual;
    }

    /// <summary>Number formatting for messages, in the invariant culture.</summary>
    internal static class Text
    {
        /// <summary>Two significant digits in scientific notation: 4.1e-4.</summary>
        public static string Scientific(double value) => value.ToString("0.0e-0", CultureInfo.InvariantCulture);

        /// <summary>A user's number as they would write it: 1e-3, 0.5, 10.</summary>
        public static string Number(double value) =>
            value != 0 && (System.Math.Abs(value) < 1e-2 || System.Math.Abs(value) >= 1e6)
                ? value.ToString("0.###e-0", CultureInfo.InvariantCulture)
                : value.ToString("0.####", CultureInfo.InvariantCulture);

        public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

        /// <summary>A probability as a whole percentage: 80%.</summary>
        public static string Percent(double value) => (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Keys of <see cref="Diagnostic.Properties"/> the code fixes read.</summary>
    internal static class DiagnosticProperties
    {
        /// <summary>NG0001: how many of the diagnostic's additional locations are saturating activations (the rest are
        /// the Linear layers after which BatchNorm would go).</summary>
        public const string SaturatingCount = "SaturatingCount";

        /// <summary>NG0001: the attribute names of the layers after which BatchNorm would go, in order and without repeats,
        /// joined with " and " ("Linear", "Conv2d", "Conv2d and Linear"), for the fix's title.</summary>
        public const string AffineKinds = "AffineKinds";

        /// <summary>NG0001: the predicted first/last ratio, round-trip formatted.</summary>
        public const string PredictedRatio = "PredictedRatio";

        /// <summary>NG0001: the threshold that applied.</summary>
        public const string Threshold = "Threshold";

        /// <summary>NG0006: "true" when the BatchNorm is the very next layer, so the two attributes can swap.</summary>
        public const string Adjacent = "Adjacent";

        /// <summary>NG0008: the <c>NetGen.Init</c> member that matches the activation.</summary>
        public const string SuggestedInit = "SuggestedInit";

        /// <summary>NG0009: which fix applies, <see cref="FixRemove"/> or <see cref="FixLogSoftmax"/>.</summary>
        public const string Fix = "Fix";

        public const string FixRemove = "Remove";

        public const string FixLogSoftmax = "LogSoftmax";

        /// <summary>NG0101 at a Linear: the input size the previous layer gives, which the fix writes as <c>inFeatures</c>.</summary>
        public const string InFeatures = "InFeatures";
    }
}
