using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>
/// BenchmarkDotNet configuration. The toolchain is in-process (<see cref="InProcessEmitToolchain"/>):
/// the default out-of-process toolchain generates and builds a project per run, which here means another
/// TorchSharp restore, another ~1 minute build on a 2-core machine, and a child process that needs the
/// TorchSharp native-load fix applied to an output folder outside this project. In process, the benchmark
/// runs the binaries just built (with the fix applied). What it gives up is process isolation between
/// benchmarks, which matters little here: each case creates its own module, optimiser and tensors in its
/// setup and frees them in its cleanup, and libtorch's thread count is set explicitly by every setup.
/// </summary>
public static class BenchmarkConfig
{
    public static IConfig Create(bool quick)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1);
        job = quick
            ? job.WithWarmupCount(1).WithIterationCount(3).WithIterationTime(TimeInterval.FromMilliseconds(100)).WithId("Quick")
            : job.WithMinWarmupCount(3).WithMaxWarmupCount(8).WithIterationCount(15).WithIterationTime(TimeInterval.FromMilliseconds(250)).WithId("Full");

        return DefaultConfig.Instance
            .AddJob(job)
            .AddColumn(StatisticColumn.Median, StatisticColumn.P95)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
    }
}
