using System;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>
/// A long-lived <c>bench_pytorch.py --worker</c> process for one thread setting: the interleaved comparison sets up
/// PyTorch's contenders in it and asks it for a round of N calls in turn with the .NET contenders, so PyTorch meets the
/// same background load. It answers with its own wall and process CPU time per call (IPC is outside the timed loop).
/// </summary>
public sealed class PyTorchWorker : IDisposable
{
    private readonly Process _process;
    private int _nextId;

    /// <param name="fixedHeap">Start it with glibc's mmap and trim thresholds fixed as <see cref="NativeHeap.KeepFreedBlocks"/> fixes them in this process.</param>
    public PyTorchWorker(string python, string threads, bool fixedHeap)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        info.ArgumentList.Add(PyTorchBaseline.Script);
        info.ArgumentList.Add("--worker");
        info.ArgumentList.Add("--threads");
        info.ArgumentList.Add(threads);
        info.Environment["OPENBLAS_NUM_THREADS"] = threads == Threads.One ? "1" : Threads.DefaultCount.ToString(CultureInfo.InvariantCulture);
        if (fixedHeap)
        {
            info.Environment["MALLOC_MMAP_THRESHOLD_"] = NativeHeap.DefaultMmapThreshold.ToString(CultureInfo.InvariantCulture);
            info.Environment["MALLOC_TRIM_THRESHOLD_"] = NativeHeap.DefaultTrimThreshold.ToString(CultureInfo.InvariantCulture);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {python}");
        var reply = Send(new JsonObject { ["op"] = "info" });
        Torch = reply["torch"]!.GetValue<string>();
        Python = reply["python"]!.GetValue<string>();
        Blas = reply["blas"]!.GetValue<string>();
    }

    public string Torch { get; }

    public string Python { get; }

    public string Blas { get; }

    /// <summary>A contender for one row: <paramref name="benchmark"/> is Training, Update or Inference.</summary>
    public Contender Contender(string name, string benchmark, string network, int? batch)
    {
        var id = ++_nextId;
        Send(new JsonObject { ["op"] = "setup", ["id"] = id, ["benchmark"] = benchmark, ["network"] = network, ["batch"] = batch });
        return new Contender(
            name,
            (warmup, round) => Send(new JsonObject { ["op"] = "calibrate", ["id"] = id, ["warmup_s"] = warmup.TotalSeconds, ["round_s"] = round.TotalSeconds })["calls"]!.GetValue<int>(),
            calls =>
            {
                var reply = Send(new JsonObject { ["op"] = "run", ["id"] = id, ["calls"] = calls });
                return (reply["wall_ms"]!.GetValue<double>(), reply["cpu_ms"]!.GetValue<double>());
            },
            () => Send(new JsonObject { ["op"] = "drop", ["id"] = id }));
    }

    private JsonNode Send(JsonObject request)
    {
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"the PyTorch worker exited (code {(_process.HasExited ? _process.ExitCode : -1)})");
        var reply = JsonNode.Parse(line) ?? throw new JsonException("empty reply");
        if (reply["error"] is { } error)
        {
            throw new InvalidOperationException($"PyTorch worker: {error}");
        }

        return reply;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}

/// <summary>
/// One contender of an interleaved comparison: how many calls fill a round (after warming up), and a round of N calls
/// reporting wall and process CPU time per call.
/// </summary>
public sealed record Contender(string Name, Func<TimeSpan, TimeSpan, int> Calibrate, Func<int, (double WallMs, double CpuMs)> Run, Action? Release = null)
{
    /// <summary>A contender running in this process.</summary>
    public static Contender Local(string name, Action call) => new(
        name,
        (warmup, round) =>
        {
            var watch = Stopwatch.StartNew();
            var n = 0;
            while (watch.Elapsed < warmup || n < 3)
            {
                call();
                n++;
            }

            return Math.Max(1, (int)(n * round.TotalMilliseconds / watch.Elapsed.TotalMilliseconds));
        },
        calls =>
        {
            var cpu = ProcessCpu.Milliseconds();
            var watch = Stopwatch.StartNew();
            for (var j = 0; j < calls; j++)
            {
                call();
            }

            return (watch.Elapsed.TotalMilliseconds / calls, (ProcessCpu.Milliseconds() - cpu) / calls);
        });
}

/// <summary>CPU time of the whole process (all threads), in ms: another process competing for the cores slows wall time but hardly changes it.</summary>
public static class ProcessCpu
{
    public static double Milliseconds()
    {
        if (clock_gettime(2, out var t) != 0)
        {
            return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        }

        return (t.Seconds * 1e3) + (t.Nanoseconds / 1e6);
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
