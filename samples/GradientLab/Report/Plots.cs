using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.GradientLab.Training;
using ScottPlot;

namespace NetGen.GradientLab.Report;

/// <summary>
/// The report's charts, drawn with ScottPlot and saved as PNG. ScottPlot has no logarithmic axis: values are
/// plotted as log10 and the ticks are labelled as powers of ten, with logarithmic minor ticks.
/// </summary>
public static class Plots
{
    private const int Width = 900;
    private const int Height = 520;

    /// <summary>The log10 floor for zero gradients and the bottom of gradient bars.</summary>
    private const double ZeroFloor = -14;

    /// <summary>
    /// PyTorch users' <c>plot_grad_flow</c> picture: per Linear layer, the max |g| (light bar) and the mean |g|
    /// (dark bar) of the weight gradient, averaged over the training steps, on a log scale, first layer left.
    /// </summary>
    /// <param name="result">One variant's result.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="range">The log10 range of the y axis, shared between variants so their pictures compare.</param>
    /// <returns>The PNG's bytes, for <see cref="SideBySide"/>.</returns>
    public static byte[] GradientFlow(VariantResult result, string path, (double Min, double Max) range)
    {
        var png = GradientFlowPlot(result, range).GetImageBytes(Width, Height, ImageFormat.Png);
        System.IO.File.WriteAllBytes(path, png);
        return png;
    }

    /// <summary>Two pictures of the same size side by side, on white.</summary>
    /// <param name="left">The left PNG.</param>
    /// <param name="right">The right PNG.</param>
    /// <param name="path">The PNG file to write.</param>
    public static void SideBySide(byte[] left, byte[] right, string path)
    {
        // The pictures already rendered for the per-variant files are reused, not drawn again.
        using var leftImage = SkiaSharp.SKImage.FromEncodedData(left);
        using var rightImage = SkiaSharp.SKImage.FromEncodedData(right);
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(leftImage.Width + rightImage.Width, Math.Max(leftImage.Height, rightImage.Height)));
        surface.Canvas.Clear(SkiaSharp.SKColors.White);
        surface.Canvas.DrawImage(leftImage, 0, 0);
        surface.Canvas.DrawImage(rightImage, leftImage.Width, 0);
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        System.IO.File.WriteAllBytes(path, png.ToArray());
    }

    /// <summary>The log10 range covering every variant's averaged mean and max |g|, padded to whole decades.</summary>
    /// <param name="results">The variants drawn with a shared scale.</param>
    public static (double Min, double Max) GradientRange(IEnumerable<VariantResult> results)
    {
        var values = results.SelectMany(r => LayerAverages(r).Mean.Concat(LayerAverages(r).Max))
            .Where(v => v > 0 && double.IsFinite(v))
            .Select(Math.Log10)
            .ToArray();
        return values.Length == 0 ? (-8, 0) : (Math.Floor(values.Min()) - 0.5, Math.Ceiling(values.Max()) + 0.5);
    }

    /// <summary>Each Linear layer's weight-gradient norm at every training step, one line per layer, log scale.</summary>
    /// <param name="result">One variant's result.</param>
    /// <param name="path">The PNG file to write.</param>
    public static void GradientNormsOverSteps(VariantResult result, string path)
    {
        var clipping = result.ClippedSteps is null ? "" : " (before clipping)";
        var samples = result.Gradients.Samples.TakeWhile(s => s.Norm.All(double.IsFinite)).ToArray();

        // Batch-to-batch noise hides the layers' separation; a trailing mean (in log space) over ~1/60 of the run keeps
        // the trend and any blow-up (a short run, like a diverging one, is drawn step by step).
        var window = Math.Max(1, samples.Length / 60);
        var smoothing = window == 1 ? "" : $", mean of {window} steps";
        var plot = NewPlot($"{result.Variant.DisplayName}: weight-gradient norm per layer over training{clipping}", "training step", $"‖∂L/∂W‖₂ (log scale{smoothing})");
        var layers = result.Gradients.Layers;
        var colormap = new ScottPlot.Colormaps.Viridis();
        var steps = samples.Select(s => (double)s.Step).ToArray();
        for (var layer = 0; layer < layers.Count; layer++)
        {
            var raw = samples.Select(s => Log(s.Norm[layer])).ToArray();
            var ys = raw.Select((_, i) => raw.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();
            var line = plot.Add.ScatterLine(steps, ys);
            line.LegendText = layers[layer];
            line.LineWidth = 1.5f;
            line.Color = colormap.GetColor(layers.Count == 1 ? 0 : 0.9 * layer / (layers.Count - 1));
        }

        LogAxis(plot.Axes.Left, samples.SelectMany(s => s.Norm));
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width + 120, Height);
    }

    /// <summary>Every variant's mean training loss per epoch on one chart, log scale.</summary>
    /// <param name="results">The variants.</param>
    /// <param name="path">The PNG file to write.</param>
    public static void LossCurves(IReadOnlyList<VariantResult> results, string path)
    {
        var plot = NewPlot("Training loss per epoch (DeepNet dashed: MSE; convolutional and RNN pairs dotted)", "epoch", "mean training loss (log scale)");
        var palette = new ScottPlot.Palettes.Category20();
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            var losses = result.EpochLoss.TakeWhile(double.IsFinite).ToArray();
            if (losses.Length == 0)
            {
                continue;
            }

            var epochs = Enumerable.Range(1, losses.Length).Select(e => (double)e).ToArray();
            var line = plot.Add.ScatterLine(epochs, losses.Select(Log).ToArray());
            line.LegendText = result.Variant.DisplayName + (result.DivergedAtStep is { } step ? $" (diverged at step {step})" : "");
            line.Color = palette.GetColor(result.Variant.Index);
            line.LineWidth = 2;
            line.MarkerSize = 4;
            if (result.Variant.Task == LabTask.DeepNetRegression)
            {
                line.LinePattern = LinePattern.Dashed;
            }
            else if (result.Variant.Task is LabTask.Stripes or LabTask.LongSequence)
            {
                line.LinePattern = LinePattern.Dotted;
            }
        }

        LogAxis(plot.Axes.Left, results.SelectMany(r => r.EpochLoss));
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width + 260, Height);
    }

    /// <summary>Per layer, the mean over training steps of mean |g| and of max |g|.</summary>
    /// <param name="result">One variant's result.</param>
    public static (double[] Mean, double[] Max) LayerAverages(VariantResult result)
    {
        var samples = result.Gradients.Samples.Where(s => s.MeanAbs.All(double.IsFinite) && s.MaxAbs.All(double.IsFinite)).ToArray();
        var count = result.Gradients.Layers.Count;
        var mean = new double[count];
        var max = new double[count];
        if (samples.Length == 0)
        {
            return (mean, max);
        }

        for (var layer = 0; layer < count; layer++)
        {
            mean[layer] = samples.Average(s => s.MeanAbs[layer]);
            max[layer] = samples.Average(s => s.MaxAbs[layer]);
        }

        return (mean, max);
    }

    private static Plot GradientFlowPlot(VariantResult result, (double Min, double Max) range)
    {
        var verdict = result.Gradients.Verdicts.Words;
        var plot = NewPlot($"{result.Variant.DisplayName}: gradient flow ({verdict})", "Linear layer (input → output)", "|∂L/∂W| (log scale)");
        var (mean, max) = LayerAverages(result);
        var light = Color.FromHex("#7fb3d5");
        var dark = Color.FromHex("#1f4e79");
        var bars = new List<Bar>();
        for (var layer = 0; layer < mean.Length; layer++)
        {
            bars.Add(new Bar { Position = layer, ValueBase = range.Min, Value = Math.Max(range.Min, Log(max[layer])), FillColor = light, LineWidth = 0, Size = 0.8 });
            bars.Add(new Bar { Position = layer, ValueBase = range.Min, Value = Math.Max(range.Min, Log(mean[layer])), FillColor = dark, LineWidth = 0, Size = 0.5 });
        }

        plot.Add.Bars(bars);
        // The monitor's vanishing threshold for mean |g|, drawn across the layers.
        var vanishing = result.Gradients.VanishingMeanAbs;
        var threshold = plot.Add.ScatterLine(new[] { -0.6, mean.Length - 0.4 }, new[] { Log(vanishing), Log(vanishing) });
        threshold.MarkerSize = 0;
        threshold.LinePattern = LinePattern.Dashed;
        threshold.Color = Colors.FireBrick;
        threshold.LineWidth = 1.5f;
        threshold.LegendText = $"mean |g| = {vanishing.ToString("0e+0", CultureInfo.InvariantCulture)} (vanishing)";

        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "max |g|", FillColor = light });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "mean |g|", FillColor = dark });
        // Outside the data area: the bars of a healthy network reach the top of it.
        plot.ShowLegend(Edge.Right);

        var positions = Enumerable.Range(0, mean.Length).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, result.Gradients.Layers.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -35;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 70;
        LogAxis(plot.Axes.Left);
        plot.Axes.SetLimits(-0.6, mean.Length - 0.4, range.Min, range.Max);
        return plot;
    }

    /// <summary>
    /// A sans-serif family that is installed: ScottPlot looks for Windows and macOS names and on Debian falls back to
    /// DejaVu Serif, while DejaVu Sans ships with Debian's fontconfig.
    /// </summary>
    private static readonly Lazy<string> SansFont = new(() =>
        new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI" }
            .FirstOrDefault(family => string.Equals(Fonts.GetTypeface(family, false, false)?.FamilyName, family, StringComparison.OrdinalIgnoreCase))
        ?? Fonts.Default);

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set(SansFont.Value);
        plot.Title(title, size: 16);
        plot.XLabel(xLabel, size: 13);
        plot.YLabel(yLabel, size: 13);
        return plot;
    }

    /// <summary>
    /// Ticks at whole powers of ten labelled 1e-3, 1e-2, ..., with logarithmic minor ticks between; when the values
    /// span less than two decades, ticks between powers of ten too, labelled with their values.
    /// </summary>
    private static void LogAxis(IAxis axis, IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToArray();
        LogAxis(axis, decadesOnly: positive.Length == 0 || Math.Log10(positive.Max() / positive.Min()) >= 2);
    }

    private static void LogAxis(IAxis axis, bool decadesOnly = true)
    {
        axis.TickGenerator = decadesOnly
            ? new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => y == 0 ? "1" : "1e" + y.ToString("0", CultureInfo.InvariantCulture),
            }
            : new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
            };
    }

    private static double Log(double value) => value > 0 ? Math.Log10(value) : ZeroFloor;
}
