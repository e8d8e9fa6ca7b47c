using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetGen.Generator;
using NetGen.Inference;
using NetGen.Tests.Catalog;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.Onnx;

/// <summary>
/// The same declarations compiled as an app that references NetGen.Inference and not TorchSharp (the real
/// compiler and generator, in memory) become typed ONNX Runtime classes: they load files exported from the
/// TorchSharp modules, reproduce the modules' outputs, and reject other networks' files and wrong input lengths.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class TypedInferenceTests
{
    private const string AppSource = """
        using NetGen;
        namespace NetGen.Tests.Catalog;
        [Linear(10, 20), ReLU, Linear(20, 5)] public partial class V01Mlp;
        [Input(3, 16, 16), Conv2d(4, 5), ReLU, MaxPool2d(2), Flatten, Linear(10)] public partial class V04SmallCnn;
        [Input(15, 4), GRU(8, 3), LastStep, Linear(2), LogSoftmax] public partial class V09DeepGru;
        [Input(6), Embedding(20, 8, PaddingIdx = 0), PositionalEmbedding]
        [TransformerEncoderLayer(2, 16), TransformerEncoderLayer(2, 16, Dropout = 0, NormFirst = true), MultiheadAttention(2, Causal = true)]
        [MeanPool, Linear(3)]
        public partial class EveryTextLayerNet;
        """;

    private static readonly Lazy<(Assembly Assembly, IReadOnlyList<string> Sources)> App = new(CompileApp);

    [Fact]
    public void Without_torchsharp_the_declaration_becomes_an_onnx_network_with_the_declared_shapes()
    {
        var type = App.Value.Assembly.GetType("NetGen.Tests.Catalog.V04SmallCnn")!;

        Assert.True(typeof(OnnxNetwork).IsAssignableFrom(type));
        Assert.Equal(new long[] { 3, 16, 16 }, (IReadOnlyList<long>)type.GetProperty("SampleInputShape")!.GetValue(null)!);
        Assert.Equal(new long[] { 10 }, (IReadOnlyList<long>)type.GetProperty("SampleOutputShape")!.GetValue(null)!);
        Assert.DoesNotContain(App.Value.Sources, s => s.Contains("TorchSharp", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(nameof(V01Mlp))]
    [InlineData(nameof(V04SmallCnn))]
    [InlineData(nameof(V09DeepGru))]
    public void The_typed_class_reproduces_the_module_from_spans_tensors_and_ort_values(string networkName)
    {
        using var module = OnnxFixtures.Create(networkName, seed: 5);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, networkName + ".onnx");
        OnnxFixtures.Export(module, path);
        var sample = OnnxFixtures.SampleShape(module);
        using var input = torch.randn(new[] { 17L }.Concat(sample).ToArray());
        using var expectedTensor = module.forward(input);
        var expected = expectedTensor.data<float>().ToArray();
        var values = input.data<float>().ToArray();

        using var network = Load(networkName, path);
        AssertClose(expected, network.Run(values));
        AssertClose(expected[..network.OutputLength], network.Run(values.AsSpan(0, network.InputLength)));

        var dense = new DenseTensor<float>(values, new[] { 17 }.Concat(sample.Select(d => (int)d)).ToArray());
        var denseOutput = network.Run(dense);
        Assert.Equal(expectedTensor.shape, denseOutput.Dimensions.ToArray().Select(d => (long)d).ToArray());
        AssertClose(expected, denseOutput.Buffer.ToArray());

        using var ortInput = OrtValue.CreateTensorValueFromMemory(values, input.shape);
        using var ortOutput = network.Run(ortInput);
        Assert.Equal(expectedTensor.shape, ortOutput.GetTensorTypeAndShape().Shape);
        AssertClose(expected, ortOutput.GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void The_typed_class_of_a_token_network_takes_int64_ids()
    {
        using var module = OnnxFixtures.Create(nameof(EveryTextLayerNet), seed: 5);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "text.onnx");
        OnnxFixtures.Export(module, path);
        using var input = OnnxFixtures.RandomInput(module, 5);
        using var expectedTensor = module.forward(input);
        var expected = expectedTensor.data<float>().ToArray();
        var tokens = input.data<long>().ToArray();

        using var network = Load(nameof(EveryTextLayerNet), path);
        Assert.True(network.TakesTokens);
        AssertClose(expected, network.Run(tokens));
        var buffer = new float[network.OutputLength];
        network.Run(tokens.AsSpan(0, network.InputLength), buffer);
        AssertClose(expected[..network.OutputLength], buffer);
        AssertClose(expected, network.Run(new DenseTensor<long>(tokens, new[] { 5, 6 })).Buffer.ToArray());
        using var ortInput = OrtValue.CreateTensorValueFromMemory(tokens, input.shape);
        using var ortOutput = network.Run(ortInput);
        AssertClose(expected, ortOutput.GetTensorDataAsSpan<float>().ToArray());

        var floats = Assert.Throws<ArgumentException>(() => network.Run(new float[12]));
        Assert.Contains("int64 token ids", floats.Message, StringComparison.Ordinal);
        Assert.Contains("whole samples of 6 token ids", Assert.Throws<ArgumentException>(() => network.Run(new long[7])).Message, StringComparison.Ordinal);
        using var floatValue = OrtValue.CreateTensorValueFromMemory(new float[12], new long[] { 2, 6 });
        Assert.Throws<ArgumentException>(() => network.Run(floatValue));

        // A float network's file is refused by the token class, naming the input type.
        using var mlp = OnnxFixtures.Create(nameof(V01Mlp), seed: 5);
        var mlpPath = Path.Combine(temp.Path, "mlp.onnx");
        OnnxFixtures.Export(mlp, mlpPath);
        Assert.Contains("declares int64 [batch, 6]", Assert.Throws<OnnxShapeMismatchException>(() => Load(nameof(EveryTextLayerNet), mlpPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_another_network_is_rejected_on_load_naming_both_shapes()
    {
        using var module = OnnxFixtures.Create(nameof(V01Mlp), seed: 5);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "mlp.onnx");
        OnnxFixtures.Export(module, path);

        var e = Assert.Throws<OnnxShapeMismatchException>(() => Load(nameof(V04SmallCnn), path));

        Assert.Contains("[batch, 10]", e.Message);
        Assert.Contains("[batch, 3, 16, 16]", e.Message);
        Assert.Contains("V04SmallCnn", e.Message);
    }

    [Fact]
    public void A_wrong_input_length_is_a_clear_exception()
    {
        using var module = OnnxFixtures.Create(nameof(V01Mlp), seed: 5);
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "mlp.onnx");
        OnnxFixtures.Export(module, path);
        using var network = Load(nameof(V01Mlp), path);

        var e = Assert.Throws<ArgumentException>(() => network.Run(new float[25]));
        Assert.Contains("whole samples of 10 floats", e.Message);
        Assert.Throws<ArgumentException>(() => network.Run(ReadOnlySpan<float>.Empty));
        Assert.Throws<ArgumentException>(() => network.Run(new float[20], new float[9]));
        Assert.Throws<ArgumentException>(() => network.Run(new DenseTensor<float>(new[] { 2, 11 })));
        Assert.Throws<FileNotFoundException>(() => Load(nameof(V01Mlp), Path.Combine(temp.Path, "none.onnx")));
    }

    private static OnnxNetwork Load(string networkName, string path)
    {
        var type = App.Value.Assembly.GetType("NetGen.Tests.Catalog." + networkName)!;
        try
        {
            return (OnnxNetwork)Activator.CreateInstance(type, path, null)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference <= OnnxExportParityTests.Tolerance, $"max difference {difference:E2}");
    }

    /// <summary>Compiles <see cref="AppSource"/> as an app would: attributes, NetGen.Inference, ONNX Runtime, no TorchSharp.</summary>
    private static (Assembly, IReadOnlyList<string>) CompileApp()
    {
        var references = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(NetGen.LinearAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(OnnxNetwork).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(InferenceSession).Assembly.Location));
        var compilation = CSharpCompilation.Create(
            "NetGen.InferenceApp",
            new[] { CSharpSyntaxTree.ParseText(AppSource, new CSharpParseOptions(LanguageVersion.Latest)) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(new NetworkGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var sources = driver.GetRunResult().GeneratedTrees.Select(t => t.ToString()).ToList();

        // Every declaration, the token network too, becomes a class: no NG0199 or other generator diagnostic.
        Assert.Empty(generatorDiagnostics);
        Assert.Equal(4, sources.Count(s => s.Contains(": global::NetGen.Inference.OnnxNetwork", StringComparison.Ordinal)));
        Assert.Contains(sources, s => s.Contains("options, takesTokens: true)", StringComparison.Ordinal));

        // The declaration analyzer accepts the generated OnnxNetwork base class as it accepts the TorchSharp module.
        var analyzerDiagnostics = output.WithAnalyzers(System.Collections.Immutable.ImmutableArray.Create<DiagnosticAnalyzer>(
            new NetGen.Generator.Analyzers.NetworkDeclarationAnalyzer())).GetAnalyzerDiagnosticsAsync().Result;
        Assert.Empty(analyzerDiagnostics);

        using var image = new MemoryStream();
        var result = output.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return (Assembly.Load(image.ToArray()), sources);
    }
}
