using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Onnx;

/// <summary>
/// Validity beyond ONNX Runtime, from the committed output of <c>make_onnx_reference.py</c> (no Python here): the
/// PyTorch twins' weights (<c>reference/*.pt</c>) loaded into NetGen's modules and exported give, in ONNX Runtime,
/// PyTorch's eager output and the output of PyTorch's own <c>torch.onnx.export</c> of the same network and weights;
/// and <c>onnx.checker.check_model</c> passed on exactly the bytes the exporter writes today (SHA-256).
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class OnnxPyTorchReferenceTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Onnx");

    private static readonly Lazy<JsonElement> Reference = new(() => Read("pytorch_onnx_reference.json"));

    private static readonly Lazy<JsonElement> Checker = new(() => Read("onnx_checker.json"));

    public static TheoryData<string> Networks => new()
    {
        "V01Mlp", "V03InferredLinear", "V05MnistCnn", "V07Conv1d", "V08LstmRegressor", "V09DeepGru",
        "V10Rnn", "V13PRelu", "V14Transformerish", "V15PoolFirst", "V17ActivationMix", "V20ResidualConv",
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Netgen_export_matches_pytorch_and_pytorchs_own_onnx_export(string networkName)
    {
        var type = typeof(OnnxPyTorchReferenceTests).Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        using var module = (nn.Module<Tensor, Tensor>)Activator.CreateInstance(type)!;
        module.LoadPyTorchStateDict(Path.Combine(Folder, "reference", networkName + ".pt"));
        module.eval();

        // Writing mode for the script's second step: leave the export beside PyTorch's for check_model.
        var exportDir = Environment.GetEnvironmentVariable("NETGEN_WRITE_ONNX_EXPORTS");
        using var temp = new TemporaryFolder();
        var netgenPath = Path.Combine(exportDir ?? temp.Path, networkName + ".netgen.onnx");
        OnnxFixtures.Export(module, netgenPath);

        var reference = Reference.Value.GetProperty("networks").GetProperty(networkName);
        var inputShape = Longs(reference.GetProperty("input_shape"));
        var input = Floats(reference.GetProperty("input"));
        var expected = Floats(reference.GetProperty("output"));
        using var x = torch.tensor(input, inputShape);

        using var torchSharp = module.forward(x);
        AssertClose(expected, torchSharp.data<float>().ToArray(), "TorchSharp vs PyTorch");
        using var netgen = new InferenceSession(netgenPath);
        var netgenOutput = OnnxFixtures.RunOnnx(netgen, x);
        using var pytorch = new InferenceSession(Path.Combine(Folder, "reference", networkName + ".pytorch.onnx"));
        var pytorchOutput = OnnxFixtures.RunOnnx(pytorch, x);

        Assert.Equal(Longs(reference.GetProperty("output_shape")), netgenOutput.Shape);
        Assert.Equal(pytorchOutput.Shape, netgenOutput.Shape);
        AssertClose(expected, netgenOutput.Values, "NetGen's ONNX in ONNX Runtime vs PyTorch");
        AssertClose(pytorchOutput.Values, netgenOutput.Values, "NetGen's ONNX vs torch.onnx.export's, both in ONNX Runtime");

        if (exportDir is null)
        {
            var files = Checker.Value.GetProperty("files");
            var checkedNetgen = files.GetProperty(networkName + ".netgen.onnx");
            Assert.Equal("passed", checkedNetgen.GetProperty("check_model").GetString());
            Assert.Equal("passed", files.GetProperty(networkName + ".pytorch.onnx").GetProperty("check_model").GetString());
            Assert.Equal(
                checkedNetgen.GetProperty("sha256").GetString(),
                Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(netgenPath))));

            // Initializers named by state-dict keys, as PyTorch's are (PyTorch's folded constants aside).
            var stateDict = module.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal);
            Assert.Equal(stateDict, checkedNetgen.GetProperty("initializers").EnumerateArray().Select(e => e.GetString()!));
        }
    }

    [Fact]
    public void The_checker_fixture_covers_every_reference_network_and_every_file_passed()
    {
        var files = Checker.Value.GetProperty("files").EnumerateObject().ToList();
        Assert.Equal(2 * Networks.Count, files.Count);
        Assert.All(files, f => Assert.Equal("passed", f.Value.GetProperty("check_model").GetString()));
        Assert.All(files.Where(f => f.Name.EndsWith(".netgen.onnx", StringComparison.Ordinal)), f => Assert.Equal(17, f.Value.GetProperty("opset").GetInt32()));
    }

    private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        var difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference <= OnnxExportParityTests.Tolerance, $"{what}: max difference {difference:E2}");
    }

    private static JsonElement Read(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, file))).RootElement;

    private static long[] Longs(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt64()).ToArray();

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
