using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace NetGen.Benchmarks.Monitoring;

/// <summary>
/// Measures process CPU time instead of wall time. The benchmarks run one intra-op thread and wait on nothing, so on an idle
/// machine the two agree; on a shared one (this project's machine had a load average of 15 to 40 on 2 cores) wall time
/// swings by tens of percent with other processes while CPU time does not. In-process, so that the clock object is the
/// one BenchmarkDotNet uses.
/// </summary>
public sealed class CpuTimeConfig : ManualConfig
{
    public CpuTimeConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithClock(new ProcessCpuClock())
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithId("CpuTime"));
    }
}

/// <summary>clock_gettime(CLOCK_PROCESS_CPUTIME_ID) in nanoseconds: the CPU time of every thread of the process (the GC and finalizer threads included). Linux.</summary>
public sealed class ProcessCpuClock : IClock
{
    private const int ClockProcessCpuTimeId = 2;

    public string Title => "Process CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => new(1_000_000_000);

    public long GetTimestamp()
    {
        if (clock_gettime(ClockProcessCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed.");
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
