using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;
using static NetGen.Tests.Shipping.ShippingFiles;

namespace NetGen.Tests.Shipping;

/// <summary>
/// The NetGen package as users get it: packs src/Package into a folder feed (<see cref="PackedNetGen"/>), checks what is inside, then
/// publishes tests/PackageConsumer (copied outside the repository, one PackageReference, nothing else) from
/// that feed and runs both its build and its publish output on weights trained in PyTorch.
/// </summary>
/// <remarks>
/// The consumer restores into a private packages folder with the machine's NuGet cache as a read-only
/// fallback: TorchSharp's 1.7 GB of libtorch is not downloaded or copied again, and the freshly packed
/// NetGen (a unique pre-release version per run) never lands in the shared cache, so no stale copy can
/// shadow a later pack. Takes about 40 s, most of it the consumer's publish copying libtorch (480 MB).
/// </remarks>
[Collection(PackedNetGenCollection.Name)]
public sealed class PackageConsumerTests
{
    private readonly PackedNetGen package;
    private readonly ITestOutputHelper output;

    public PackageConsumerTests(PackedNetGen package, ITestOutputHelper output)
    {
        this.package = package;
        this.output = output;
    }

    [Fact]
    public void The_package_holds_the_attributes_runtime_generator_code_fixes_and_native_load_fix()
    {
        output.WriteLine(package.PackLog);
        AssertPackageLayout(package.Nupkg, package.Version);
    }

    [Fact]
    public void A_consumer_built_from_the_packed_feed_alone_runs_a_generated_model_on_PyTorch_weights()
    {
        var scratch = NewScratchDirectory("consumer");
        var version = package.Version;
        try
        {
            var packages = Path.Combine(scratch, "packages");
            var app = Path.Combine(scratch, "app");
            var publish = Path.Combine(scratch, "publish");

            // A consumer outside the repository, restoring NetGen from the feed and nothing from any remote source.
            CopyDirectory(Path.Combine(RepositoryRoot(), "tests", "PackageConsumer"), app);
            File.WriteAllText(Path.Combine(app, "nuget.config"), NuGetConfig(package.Feed, packages, MachinePackagesFolder()));
            Dotnet(app, "publish", "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", $"-p:NetGenVersion={version}", "-o", publish);
            Assert.True(Directory.Exists(Path.Combine(packages, "netgen", version)), "NetGen was not restored from the feed into the private folder");

            // Run the build output and the publish output: both need the buildTransitive native-load fix on Debian 12.
            var weights = Reference("pytorch_trained.pt");
            var json = Reference("pytorch_trained.json");
            foreach (var dll in new[] { Path.Combine(app, "bin", "Release", "net10.0", RuntimeInformation.RuntimeIdentifier, "PackageConsumer.dll"), Path.Combine(publish, "PackageConsumer.dll") })
            {
                var stdout = Dotnet(app, dll, weights, json);
                Assert.Contains("parameters: 83 (compile time: 83)", stdout, StringComparison.Ordinal);
                var difference = double.Parse(Regex.Match(stdout, @"max \|NetGen - PyTorch\|: (\S+) over 18 outputs").Groups[1].Value, CultureInfo.InvariantCulture);
                Assert.True(difference <= 1e-5, $"{dll}: max |NetGen - PyTorch| = {difference}");
            }

            Assert.False(Directory.Exists(Path.Combine(MachinePackagesFolder(), "netgen", version)), "the test version leaked into the machine's NuGet cache");
        }
        finally
        {
            DeleteDirectory(scratch);
        }
    }

    private static void AssertPackageLayout(string nupkg, string version)
    {
        using var archive = ZipFile.OpenRead(nupkg);
        var entries = archive.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[]
        {
            "lib/net10.0/NetGen.Attributes.dll", "lib/net10.0/NetGen.Attributes.xml",
            "lib/net10.0/NetGen.Runtime.dll", "lib/net10.0/NetGen.Runtime.xml",
            "lib/net10.0/NetGen.Onnx.dll", "lib/net10.0/NetGen.Onnx.xml",
            "analyzers/dotnet/cs/NetGen.Generator.dll",
            "analyzers/dotnet/cs/NetGen.CodeFixes.dll",
            "buildTransitive/NetGen.targets", "buildTransitive/NetGen.NativeLoadFix.targets", "buildTransitive/ElfVersionNeedPatcher.cs",
            "README.md",
        })
        {
            Assert.True(entries.Contains(expected), $"{expected} is missing from the package; it has: {string.Join(", ", entries.Order())}");
        }

        // The generator and the code fixes run inside the compiler and the IDE only; as run-time references they
        // would drag Roslyn into every app. Roslyn itself is the host's, never shipped.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && (e.Contains("Generator", StringComparison.Ordinal) || e.Contains("CodeFixes", StringComparison.Ordinal)));
        Assert.Equal(
            new[] { "analyzers/dotnet/cs/NetGen.CodeFixes.dll", "analyzers/dotnet/cs/NetGen.Generator.dll" },
            entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // NetGenPyTorchTwin reaches the generator only as a compiler-visible property (docs/pytorch-twin.md).
        using (var targetsStream = archive.GetEntry("buildTransitive/NetGen.targets")!.Open())
        {
            Assert.Contains(
                XDocument.Load(targetsStream).Descendants("CompilerVisibleProperty"),
                item => item.Attribute("Include")?.Value == "NetGenPyTorchTwin");
        }

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        using var nuspecStream = archive.GetEntry("NetGen.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Element(ns + "metadata")!;
        Assert.Equal("NetGen", metadata.Element(ns + "id")!.Value);
        Assert.Equal(version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.True(metadata.Element(ns + "description")!.Value.Length > 80);
        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.Equal(new Dictionary<string, string> { ["TorchSharp"] = "0.107.0", ["TorchSharp.PyBridge"] = "1.4.4", ["Google.Protobuf"] = "3.36.2" }, dependencies);
        Assert.Equal(new[] { "net10.0" }, metadata.Descendants(ns + "group").Select(g => g.Attribute("targetFramework")!.Value));
    }

    internal static string NuGetConfig(string feed, string packages, string machineCache) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <config>
            <add key="globalPackagesFolder" value="{packages}" />
          </config>
          <packageSources>
            <clear />
            <add key="netgen-test-feed" value="{feed}" />
          </packageSources>
          <fallbackPackageFolders>
            <clear />
            <add key="machine-cache" value="{machineCache}" />
          </fallbackPackageFolders>
        </configuration>
        """;

    /// <summary>The NuGet cache the test build restored from, which already holds TorchSharp and libtorch.</summary>
    internal static string MachinePackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    /// <summary>Runs the dotnet host with <paramref name="arguments"/>; fails the test with its output on a non-zero exit.</summary>
    private string Dotnet(string workingDirectory, params string[] arguments)
    {
        var (exitCode, stdout, stderr, elapsed) = DotnetCli.Run(workingDirectory, arguments);
        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}   ({elapsed.TotalSeconds:F1} s, exit {exitCode})");
        output.WriteLine(stdout);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {exitCode}:\n{stdout}\n{stderr}");
        return stdout;
    }
}
