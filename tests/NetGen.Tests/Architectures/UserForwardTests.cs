using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Architectures;

/// <summary>
/// The escape hatch: a network whose forward is user-written keeps the generated fields, registration, summary,
/// monitoring (through hooks), TrainStep and weight files; NetGen checks each layer as declared and refuses the
/// targets it would have to trace (ONNX, the PyTorch twin).
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class UserForwardTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static string Source(string declaration) => "using NetGen;\nusing TorchSharp;\nusing static TorchSharp.torch;\nnamespace Tests;\n" + declaration + "\n";

    [Fact]
    public void A_skip_connection_trains_through_TrainStep_and_is_monitored_layer_by_layer()
    {
        torch.manual_seed(15);
        using var model = new SkipConcatNet();
        using var x = torch.randn(256, 8);
        using var y = (x[.., 0].sin() + (x[.., 1] * x[.., 2])).unsqueeze(1);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);

        var first = model.TrainStep(optimizer, x, y);
        var last = first;
        for (var step = 1; step < 200; step++)
        {
            last = model.TrainStep(optimizer, x, y);
            Assert.False(last.Skipped);
        }

        log.WriteLine($"SkipConcatNet, MSE on 256 samples: step 1 {first.Loss:F4}, step 200 {last.Loss:F4}");
        Assert.InRange(first.Loss, 0.5, 5);
        Assert.InRange(last.Loss, 0, 0.1 * first.Loss);

        // [GradientMonitor(SampleEvery = 1)]: every step reports, one row per layer module, in declaration order.
        var report = Assert.IsType<NetGen.Monitoring.GradientReport>(last.Report);
        Assert.Equal(new[] { "fc1", "hidden", "head" }, report.Layers.Select(l => l.Name));
        Assert.Equal(200, model.Monitor.Passes);
        foreach (var (layer, module) in report.Layers.Zip(new nn.Module[] { model.fc1, model.hidden, model.head }))
        {
            var expected = Math.Sqrt(module.parameters().Sum(p =>
            {
                using var norm = p.grad!.norm();
                return Math.Pow(norm.item<float>(), 2);
            }));
            Assert.Equal(expected, layer.Norm!.Value, expected * 1e-5);
            // The forward hook probed the layer's output, so its output gradient was recorded too.
            Assert.InRange(layer.ActivationGradientNorm!.Value, 1e-9, 1e3);
            log.WriteLine(layer.ToString());
        }
    }

    [Fact]
    public void The_summary_counts_every_parameter_and_says_the_forward_is_user_written()
    {
        using var skip = new SkipConcatNet();
        Assert.Equal((8 * 32) + 32 + (32 * 32) + 32 + (40 * 1) + 1, SkipConcatNet.Summary.TotalParameters);
        Assert.Equal(SkipConcatNet.Summary.TotalParameters, skip.parameters().Sum(p => p.numel()));
        Assert.True(SkipConcatNet.Summary.ForwardIsUserWritten);
        Assert.Equal(new long[] { 1 }, SkipConcatNet.Summary["head"].OutputShape);
        Assert.All(SkipConcatNet.Summary.Layers, l => Assert.Null(l.PredictedGradientScale));
        Assert.Contains("forward: user-written; shapes checked per layer as declared, not along the data flow", SkipConcatNet.Summary.ToString(), StringComparison.Ordinal);

        using var unet = new ChannelConcatNet();
        Assert.Equal((1 * 4 * 9) + 4 + (5 * 2 * 9) + 2 + (128 * 3) + 3, ChannelConcatNet.Summary.TotalParameters);
        Assert.Equal(ChannelConcatNet.Summary.TotalParameters, unet.parameters().Sum(p => p.numel()));
        Assert.Equal(new[] { "conv1", "conv2", "fc1" }, unet.named_children().Select(c => c.name));
        using var output = unet.call(torch.randn(2, 1, 8, 8));
        Assert.Equal(new long[] { 2, 3 }, output.shape);
    }

    [Fact]
    public void Weights_round_trip_through_safetensors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netgen-skip-{Guid.NewGuid():N}.safetensors");
        try
        {
            torch.manual_seed(1);
            using var saved = new SkipConcatNet();
            saved.SaveSafetensors(path);
            torch.manual_seed(2);
            using var loaded = new SkipConcatNet().LoadSafetensors(path);
            using var x = torch.randn(16, 8);
            saved.eval();
            loaded.eval();
            using var a = saved.call(x);
            using var b = loaded.call(x);
            Assert.Equal(0f, (a - b).abs().max().item<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ONNX_export_and_the_PyTorch_twin_refuse_with_the_reason()
    {
        using var model = new SkipConcatNet();
        var onnx = Assert.Throws<ArgumentException>(() => model.ToOnnxBytes());
        Assert.StartsWith("SkipConcatNet writes its own forward, and NetGen generates an ONNX graph only from the layer attributes: it does not trace code.", onnx.Message, StringComparison.Ordinal);
        var twin = Assert.Throws<ArgumentException>(() => PyTorchTwin.Source(typeof(SkipConcatNet)));
        Assert.StartsWith("SkipConcatNet writes its own forward, and NetGen generates a PyTorch twin only from the layer attributes", twin.Message, StringComparison.Ordinal);
        Assert.Null(typeof(SkipConcatNet).GetProperty("PyTorchSource"));
        Assert.False(model is NetGen.Onnx.IOnnxExportable);
    }

    [Fact]
    public void Generated_code_matches_the_golden_file_and_compiles_without_diagnostics()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, SourceFiles.Read("Architectures/UserForwardNetworks.cs"));
        Assert.Empty(run.AnalyzerDiagnostics.Select(d => d.ToString()));
        Assert.Empty(run.CompilerDiagnostics.Select(d => d.ToString()));
        var generated = run.GeneratedSources.Single(s => s.HintName == "NetGen.Tests.Architectures.SkipConcatNet.g.cs").Text;
        Assert.DoesNotContain("forward(", generated, StringComparison.Ordinal);
        GoldenFile.Verify(generated, "SkipConcatNet");
    }

    [Theory]
    [InlineData("NG0101", "[Input(8), Linear(32), ReLU, Linear(32), Linear(40, 1)] public partial class Net;")]
    [InlineData("NG0113", "[Input(1, 8, 8), Conv2d(4, 3, padding: 1), Input(5, 8, 8), Conv2d(2, 3)] public partial class Net;")]
    [InlineData("NG0118", "[Input(4), Linear(4)] public partial class Own { public override Tensor forward(Tensor input) => fc1.call(input); } [Input(4), Block(typeof(Own)), Linear(2)] public partial class Net;")]
    [InlineData("NG0121", "[Input(4), Linear(2)] public partial class Net { public Tensor forward(Tensor input) => fc1.call(input); }")]
    [InlineData("NG0121", "[Input(4), Linear(2)] public partial class Net { public override Tensor forward(Tensor input) => fc1.call(input); public object forward(object input) => input; }")]
    public void What_only_a_user_forward_allows_stays_an_error_without_one(string id, string declaration)
    {
        var run = GeneratorHarness.Run(Source(declaration));
        Assert.Contains(id, run.AnalyzerDiagnostics.Select(d => d.Id));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "CS8785");
    }

    [Fact]
    public void A_user_forward_with_another_declaration_error_gets_a_shell_without_forward()
    {
        var run = GeneratorHarness.Run(Source("[Input(4), Linear(0)] public partial class Net { public override Tensor forward(Tensor input) => input; }"));
        Assert.Equal("NG0104", Assert.Single(run.AnalyzerDiagnostics).Id);
        var shell = Assert.Single(run.GeneratedSources).Text;
        Assert.Contains("[global::System.Obsolete(\"NG0104", shell, StringComparison.Ordinal);
        Assert.DoesNotContain(" forward(", shell, StringComparison.Ordinal);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
    }

    [Fact]
    public void The_gradient_rules_stay_silent_because_declaration_order_is_not_the_data_flow()
    {
        // Ten Sigmoid layers in a row would be NG0001 (and two Linear layers in a row NG0005) for a generated forward.
        const string layers = "[Input(16), Linear(16), Sigmoid, Linear(16), Sigmoid, Linear(16), Sigmoid, Linear(16), Sigmoid, Linear(16), Sigmoid, Linear(16), Sigmoid, Linear(16), Linear(2)]";
        var generated = GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, Source(layers + " public partial class Net;"));
        Assert.Contains("NG0001", generated.AnalyzerDiagnostics.Select(d => d.Id));
        var own = GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, Source(layers + " public partial class Net { public override Tensor forward(Tensor input) => fc8.call(input); }"));
        Assert.Empty(own.AnalyzerDiagnostics.Select(d => d.ToString()));
        Assert.Empty(own.CompilerDiagnostics.Select(d => d.ToString()));
    }
}
