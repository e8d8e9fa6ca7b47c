using System;
using System.Runtime.InteropServices;

namespace NetGen
{
    /// <summary>
    /// Fixes glibc's thresholds for returning freed memory to the system, so that libtorch's large tensors reuse freed heap
    /// blocks instead of mapping fresh pages on every call.
    /// </summary>
    /// <remarks>
    /// <para>Why: glibc serves a block larger than its <c>mmap</c> threshold with a fresh mapping and unmaps it on free, and
    /// gives the top of the heap back to the system once more than its trim threshold is free. Both thresholds start at
    /// 128 KiB and grow with the blocks the process frees, so whether a 3 MB tensor (a batch-64 convolution's output) lands
    /// in a fresh mapping depends on what the process freed before. A fresh mapping costs one page fault per 4 KiB page,
    /// zeroed by the kernel, on first touch. Measured on ConvNet's first convolution (batch 64, one thread): 5.0 ms and
    /// 1,536 minor page faults per call with glibc's default behaviour, 0.47 ms and none with these thresholds fixed; PyTorch
    /// 1.13 shows the same (5.1 ms against 0.45 ms), which is why its ConvNet timings differ from one
    /// process to the next. The command that reproduces it: <c>dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- ops</c> (docs/performance.md).</para>
    /// <para>The cost: up to <c>trimThresholdBytes</c> of freed memory stays with the process instead of going back to the
    /// system. Process-wide, like the <c>MALLOC_MMAP_THRESHOLD_</c> and <c>MALLOC_TRIM_THRESHOLD_</c> environment variables,
    /// which do the same for a process started with them (and for PyTorch).</para>
    /// </remarks>
    public static class NativeHeap
    {
        /// <summary>glibc's largest accepted <c>mmap</c> threshold on 64-bit systems (32 MiB).</summary>
        public const long DefaultMmapThreshold = 32L << 20;

        /// <summary>The trim threshold <see cref="KeepFreedBlocks"/> uses unless told otherwise (128 MiB).</summary>
        public const long DefaultTrimThreshold = 128L << 20;

        private const int MTrimThreshold = -1;
        private const int MMmapThreshold = -3;

        /// <summary>
        /// Fixes glibc's <c>mmap</c> and trim thresholds: blocks up to <paramref name="mmapThresholdBytes"/> come from the
        /// heap and are reused after they are freed, and up to <paramref name="trimThresholdBytes"/> of free heap stays mapped.
        /// </summary>
        /// <param name="mmapThresholdBytes">Blocks larger than this are mapped on their own (at most 32 MiB on 64-bit glibc).</param>
        /// <param name="trimThresholdBytes">Free memory at the top of the heap beyond this goes back to the system.</param>
        /// <returns>True when glibc accepted both settings; false elsewhere (another C library, Windows, macOS), where nothing changes.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A threshold is not positive or does not fit glibc's <c>int</c>.</exception>
        public static bool KeepFreedBlocks(long mmapThresholdBytes = DefaultMmapThreshold, long trimThresholdBytes = DefaultTrimThreshold)
        {
            if (mmapThresholdBytes is <= 0 or > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(mmapThresholdBytes), mmapThresholdBytes, "must be between 1 and 2^31 - 1 bytes");
            }

            if (trimThresholdBytes is <= 0 or > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(trimThresholdBytes), trimThresholdBytes, "must be between 1 and 2^31 - 1 bytes");
            }

            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            try
            {
                // Each call also turns off glibc's dynamic adjustment of both thresholds.
                return mallopt(MMmapThreshold, (int)mmapThresholdBytes) == 1 && mallopt(MTrimThreshold, (int)trimThresholdBytes) == 1;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc.so.6", ExactSpelling = true)]
        private static extern int mallopt(int parameter, int value);
    }
}
