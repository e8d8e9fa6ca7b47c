using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.Onnx;
using NetGen.Tests.Catalog;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NetGen.Tests.Onnx;

/// <summary>
/// Every network of the catalogue tests (together they hold every layer kind) exported to ONNX and run in
/// ONNX Runtime gives the TorchSharp module's eval-mode output within 1e-5, for a batch of 17 and a batch of 1
/// from the same file.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class OnnxExportParityTests(ITestOutputHelper output)
{
    public const double Tolerance = 1e-5;

    [Theory]
    [MemberData(nameof(SummaryMatchesRuntimeTests.Networks), MemberType = typeof(SummaryMatchesRuntimeTests))]
    public void Onnx_runtime_matches_the_module_in_eval_mode(string networkName)
    {
        using var module = OnnxFixtures.Create(networkName, seed: 11);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, networkName + ".onnx");
        OnnxFixtures.Export(module, path);

        using var session = new InferenceSession(path);
        var worst = 0.0;
        foreach (var batch in new[] { 17, 1 })
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(batch);
            using var input = OnnxFixtures.RandomInput(module, batch);
            using var expected = module.forward(input);
            var actual = OnnxFixtures.RunOnnx(session, input);

            Assert.Equal(expected.shape, actual.Shape);
            var difference = expected.data<float>().ToArray().Zip(actual.Values, (a, b) => Math.Abs((double)a - b)).Max();
            worst = Math.Max(worst, difference);
            Assert.True(difference <= Tolerance, $"{networkName}, batch {batch}: max |TorchSharp - ONNX Runtime| = {difference:E2} > {Tolerance:E0}");
        }

        output.WriteLine($"{networkName}: max |TorchSharp - ONNX Runtime| = {worst:E2}");
    }

    [Fact]
    public void Initializers_are_the_state_dict_keys_and_the_batch_is_symbolic()
    {
        using var module = OnnxFixtures.Create(nameof(V02NoBias), seed: 1);
        var model = NetGen.Onnx.Proto.ModelProto.Parser.ParseFrom(((V02NoBias)module).ToOnnxBytes());

        var stateDict = module.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal);
        var weights = model.Graph.Initializer.Select(t => t.Name).Where(n => !n.StartsWith('/')).OrderBy(k => k, StringComparer.Ordinal);
        Assert.Equal(stateDict, weights);
        Assert.Equal("input", model.Graph.Input.Single().Name);
        Assert.Equal("output", model.Graph.Output.Single().Name);
        Assert.Equal("batch", model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(8, model.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal(17, model.OpsetImport.Single().Version);
        Assert.Equal(8, model.IrVersion);
    }
}
