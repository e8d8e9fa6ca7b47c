using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NetGen.GradientLab;
using NetGen.GradientLab.Report;
using Xunit;

namespace NetGen.Tests.GradientLab;

/// <summary>Gradient Lab's training, verdicts and report on the built-in spiral data, with real TorchSharp.</summary>
[Collection(GradientLabCollection.Name)]
public sealed class LabRunTests(LabRunFixture fixture)
{
    [Fact]
    public void Sigmoid_is_reported_vanishing_and_ReLU_with_BatchNorm_is_not()
    {
        var sigmoid = fixture.Parallel.Results.Single(r => r.Variant.Id == "sigmoid");
        var batchNorm = fixture.Parallel.Results.Single(r => r.Variant.Id == "relu-bn");

        Assert.True(sigmoid.Gradients.Verdicts.Vanishing, string.Join("; ", sigmoid.Gradients.Verdicts.Evidence));
        Assert.False(sigmoid.Gradients.Verdicts.Exploding);
        Assert.True(sigmoid.Gradients.FirstLastRatio < 1e-3, $"Sigmoid ratio {sigmoid.Gradients.FirstLastRatio}");

        Assert.False(batchNorm.Gradients.Verdicts.Vanishing, string.Join("; ", batchNorm.Gradients.Verdicts.Evidence));
        Assert.False(batchNorm.Gradients.Verdicts.Exploding);
        Assert.InRange(batchNorm.Gradients.FirstLastRatio, 1e-2, 70);
        Assert.Equal("healthy", batchNorm.Gradients.Verdicts.Words);
    }

    [Fact]
    public void Every_step_is_measured_on_every_Linear_layer()
    {
        foreach (var result in fixture.Parallel.Results)
        {
            // 1,500 spiral points in batches of 64: 24 steps per epoch, 2 epochs.
            Assert.Equal(48, result.Steps);
            Assert.Equal(48, result.Gradients.Samples.Count);
            // Counted from 1, as NetGen's gradient monitor counts training passes.
            Assert.Equal(Enumerable.Range(1, 48), result.Gradients.Samples.Select(s => s.Step));
            Assert.Equal(Enumerable.Range(1, 10).Select(k => $"fc{k}"), result.Gradients.Layers);
            Assert.All(result.Gradients.Samples, s =>
            {
                Assert.Equal(10, s.Norm.Length);
                Assert.All(s.Norm, n => Assert.True(double.IsFinite(n) && n >= 0));
                // mean |g| <= max |g| <= ||g||2 for every layer.
                Assert.All(Enumerable.Range(0, 10), i => Assert.True(s.MeanAbs[i] <= s.MaxAbs[i] && s.MaxAbs[i] <= s.Norm[i] * (1 + 1e-6)));
            });
            Assert.Equal(2, result.EpochLoss.Count);
            Assert.Equal(result.Variant.Id == "sigmoid" ? 0 : 9, result.Gradients.ReluLayers.Count);
            Assert.Equal(result.Variant.Id == "sigmoid" ? 0 : 48, result.Gradients.ActivationSamples.Count);
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_numbers_whatever_the_thread_count()
    {
        var a = fixture.Parallel.Results;
        var b = fixture.Sequential.Results;
        Assert.Equal(a.Select(r => r.Variant.Id), b.Select(r => r.Variant.Id));
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].EpochLoss, b[i].EpochLoss);
            Assert.Equal(a[i].TestLoss, b[i].TestLoss);
            Assert.Equal(a[i].TestAccuracy, b[i].TestAccuracy);
            Assert.Equal(a[i].Gradients.FirstLastRatio, b[i].Gradients.FirstLastRatio);
            Assert.Equal(a[i].Gradients.Samples.Count, b[i].Gradients.Samples.Count);
            for (var s = 0; s < a[i].Gradients.Samples.Count; s++)
            {
                Assert.Equal(a[i].Gradients.Samples[s].Norm, b[i].Gradients.Samples[s].Norm);
                Assert.Equal(a[i].Gradients.Samples[s].MaxAbs, b[i].Gradients.Samples[s].MaxAbs);
            }
        }
    }

    [Fact]
    public void A_different_seed_gives_different_numbers()
    {
        var other = Lab.Run(new LabOptions { Epochs = 1, Seed = 8, Variants = [LabVariant.All[4]], Threads = 1 }, null, default, analyzeDeclarations: false);
        var same = fixture.Sequential.Results.Single(r => r.Variant.Id == "relu-bn");
        Assert.NotEqual(same.EpochLoss[0], other.Results[0].EpochLoss[0]);
    }

    [Fact]
    public void The_report_folder_holds_every_file_the_HTML_refers_to()
    {
        var parent = Directory.CreateTempSubdirectory("gradient-lab-test-");
        try
        {
            var target = Path.Combine(parent.FullName, "report");
            using (var folder = ReportFolder.Prepare(target))
            {
                ReportWriter.Write(fixture.Parallel, folder);
                folder.Commit();
            }

            var html = File.ReadAllText(Path.Combine(target, ReportWriter.HtmlFile));
            var referenced = Regex.Matches(html, "(?:src|href)=\"([^\"#]+)\"").Select(m => m.Groups[1].Value).Distinct().ToArray();

            // 2 plots per variant, the loss curves, the side-by-side picture, results.json, results.md.
            Assert.Equal(2 * 2 + 4, referenced.Length);
            foreach (var file in referenced)
            {
                var path = Path.Combine(target, file);
                Assert.True(File.Exists(path), $"report.html refers to {file}, which is not in the folder");
                if (file.EndsWith(".png", StringComparison.Ordinal))
                {
                    var bytes = File.ReadAllBytes(path);
                    Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
                    var width = (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19];
                    Assert.InRange(width, 800, 2000);
                    Assert.True(bytes.Length > 10_000, $"{file} is only {bytes.Length} bytes");
                }
            }

            foreach (var row in ReportWriter.Rows(fixture.Parallel))
            {
                Assert.Contains($"<td>{System.Net.WebUtility.HtmlEncode(row.Variant)}</td>", html, StringComparison.Ordinal);
                Assert.Contains(row.Ratio, html, StringComparison.Ordinal);
            }

            Assert.True(File.Exists(Path.Combine(target, ReportFolder.MarkerFile)));
            Assert.Empty(Directory.GetDirectories(parent.FullName, ".report.*"));
        }
        finally
        {
            parent.Delete(recursive: true);
        }
    }
}
