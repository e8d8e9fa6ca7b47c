using System;
using System.Runtime.InteropServices;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.Runtime;

/// <summary>
/// <see cref="NativeHeap.KeepFreedBlocks"/>: glibc accepts the thresholds, and afterwards a 3 MB tensor allocated and freed
/// again and again reuses its heap block instead of mapping fresh pages (768 page faults each time when it does).
/// </summary>
public class NativeHeapTests
{
    [Fact]
    public void With_fixed_thresholds_a_3_MB_tensor_reuses_freed_memory()
    {
        Assert.True(NativeHeap.KeepFreedBlocks(), "glibc's mallopt accepted both thresholds");
        const int Rounds = 200;
        for (var i = 0; i < 20; i++)
        {
            using var warm = torch.ones(64, 16, 28, 28);
        }

        var before = MinorFaults();
        for (var i = 0; i < Rounds; i++)
        {
            using var t = torch.ones(64, 16, 28, 28); // 3.2 MB, written in full
        }

        var perRound = (MinorFaults() - before) / (double)Rounds;
        Assert.True(perRound < 50, $"{perRound:F1} minor page faults per 3.2 MB tensor (a fresh mapping takes 784)");
    }

    [Theory]
    [InlineData(0L, 1L << 20)]
    [InlineData(1L << 20, -1L)]
    [InlineData(1L << 40, 1L << 20)]
    public void Thresholds_out_of_range_are_refused(long mmap, long trim) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeHeap.KeepFreedBlocks(mmap, trim));

    private static long MinorFaults()
    {
        // RUSAGE_THREAD: this thread's faults only, not the test host's other threads'.
        var usage = new long[18];
        Assert.Equal(0, getrusage(1, usage));
        return usage[8]; // ru_minflt: after two timevals (4 longs) and ru_maxrss, ru_ixrss, ru_idrss, ru_isrss
    }

    [DllImport("libc.so.6")]
    private static extern int getrusage(int who, [Out] long[] usage);
}
