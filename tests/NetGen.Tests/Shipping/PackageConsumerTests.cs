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
/// The NetGen package as users get it: packs src/Package into a folder feed, checks what is inside, then
/// publishes tests/PackageConsumer (copied outside the repository, one PackageReference, nothing else) from
/// that feed and runs both its build and its publish output on weights trained in PyTorch.
/// </summary>
/// <remarks>
/// The consumer restores into a private packages folder with the machine's NuGet cache as a read-only
/// fallback: TorchSharp's 1.7 GB of libtorch is not downloaded or copied again, and the freshly packed
/// NetGen (a unique pre-release version per run) never lands in the shared cache, so no stale copy can
/// shadow a later pack. Takes about 40 s, most of it the consumer's publish copying libtorch (480 MB).
/// </remarks>
public sealed class PackageConsumerTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);
    private readonly ITestOutputHelper output;

    public PackageConsumerTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void A_consumer_built_from_the_packed_feed_alone_runs_a_generated_model_on_PyTorch_weights()
    {
        var root = RepositoryRoot();
        var scratch = NewScratchDirectory("package");
        var version = UniqueVersion();
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(scratch, "feed")).FullName;
            var packages = Path.Combine(scratch, "packages");
            var app = Path.Combine(scratch, "app");
            var publish = Path.Combine(scratch, "publish");

            // 1. Pack what the test build just built (this project references the package project, so it is built and restored).
            Dotnet(root, "pack", Path.Combine(root, "src", "Package", "NetGen.Package.csproj"), "--no-build", "-c", BuildConfiguration(),
                $"-p:PackageVersion={version}", "-o", feed);
            var nupkg = Path.Combine(feed, $"NetGen.{version}.nupkg");
            AssertPackageLayout(nupkg, version);

            // 2. A consumer outside the repository, restoring NetGen from the feed and nothing from any remote source.
            CopyDirectory(Path.Combine(root, "tests", "PackageConsumer"), app);
            File.WriteAllText(Path.Combine(app, "nuget.config"), NuGetConfig(feed, packages, MachinePackagesFolder()));
            Dotnet(app, "publish", "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", $"-p:NetGenVersion={version}", "-o", publish);
            Assert.True(Directory.Exists(Path.Combine(packages, "netgen", version)), "NetGen was not restored from the feed into the private folder");

            // 3. Run the build output and the publish output: both need the buildTransitive native-load fix on Debian 12.
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
            "buildTransitive/NetGen.targets", "buildTransitive/NetGen.NativeLoadFix.targets", "buildTransitive/ElfVersionNeedPatcher.cs",
            "README.md",
        })
        {
            Assert.True(entries.Contains(expected), $"{expected} is missing from the package; it has: {string.Join(", ", entries.Order())}");
        }

        // The generator runs inside the compiler only; as a run-time reference it would drag Roslyn into every app.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        using var nuspecStream = archive.GetEntry("NetGen.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Element(ns + "metadata")!;
        Assert.Equal("NetGen", metadata.Element(ns + "id")!.Value);
        Assert.Equal(version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.True(metadata.Element(ns + "description")!.Value.Length > 80);
        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.Equal(new Dictionary<string, string> { ["TorchSharp-cpu"] = "0.107.0", ["TorchSharp.PyBridge"] = "1.4.4", ["Google.Protobuf"] = "3.36.2" }, dependencies);
        Assert.Equal(new[] { "net10.0" }, metadata.Descendants(ns + "group").Select(g => g.Attribute("targetFramework")!.Value));
    }

    private static string NuGetConfig(string feed, string packages, string machineCache) => $"""
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
    private static string MachinePackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string UniqueVersion()
    {
        var assembly = typeof(ModuleWeights).Assembly.GetName().Version!;
        return $"{assembly.Major}.{assembly.Minor}.{assembly.Build}-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..8]}";
    }

    private static string BuildConfiguration() =>
        typeof(PackageConsumerTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

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
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] is "pack" or "publish")
        {
            start.ArgumentList.Add("-nodeReuse:false"); // no MSBuild node may outlive the test
        }

        // The test host's MSBuild variables belong to the outer build, not to these.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(StepTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish within {StepTimeout}");
        }

        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}   ({watch.Elapsed.TotalSeconds:F1} s, exit {process.ExitCode})");
        output.WriteLine(stdout);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {process.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
