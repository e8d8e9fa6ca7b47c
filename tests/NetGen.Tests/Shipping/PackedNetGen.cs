using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using Xunit;
using static NetGen.Tests.Shipping.ShippingFiles;

namespace NetGen.Tests.Shipping;

/// <summary>
/// NetGen packed once for the tests that use it as users get it: <c>dotnet pack</c> of src/Package (built by this
/// test project's build) into a folder feed under a unique pre-release version, and the package extracted beside it.
/// </summary>
public sealed class PackedNetGen : IDisposable
{
    public PackedNetGen()
    {
        Scratch = NewScratchDirectory("package");
        Version = UniqueVersion();
        Feed = Directory.CreateDirectory(Path.Combine(Scratch, "feed")).FullName;
        PackLog = DotnetCli.Succeed(RepositoryRoot(), "pack", Path.Combine(RepositoryRoot(), "src", "Package", "NetGen.Package.csproj"), "--no-build",
            "-c", BuildConfiguration(), $"-p:PackageVersion={Version}", "-o", Feed);
        Nupkg = Path.Combine(Feed, $"NetGen.{Version}.nupkg");
        Extracted = Path.Combine(Scratch, "extracted");
        ZipFile.ExtractToDirectory(Nupkg, Extracted);
    }

    /// <summary>The scratch folder holding the feed and the extracted package; deleted on dispose.</summary>
    public string Scratch { get; }

    public string Version { get; }

    public string Feed { get; }

    public string Nupkg { get; }

    /// <summary>The package's files as NuGet extracts them into its packages folder.</summary>
    public string Extracted { get; }

    /// <summary>The folder compilers and IDEs load NetGen's analyzers, generator and code fixes from.</summary>
    public string AnalyzerFolder => Path.Combine(Extracted, "analyzers", "dotnet", "cs");

    public string PackLog { get; }

    public void Dispose() => DeleteDirectory(Scratch);

    private static string UniqueVersion()
    {
        var assembly = typeof(ModuleWeights).Assembly.GetName().Version!;
        return $"{assembly.Major}.{assembly.Minor}.{assembly.Build}-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..8]}";
    }

    private static string BuildConfiguration() =>
        typeof(PackedNetGen).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
}

/// <summary>The tests that share one packed NetGen (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class PackedNetGenCollection : ICollectionFixture<PackedNetGen>
{
    public const string Name = "Packed NetGen";
}

/// <summary>Runs the dotnet host as a user would, outside this test host's own MSBuild environment.</summary>
internal static class DotnetCli
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>; throws with its output on a non-zero exit or a timeout.</summary>
    public static string Succeed(string workingDirectory, params string[] arguments)
    {
        var (exitCode, stdout, stderr, elapsed) = Run(workingDirectory, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited {exitCode} after {elapsed.TotalSeconds:F1} s:\n{stdout}\n{stderr}");
        }

        return $"$ dotnet {string.Join(' ', arguments)}   ({elapsed.TotalSeconds:F1} s)\n{stdout}";
    }

    public static (int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed) Run(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
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

        if (arguments[0] is "pack" or "publish" or "build" or "restore")
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(StepTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {StepTimeout}");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result, watch.Elapsed);
    }
}
