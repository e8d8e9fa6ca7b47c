using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;
using static NetGen.Tests.Shipping.ShippingFiles;
using static TorchSharp.torch;

namespace NetGen.Tests.Shipping;

/// <summary>
/// The inference network of <see cref="InferencePackageTests"/>: here (TorchSharp referenced) a TorchSharp module,
/// in the consumer the test writes (NetGen.Inference referenced, TorchSharp not) an ONNX Runtime class.
/// </summary>
[Linear(4, 3), ReLU, Linear(3, 2)]
public partial class TinyNet;

/// <summary>
/// NetGen.Inference packed once for <see cref="InferencePackageTests"/>: <c>dotnet pack --no-build</c> of
/// src/InferencePackage (built by this test project's build) into a folder feed under a unique pre-release version.
/// </summary>
public sealed class PackedNetGenInference : IDisposable
{
    public PackedNetGenInference()
    {
        Scratch = NewScratchDirectory("inference-package");
        var assembly = typeof(PackedNetGenInference).Assembly;
        var number = assembly.GetName().Version!;
        Version = $"{number.Major}.{number.Minor}.{number.Build}-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..8]}";
        Feed = Directory.CreateDirectory(Path.Combine(Scratch, "feed")).FullName;
        PackLog = DotnetCli.Succeed(RepositoryRoot(), "pack", Path.Combine(RepositoryRoot(), "src", "InferencePackage", "NetGen.Inference.Package.csproj"), "--no-build",
            "-c", assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, $"-p:PackageVersion={Version}", "-o", Feed);
        Nupkg = Path.Combine(Feed, $"NetGen.Inference.{Version}.nupkg");
    }

    /// <summary>The scratch folder holding the feed; deleted on dispose.</summary>
    public string Scratch { get; }

    public string Version { get; }

    public string Feed { get; }

    public string Nupkg { get; }

    public string PackLog { get; }

    public void Dispose() => DeleteDirectory(Scratch);
}

/// <summary>
/// The NetGen.Inference package as users get it: its layout and dependencies, then a console app written here,
/// outside the repository, restoring NetGen.Inference from the packed feed alone, which runs <see cref="TinyNet"/>
/// exported by TorchSharp and matches the TorchSharp module's outputs. Takes about 10 s (pack 2 s, the consumer's restore and build 6 s).
/// </summary>
public sealed class InferencePackageTests : IClassFixture<PackedNetGenInference>
{
    private readonly PackedNetGenInference package;
    private readonly ITestOutputHelper output;

    public InferencePackageTests(PackedNetGenInference package, ITestOutputHelper output)
    {
        this.package = package;
        this.output = output;
    }

    [Fact]
    public void The_package_holds_attributes_inference_and_generator_and_depends_on_ONNX_Runtime_alone()
    {
        output.WriteLine(package.PackLog);
        using var archive = ZipFile.OpenRead(package.Nupkg);
        var entries = archive.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(
            new[] { "lib/net10.0/NetGen.Attributes.dll", "lib/net10.0/NetGen.Attributes.xml", "lib/net10.0/NetGen.Inference.dll", "lib/net10.0/NetGen.Inference.xml" },
            entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(
            new[] { "analyzers/dotnet/cs/NetGen.CodeFixes.dll", "analyzers/dotnet/cs/NetGen.Generator.dll" },
            entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("buildTransitive/", StringComparison.Ordinal));

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        using var nuspecStream = archive.GetEntry("NetGen.Inference.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Element(ns + "metadata")!;
        Assert.Equal("NetGen.Inference", metadata.Element(ns + "id")!.Value);
        Assert.Equal(package.Version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.Equal(new Dictionary<string, string> { ["Microsoft.ML.OnnxRuntime"] = "1.32.0" }, dependencies);
        Assert.Equal(new[] { "net10.0" }, metadata.Descendants(ns + "group").Select(g => g.Attribute("targetFramework")!.Value));
    }

    [Fact]
    public void A_consumer_built_from_the_packed_feed_alone_runs_the_declaration_exported_by_TorchSharp()
    {
        var scratch = NewScratchDirectory("inference-consumer");
        try
        {
            var packages = Path.Combine(scratch, "packages");
            var app = Directory.CreateDirectory(Path.Combine(scratch, "app")).FullName;

            // The TorchSharp module of the same declaration, seeded, exported with ExportOnnx.
            manual_seed(7);
            using var module = new TinyNet();
            module.eval();
            var onnx = Path.Combine(scratch, "tinynet.onnx");
            module.ExportOnnx(onnx);
            var inputs = ConsumerInput();
            float[] expected;
            using (no_grad())
            using (var x = tensor(inputs, new long[] { inputs.Length / 4, 4 }))
            using (var y = module.call(x))
            {
                expected = y.data<float>().ToArray();
            }

            File.WriteAllText(Path.Combine(app, "nuget.config"), PackageConsumerTests.NuGetConfig(package.Feed, packages, PackageConsumerTests.MachinePackagesFolder()));
            File.WriteAllText(Path.Combine(app, "InferenceConsumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="NetGen.Inference" Version="{package.Version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using System;
                using System.Globalization;
                using System.Linq;
                using NetGen;

                // The same input as the test's: 5 samples of 4 features.
                var input = Enumerable.Range(0, 20).Select(i => (i - 9.5f) / 4f).ToArray();
                using var model = new TinyNet(args[0]);
                var output = model.Run(input);
                Console.WriteLine($"shape {input.Length / model.InputLength} x {model.OutputLength}");
                Console.WriteLine("outputs " + string.Join(" ", output.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

                [Linear(4, 3), ReLU, Linear(3, 2)]
                public partial class TinyNet;
                """);

            Dotnet(app, "build", "-c", "Release");
            Assert.True(Directory.Exists(Path.Combine(packages, "netgen.inference", package.Version)), "NetGen.Inference was not restored from the feed into the private folder");
            Assert.False(Directory.Exists(Path.Combine(packages, "torchsharp")), "the consumer restored TorchSharp");
            var stdout = Dotnet(app, Path.Combine(app, "bin", "Release", "net10.0", "InferenceConsumer.dll"), onnx);

            Assert.Contains("shape 5 x 2", stdout, StringComparison.Ordinal);
            var line = stdout.Split('\n').Single(l => l.StartsWith("outputs ", StringComparison.Ordinal));
            var actual = line["outputs ".Length..].Trim().Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(10, actual.Length);
            var difference = actual.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"max |ONNX Runtime - TorchSharp| over 10 outputs: {difference:G3}");
            Assert.True(difference <= 1e-5, $"max |ONNX Runtime - TorchSharp| = {difference}");
            Assert.True(expected.Any(v => v != 0), "the TorchSharp outputs are all zero");
            Assert.False(Directory.Exists(Path.Combine(PackageConsumerTests.MachinePackagesFolder(), "netgen.inference", package.Version)), "the test version leaked into the machine's NuGet cache");
        }
        finally
        {
            DeleteDirectory(scratch);
        }
    }

    private static float[] ConsumerInput() => Enumerable.Range(0, 20).Select(i => (i - 9.5f) / 4f).ToArray();

    private string Dotnet(string workingDirectory, params string[] arguments)
    {
        var (exitCode, stdout, stderr, elapsed) = DotnetCli.Run(workingDirectory, arguments);
        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}   ({elapsed.TotalSeconds:F1} s, exit {exitCode})");
        output.WriteLine(stdout);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {exitCode}:\n{stdout}\n{stderr}");
        return stdout;
    }
}
