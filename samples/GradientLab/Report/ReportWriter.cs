using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NetGen.GradientLab.Training;

namespace NetGen.GradientLab.Report;

/// <summary>Writes the report: plots, <c>report.html</c> that shows them with the table, and <c>results.json</c>.</summary>
public static class ReportWriter
{
    /// <summary>The HTML page's file name.</summary>
    public const string HtmlFile = "report.html";

    /// <summary>The machine-readable results' file name.</summary>
    public const string JsonFile = "results.json";

    /// <summary>The table as Markdown, with the date and machine, ready to paste into a README.</summary>
    public const string MarkdownFile = "results.md";

    /// <summary>The chart of every variant's loss curve.</summary>
    public const string LossCurvesFile = "loss-curves.png";

    /// <summary>The side-by-side gradient-flow picture of Sigmoid and ReLU + BatchNorm, when both ran.</summary>
    public const string SideBySideFile = "gradient-flow-sigmoid-vs-relu-bn.png";

    /// <summary>The per-variant gradient-flow plot's file name.</summary>
    /// <param name="variant">The variant.</param>
    public static string GradientFlowFile(LabVariant variant) => $"gradient-flow-{variant.Id}.png";

    /// <summary>The per-variant gradient-norm-over-steps plot's file name.</summary>
    /// <param name="variant">The variant.</param>
    public static string GradientNormsFile(LabVariant variant) => $"gradient-norms-{variant.Id}.png";

    /// <summary>Writes every file of the report into <paramref name="folder"/>'s staging folder (it does not commit).</summary>
    /// <param name="result">The lab run.</param>
    /// <param name="folder">The report folder.</param>
    public static void Write(LabResult result, ReportFolder folder)
    {
        // One y range per task, so the spiral variants' pictures compare at a glance (DeepNet's exploding run
        // would otherwise stretch them all).
        var ranges = result.Results.GroupBy(r => r.Variant.Task).ToDictionary(g => g.Key, g => Plots.GradientRange(g));
        var flowPictures = new Dictionary<string, byte[]>();
        foreach (var variant in result.Results)
        {
            flowPictures[variant.Variant.Id] = Plots.GradientFlow(variant, folder.PathOf(GradientFlowFile(variant.Variant)), ranges[variant.Variant.Task]);
            Plots.GradientNormsOverSteps(variant, folder.PathOf(GradientNormsFile(variant.Variant)));
        }

        Plots.LossCurves(result.Results, folder.PathOf(LossCurvesFile));
        var sideBySide = flowPictures.TryGetValue("sigmoid", out var sigmoid) & flowPictures.TryGetValue("relu-bn", out var batchNorm);
        if (sideBySide)
        {
            Plots.SideBySide(sigmoid!, batchNorm!, folder.PathOf(SideBySideFile));
        }

        File.WriteAllText(folder.PathOf(JsonFile), Json(result));
        File.WriteAllText(folder.PathOf(MarkdownFile), Markdown(result));
        File.WriteAllText(folder.PathOf(HtmlFile), Html(result, sideBySide));
    }

    /// <summary>The table's rows as text, as the console and the HTML show them.</summary>
    /// <param name="result">The lab run.</param>
    public static IEnumerable<TableRow> Rows(LabResult result) => result.Results.Select(r => new TableRow(
        r.Variant.DisplayName,
        r.DivergedAtStep is { } diverged ? $"diverged (step {diverged})" : Format(r.FinalLoss, "0.0000"),
        r.TestAccuracy is { } accuracy ? (double.IsFinite(accuracy) ? accuracy.ToString("P1", CultureInfo.InvariantCulture) : "n/a") : "—",
        Scientific(r.Gradients.FirstLastRatio),
        r.Gradients.Verdicts.Words,
        Warnings(result.DiagnosticsFor(r.Variant)),
        Predicted(r.Summary) is { } predicted ? Scientific(predicted) : "n/a",
        Scientific(r.InitialRatio)));

    /// <summary>
    /// NetGen's compile-time prediction, read from the generated summary's gradient-scale column: the first weight layer's
    /// predicted gradient relative to the last one's (for a recurrent layer, ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖); null where NetGen
    /// does not predict.
    /// </summary>
    /// <param name="summary">The network's generated summary.</param>
    public static double? Predicted(NetworkSummary summary) =>
        summary.Layers.Select(l => l.PredictedGradientScale).FirstOrDefault(p => p is not null);

    /// <summary>The compile-time warnings column: ids with counts, or "none".</summary>
    private static string Warnings(IReadOnlyList<Analysis.CompileTimeDiagnostic> diagnostics) =>
        diagnostics.Count == 0
            ? "none"
            : string.Join(", ", diagnostics.GroupBy(d => d.Id).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ×{g.Count()}"));

    private static string Html(LabResult result, bool sideBySide)
    {
        var html = new StringBuilder();
        var env = result.Environment;
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>NetGen Gradient Lab report</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 0.35em 0.7em; text-align: left; vertical-align: top; }
            th { background: #f2f2f2; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            .bad { color: #b00020; font-weight: 600; }
            .good { color: #1b7a2f; }
            img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
            .pair { display: flex; gap: 1em; flex-wrap: wrap; }
            .pair img { flex: 1 1 480px; max-width: calc(50% - 0.5em); min-width: 320px; }
            pre { background: #f7f7f7; padding: 0.7em; overflow-x: auto; }
            .small { color: #555; font-size: 0.9em; }
            </style>
            </head>
            <body>
            <h1>NetGen Gradient Lab</h1>
            <p class="small">Run {{Encode(env.StartedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}} on {{Encode(env.Machine)}};
            {{Encode(env.Runtime)}}. Seed {{result.Options.Seed}}, {{result.Options.Epochs}} epochs per variant,
            {{result.Options.Threads}} variant(s) in parallel, {{result.Seconds.ToString("0", CultureInfo.InvariantCulture)}} s.</p>
            <p>Data: {{Encode(string.Join("; ", result.DataSets))}}. Every network is declared with NetGen attributes in
            <code>samples/GradientLab/Variants.cs</code>; the same seed gives the same numbers.</p>
            <h2>Results</h2>
            <table>
            <tr><th>Variant</th><th>Final loss</th><th>Test accuracy</th><th>Predicted at initialisation (compile time)</th><th>Measured at step 1</th><th>First/last gradient ratio (median)</th><th>Verdicts</th><th>Compile-time warnings</th></tr>

            """);
        foreach (var row in Rows(result))
        {
            var verdictClass = row.Verdicts == "healthy" ? "good" : "bad";
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(row.Variant)}</td><td class=\"num\">{row.FinalLoss}</td><td class=\"num\">{Encode(row.Accuracy)}</td><td class=\"num\">{row.Predicted}</td><td class=\"num\">{row.AtInit}</td><td class=\"num\">{row.Ratio}</td><td class=\"{verdictClass}\">{Encode(row.Verdicts)}</td><td>{Encode(row.Warnings)}</td></tr>\n");
        }

        html.Append("</table>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"small\">Final loss: mean training loss of the last epoch (cross-entropy, mean squared error for DeepNet). Test accuracy: on held-out data drawn from the same distribution. Predicted at initialisation: NetGen's compile-time prediction from the generated summary's gradient-scale column, the first weight layer's (Linear, Conv2d) gradient norm over the last one's; for the RNNs ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖, the gradient reaching the first of the 30 input steps over the one reaching the last. Measured at step 1: the same quantity on the first training batch. First/last gradient ratio: ‖∂L/∂W‖ of the first weight layer over that of the last (for the RNNs, all of the RNN layer's weights over the Linear layer's), median over all training steps, as NetGen's gradient monitor computes it. Verdict thresholds: {Encode(result.Results.FirstOrDefault()?.Gradients.Thresholds ?? "")}.</p>\n");

        if (sideBySide)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Sigmoid against ReLU + BatchNorm</h2>\n<img src=\"{SideBySideFile}\" alt=\"gradient flow of the Sigmoid and the ReLU + BatchNorm variants side by side\">\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>Loss curves</h2>\n<img src=\"{LossCurvesFile}\" alt=\"training loss per epoch of every variant\">\n");
        html.Append("<h2>Variants</h2>\n");
        foreach (var r in result.Results)
        {
            var v = r.Variant;
            html.Append(CultureInfo.InvariantCulture, $"<h3 id=\"{v.Id}\">{Encode(v.DisplayName)} <span class=\"small\">(<code>{v.NetworkClass}</code>, --variants {v.Id})</span></h3>\n");
            html.Append(CultureInfo.InvariantCulture, $"<p>{Encode(v.Claim)}</p>\n<ul>\n");
            html.Append(CultureInfo.InvariantCulture, $"<li>Initialisation: {Encode(InitText(v))}; SGD, learning rate {r.Settings.LearningRate}, momentum {r.Settings.Momentum}, batch {r.Settings.BatchSize}; {r.Steps} steps.</li>\n");
            html.Append(CultureInfo.InvariantCulture, $"<li>Verdicts: <span class=\"{(r.Gradients.Verdicts.Words == "healthy" ? "good" : "bad")}\">{Encode(r.Gradients.Verdicts.Words)}</span>");
            foreach (var evidence in r.Gradients.Verdicts.Evidence)
            {
                html.Append(CultureInfo.InvariantCulture, $"<br><span class=\"small\">{Encode(evidence)}</span>");
            }

            html.Append("</li>\n");
            if (r.DivergedAtStep is { } diverged)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li class=\"bad\">Training stopped at step {diverged}: the loss was no longer finite.</li>\n");
            }

            if (r.ClippedSteps is { } clipped)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>ClipGradients() reduced the gradient norm on {clipped} of {r.Steps} steps.</li>\n");
            }

            var diagnostics = result.DiagnosticsFor(v);
            html.Append(diagnostics.Count == 0 ? "<li>Compile-time warnings: none.</li>\n" : "<li>Compile-time warnings:<ul>\n");
            foreach (var d in diagnostics)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li><code>{d.Id}</code> ({d.Severity.ToLowerInvariant()}, Variants.cs line {d.Line}, {Encode(d.NetworkClass)}): {Encode(d.Message)}</li>\n");
            }

            if (diagnostics.Count > 0)
            {
                html.Append("</ul></li>\n");
            }

            html.Append("</ul>\n<div class=\"pair\">\n");
            html.Append(CultureInfo.InvariantCulture, $"<img src=\"{GradientFlowFile(v)}\" alt=\"gradient flow of {Encode(v.DisplayName)}\">\n");
            html.Append(CultureInfo.InvariantCulture, $"<img src=\"{GradientNormsFile(v)}\" alt=\"gradient norm per layer over training of {Encode(v.DisplayName)}\">\n");
            html.Append("</div>\n");
            html.Append(CultureInfo.InvariantCulture, $"<details><summary>Layers (computed at compile time by NetGen)</summary><pre>{Encode(r.Summary.ToString())}</pre></details>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"<p class=\"small\">All numbers are also in <a href=\"{JsonFile}\">{JsonFile}</a>; the table in Markdown is <a href=\"{MarkdownFile}\">{MarkdownFile}</a>.</p>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The results table in Markdown, headed by when and where it ran.</summary>
    private static string Markdown(LabResult result)
    {
        var env = result.Environment;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Gradient Lab, {env.StartedUtc:yyyy-MM-dd}, {env.Machine}; {env.Runtime}; seed {result.Options.Seed}, {result.Options.Epochs} epochs, {result.Seconds:0} s.\n\n");
        text.Append("| Variant | Final loss | Test accuracy | Predicted at init | Measured at step 1 | First/last gradient ratio | Verdicts | Compile-time warnings |\n");
        text.Append("|---|---:|---:|---:|---:|---:|---|---|\n");
        foreach (var row in Rows(result))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {row.Variant} | {row.FinalLoss} | {row.Accuracy} | {row.Predicted} | {row.AtInit} | {row.Ratio} | {row.Verdicts} | {row.Warnings} |\n");
        }

        return text.ToString();
    }

    private static string InitText(LabVariant v) => v.Init switch
    {
        InitScheme.Xavier => $"[XavierInit]: Xavier uniform with the gain of the following activation ({v.Activation}), zero biases",
        InitScheme.Kaiming => $"[KaimingInit]: Kaiming uniform, fan-in, with the gain of the following activation ({v.Activation}), zero biases",
        _ => "PyTorch's default (kaiming_uniform with a = √5)",
    };

    private static string Json(LabResult result)
    {
        var document = new
        {
            startedUtc = result.Environment.StartedUtc,
            machine = result.Environment.Machine,
            runtime = result.Environment.Runtime,
            seed = result.Options.Seed,
            epochs = result.Options.Epochs,
            threads = result.Options.Threads,
            seconds = result.Seconds,
            dataSets = result.DataSets,
            variants = result.Results.Select(r =>
            {
                var (mean, max) = Plots.LayerAverages(r);
                return new
                {
                    id = r.Variant.Id,
                    name = r.Variant.DisplayName,
                    networkClass = r.Variant.NetworkClass,
                    finalLoss = Finite(r.FinalLoss),
                    testLoss = Finite(r.TestLoss),
                    testAccuracy = r.TestAccuracy is { } a ? Finite(a) : null,
                    firstLastRatio = Finite(r.Gradients.FirstLastRatio),
                    predictedAtInit = Predicted(r.Summary),
                    measuredAtStep1 = Finite(r.InitialRatio),
                    verdicts = new { vanishing = r.Gradients.Verdicts.Vanishing, exploding = r.Gradients.Verdicts.Exploding, dyingRelu = r.Gradients.Verdicts.DyingRelu, evidence = r.Gradients.Verdicts.Evidence },
                    compileTimeDiagnostics = result.DiagnosticsFor(r.Variant),
                    steps = r.Steps,
                    divergedAtStep = r.DivergedAtStep,
                    clippedSteps = r.ClippedSteps,
                    epochLoss = r.EpochLoss.Select(Finite),
                    layers = r.Gradients.Layers,
                    meanAbsGradient = mean.Select(Finite),
                    maxAbsGradient = max.Select(Finite),
                    seconds = r.Seconds,
                    plots = new[] { GradientFlowFile(r.Variant), GradientNormsFile(r.Variant) },
                };
            }),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
    }

    /// <summary>JSON has no NaN or infinity: those become null.</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Format(double value, string format) => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Scientific(double value) => double.IsFinite(value) ? value.ToString("0.0e+0", CultureInfo.InvariantCulture) : "n/a";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>One row of the results table, formatted.</summary>
/// <param name="Variant">The variant's name.</param>
/// <param name="FinalLoss">The last epoch's mean training loss.</param>
/// <param name="Accuracy">Held-out accuracy, or a dash for regression.</param>
/// <param name="Ratio">Median first/last weight-gradient norm ratio.</param>
/// <param name="Verdicts">The verdicts, or "healthy".</param>
/// <param name="Warnings">The compile-time diagnostic ids, or "none".</param>
/// <param name="Predicted">NetGen's compile-time prediction at initialisation, or "n/a".</param>
/// <param name="AtInit">The predicted quantity measured on the first training batch.</param>
public sealed record TableRow(string Variant, string FinalLoss, string Accuracy, string Ratio, string Verdicts, string Warnings, string Predicted, string AtInit);
