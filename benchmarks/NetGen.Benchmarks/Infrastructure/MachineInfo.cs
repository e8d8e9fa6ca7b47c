using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>What a published number must say about where it came from: date, machine, versions, load.</summary>
public static class MachineInfo
{
    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>The libtorch package version this build resolved, read from the app's deps.json.</summary>
    public static string LibTorchVersion()
    {
        var deps = Path.Combine(AppContext.BaseDirectory, typeof(MachineInfo).Assembly.GetName().Name + ".deps.json");
        if (!File.Exists(deps))
        {
            return "unknown";
        }

        var match = Regex.Match(File.ReadAllText(deps), "\"libtorch-cpu-linux-x64/([^\"]+)\"");
        return match.Success ? match.Groups[1].Value : "unknown";
    }

    public static string TorchSharpVersion() =>
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    public static string Describe() =>
        $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {CpuModel()}, {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}; " +
        $".NET {Environment.Version}, TorchSharp {TorchSharpVersion()}, libtorch {LibTorchVersion()}; load average {LoadAverage()}";
}
