using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>One PyTorch timing: benchmark (Training, AdamUpdate, Inference), network, batch, threads, median.</summary>
public sealed record PyTorchResult(string Benchmark, string Network, int? Batch, string Threads, double MedianMs, double? CpuMs);

/// <summary>One run of benchmarks/pytorch/bench_pytorch.py, with the versions and BLAS it reported.</summary>
public sealed record PyTorchRun(string Label, string Torch, string Python, string Blas, IReadOnlyList<PyTorchResult> Results, JsonElement? Memory);

/// <summary>
/// Runs the PyTorch peer baseline when a <c>python3</c> with <c>torch</c> exists: <c>$NETGEN_PYTHON</c>,
/// else Debian's <c>/usr/bin/python3</c> (a version-managed <c>python3</c> first on PATH often lacks torch),
/// else <c>python3</c>. One process per thread setting, with OpenBLAS's own pool sized to match (PyTorch's
/// <c>set_num_threads</c> does not reach it). <c>--pytorch-blas DIR</c> adds a run with DIR first on the
/// library path, e.g. an unpacked <c>libopenblas0-pthread</c>, to compare BLAS builds without touching
/// the system's choice.
/// </summary>
public static class PyTorchBaseline
{
    public static string? FindPython()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("NETGEN_PYTHON"), "/usr/bin/python3", "python3" };
        foreach (var candidate in candidates.Where(c => !string.IsNullOrEmpty(c)))
        {
            try
            {
                var (code, _, _) = Run(candidate!, new[] { "-c", "import torch" }, null, TimeSpan.FromMinutes(1));
                if (code == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed; try the next
            }
        }

        return null;
    }

    public static string Script => Path.Combine(AppContext.BaseDirectory, "pytorch", "bench_pytorch.py");

    public static IReadOnlyList<PyTorchRun> RunAll(string python, IReadOnlyList<string?> blasDirectories, IEnumerable<string> networks, bool quick, IReadOnlyList<string>? threadSettings = null)
    {
        var runs = new List<PyTorchRun>();
        foreach (var blas in blasDirectories)
        {
            var results = new List<PyTorchResult>();
            string torch = "?", pythonVersion = "?", blasName = "?";
            foreach (var threads in threadSettings ?? Threads.Settings)
            {
                var args = new List<string> { Script, "--threads", threads, "--networks" };
                args.AddRange(networks);
                if (quick)
                {
                    args.Add("--quick");
                }

                using var json = JsonDocument.Parse(RunScript(python, args, blas, threads));
                var root = json.RootElement;
                torch = root.GetProperty("torch").GetString()!;
                pythonVersion = root.GetProperty("python").GetString()!;
                blasName = root.GetProperty("blas").GetString()!;
                results.AddRange(root.GetProperty("results").EnumerateArray().Select(r => new PyTorchResult(
                    r.GetProperty("benchmark").GetString()!,
                    r.GetProperty("network").GetString()!,
                    r.TryGetProperty("batch", out var b) ? b.GetInt32() : null,
                    r.GetProperty("threads").GetString()!,
                    r.GetProperty("median_ms").GetDouble(),
                    r.TryGetProperty("cpu_ms", out var cpu) ? cpu.GetDouble() : null)));
            }

            runs.Add(new PyTorchRun(ShortBlas(blasName), torch, pythonVersion, blasName, results, null));
        }

        return runs;
    }

    public static PyTorchRun RunMemory(string python, string? blas, string network, string threads, int steps)
    {
        var output = RunScript(python, new[] { Script, "--memory", network, "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", threads }, blas, threads);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var blasName = root.GetProperty("blas").GetString()!;
        return new PyTorchRun(ShortBlas(blasName), root.GetProperty("torch").GetString()!, root.GetProperty("python").GetString()!, blasName, Array.Empty<PyTorchResult>(), root.GetProperty("memory").Clone());
    }

    private static string ShortBlas(string blas) =>
        blas.StartsWith("OpenBLAS", StringComparison.Ordinal) ? "OpenBLAS"
        : blas.StartsWith("reference", StringComparison.Ordinal) ? "reference BLAS"
        : blas;

    private static string RunScript(string python, IEnumerable<string> args, string? blasDirectory, string threads)
    {
        var env = new Dictionary<string, string>
        {
            ["OPENBLAS_NUM_THREADS"] = threads == Threads.One ? "1" : Threads.DefaultCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (blasDirectory is not null)
        {
            env["LD_LIBRARY_PATH"] = blasDirectory;
        }

        Console.Error.WriteLine($"PyTorch baseline: {python} {string.Join(' ', args)}{(blasDirectory is null ? "" : $" (LD_LIBRARY_PATH={blasDirectory})")}");
        var (code, stdout, stderr) = Run(python, args, env, TimeSpan.FromHours(2));
        Console.Error.Write(stderr);
        if (code != 0)
        {
            throw new InvalidOperationException($"{Script} exited with code {code}: {stderr.Trim().Split('\n').LastOrDefault()}");
        }

        return stdout;
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, IDictionary<string, string>? env, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}");
        }

        return (process.ExitCode, stdout, stderr.Result);
    }
}
