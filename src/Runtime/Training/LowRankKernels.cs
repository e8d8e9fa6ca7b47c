using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Training
{
    /// <summary>
    /// The optimiser update of a Linear weight whose gradient was never materialised. For a batch of R rows the weight
    /// gradient is the rank-R product dW = Gᵀ·X (G: R × out, the gradient of the layer's output; X: R × in, its input), so
    /// each row of dW is R fused multiply-adds per element over rows of X that stay in cache. The pass computes a few rows
    /// of dW at a time into a small scratch buffer and hands each row to <see cref="FusedKernels"/>' own Adam or SGD
    /// kernel, so every element goes through exactly the arithmetic of the fused step; only dW's summation order is this
    /// kernel's (b = 0 … R−1, one fused multiply-add each) instead of the matrix library's.
    /// </summary>
    internal static class LowRankKernels
    {
        // Rows of dW computed together: each load of a row of X feeds this many accumulators.
        private const int Block = 4;

        // The rows of dW being applied (Block × in), one buffer per thread, grown to the widest weight it has met. The
        // kernels run to completion on the calling thread and every row is written in full before it is read.
        [ThreadStatic]
        private static float[]? scratchRows;

        /// <summary>The calling thread's scratch buffer for <see cref="Block"/> rows of <paramref name="inFeatures"/> floats.</summary>
        private static float[] Scratch(int inFeatures)
        {
            var length = Block * inFeatures;
            var scratch = scratchRows;
            if (scratch is null || scratch.Length < length)
            {
                scratch = new float[length];
                scratchRows = scratch;
            }

            return scratch;
        }

        /// <summary>Adam or AdamW on one Linear weight (out × in, row-major) and its two moments, with <paramref name="root"/> as the square root.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Adam(Span<float> p, Span<float> m, Span<float> v, ReadOnlySpan<float> g, ReadOnlySpan<float> x, int rows, int outFeatures, int inFeatures, in AdamScalars s, AdamSquareRoot root)
        {
            Check(p.Length, m.Length, v.Length, g.Length, x.Length, rows, outFeatures, inFeatures);
            var scratch = Scratch(inFeatures);
            for (var i = 0; i < outFeatures; i += Block)
            {
                var count = Math.Min(Block, outFeatures - i);
                RowGradients(g, x, rows, outFeatures, inFeatures, i, count, scratch);

                // The block's rows are contiguous in the weight and its state, as in the scratch buffer: one call.
                var start = i * inFeatures;
                var length = count * inFeatures;
                FusedKernels.Adam(p.Slice(start, length), scratch.AsSpan(0, length), m.Slice(start, length), v.Slice(start, length), s, zeroGradient: false, root);
            }
        }

        /// <summary>SGD on one Linear weight; <paramref name="buffer"/> is the momentum buffer (empty when momentum is 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Sgd(Span<float> p, Span<float> buffer, ReadOnlySpan<float> g, ReadOnlySpan<float> x, int rows, int outFeatures, int inFeatures, in SgdScalars s)
        {
            var momentum = s.Momentum != 0f;
            Check(p.Length, p.Length, momentum ? buffer.Length : p.Length, g.Length, x.Length, rows, outFeatures, inFeatures);
            var scratch = Scratch(inFeatures);
            for (var i = 0; i < outFeatures; i += Block)
            {
                var count = Math.Min(Block, outFeatures - i);
                RowGradients(g, x, rows, outFeatures, inFeatures, i, count, scratch);
                var start = i * inFeatures;
                var length = count * inFeatures;
                FusedKernels.Sgd(p.Slice(start, length), scratch.AsSpan(0, length), momentum ? buffer.Slice(start, length) : Span<float>.Empty, s, zeroGradient: false);
            }
        }

        /// <summary>
        /// Rows <paramref name="first"/> … first + count − 1 (count ≤ 4) of dW = Gᵀ·X into <paramref name="scratch"/>
        /// (count × in): dW[i, j] = Σ_b G[b, i]·X[b, j], accumulated in b order with one fused multiply-add each.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void RowGradients(ReadOnlySpan<float> g, ReadOnlySpan<float> x, int rows, int outFeatures, int inFeatures, int first, int count, Span<float> scratch)
        {
            if (count < 1 || count > Block || scratch.Length < count * inFeatures)
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, "low-rank update: 1 to 4 rows at a time.");
            }

            // G's entries for these rows, broadcast once: coefficient (b, r) is G[b, first + r] in every lane. Rows past
            // count get zero and are never stored.
            Span<Vector<float>> coefficients = rows <= 64 ? stackalloc Vector<float>[Block * rows] : new Vector<float>[Block * rows];
            for (var b = 0; b < rows; b++)
            {
                for (var r = 0; r < Block; r++)
                {
                    coefficients[(b * Block) + r] = r < count ? new Vector<float>(g[(b * outFeatures) + first + r]) : Vector<float>.Zero;
                }
            }

            ref var xRef = ref MemoryMarshal.GetReference(x);
            ref var cRef = ref MemoryMarshal.GetReference(coefficients);
            ref var target = ref MemoryMarshal.GetReference(scratch);
            var j = 0;
            var width = Vector<float>.Count;
            if (Vector.IsHardwareAccelerated)
            {
                // Two columns of vectors per pass: eight independent accumulators keep both FMA pipes busy (four would
                // wait on the latency of their own additions).
                for (; j + (2 * width) <= inFeatures; j += 2 * width)
                {
                    Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
                    Vector<float> b0 = Vector<float>.Zero, b1 = Vector<float>.Zero, b2 = Vector<float>.Zero, b3 = Vector<float>.Zero;
                    for (var b = 0; b < rows; b++)
                    {
                        var offset = (nuint)((b * inFeatures) + j);
                        var row = Vector.LoadUnsafe(ref xRef, offset);
                        var next = Vector.LoadUnsafe(ref xRef, offset + (nuint)width);
                        ref var c = ref Unsafe.Add(ref cRef, b * Block);
                        Vector<float> c0 = c, c1 = Unsafe.Add(ref c, 1), c2 = Unsafe.Add(ref c, 2), c3 = Unsafe.Add(ref c, 3);
                        a0 = Vector.FusedMultiplyAdd(c0, row, a0);
                        b0 = Vector.FusedMultiplyAdd(c0, next, b0);
                        a1 = Vector.FusedMultiplyAdd(c1, row, a1);
                        b1 = Vector.FusedMultiplyAdd(c1, next, b1);
                        a2 = Vector.FusedMultiplyAdd(c2, row, a2);
                        b2 = Vector.FusedMultiplyAdd(c2, next, b2);
                        a3 = Vector.FusedMultiplyAdd(c3, row, a3);
                        b3 = Vector.FusedMultiplyAdd(c3, next, b3);
                    }

                    Store(ref target, inFeatures, j, count, a0, a1, a2, a3);
                    Store(ref target, inFeatures, j + width, count, b0, b1, b2, b3);
                }

                for (; j + width <= inFeatures; j += width)
                {
                    Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
                    for (var b = 0; b < rows; b++)
                    {
                        var row = Vector.LoadUnsafe(ref xRef, (nuint)((b * inFeatures) + j));
                        ref var c = ref Unsafe.Add(ref cRef, b * Block);
                        a0 = Vector.FusedMultiplyAdd(c, row, a0);
                        a1 = Vector.FusedMultiplyAdd(Unsafe.Add(ref c, 1), row, a1);
                        a2 = Vector.FusedMultiplyAdd(Unsafe.Add(ref c, 2), row, a2);
                        a3 = Vector.FusedMultiplyAdd(Unsafe.Add(ref c, 3), row, a3);
                    }

                    Store(ref target, inFeatures, j, count, a0, a1, a2, a3);
                }
            }

            for (; j < inFeatures; j++)
            {
                for (var r = 0; r < count; r++)
                {
                    var sum = 0f;
                    for (var b = 0; b < rows; b++)
                    {
                        sum = MathF.FusedMultiplyAdd(g[(b * outFeatures) + first + r], Unsafe.Add(ref xRef, (b * inFeatures) + j), sum);
                    }

                    scratch[(r * inFeatures) + j] = sum;
                }
            }
        }

        /// <summary>
        /// The inner dimension's block in libtorch's matrix product on this project's machine: MKL's single-precision GEMM
        /// for AMD Zen sums each element over the inner dimension in blocks of 192 terms, each block a chain of fused
        /// multiply-adds from zero, and adds the blocks' sums in order. <see cref="InputGradient"/> sums in the same order; a
        /// matrix library that sums otherwise is detected at run time (<see cref="LowRankLinearUpdates"/> compares the two
        /// products before using this one).
        /// </summary>
        internal const int InnerBlock = 192;

        // How far ahead along a row of W the first block of rows of G asks for the next cache lines (six vectors of eight
        // floats): the kernel walks W down its columns, a pattern the hardware prefetchers do not follow from DRAM.
        private const int PrefetchAhead = 96;

        /// <summary>
        /// The gradient of a Linear layer's input, dX = G·W (G: rows × out, W: out × in, dX: rows × in, all row-major), in
        /// the order <see cref="InnerBlock"/> describes: dX[r, i] = Σ over blocks of (Σ_o G[r, o]·W[o, i] by fused
        /// multiply-adds from zero), the blocks added in order. It reads W row by row where it lies, where the matrix
        /// library first copies all of W into its own packed layout.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void InputGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> w, Span<float> dx, int rows, int outFeatures, int inFeatures)
        {
            if (g.Length != (long)rows * outFeatures || w.Length != (long)outFeatures * inFeatures || dx.Length != (long)rows * inFeatures)
            {
                throw new ArgumentException($"input gradient: lengths do not fit G {rows} × {outFeatures} and W {outFeatures} × {inFeatures} (G {g.Length}, W {w.Length}, dX {dx.Length}).");
            }

            var width = Vector<float>.Count;
            var vectorColumns = Vector.IsHardwareAccelerated ? inFeatures / width * width : 0;

            // Blocks of five rows of G when they divide the batch (ten rows: two), of four otherwise.
            var rowBlock = rows % 5 == 0 ? 5 : 4;
            for (var start = 0; start < outFeatures; start += InnerBlock)
            {
                // One block of W's rows at a time, swept once column by column: the block's columns under the current
                // vectors (InnerBlock lines) stay in L1 while every block of rows of G reads them.
                var end = Math.Min(outFeatures, start + InnerBlock);
                var j = 0;
                for (; j + (2 * width) <= vectorColumns; j += 2 * width)
                {
                    for (var r = 0; r < rows; r += rowBlock)
                    {
                        InputGradientBlock(g, w, dx, outFeatures, inFeatures, r, Math.Min(rowBlock, rows - r), j, 2, start, end);
                    }
                }

                for (; j < vectorColumns; j += width)
                {
                    for (var r = 0; r < rows; r += rowBlock)
                    {
                        InputGradientBlock(g, w, dx, outFeatures, inFeatures, r, Math.Min(rowBlock, rows - r), j, 1, start, end);
                    }
                }

                for (; j < inFeatures; j++)
                {
                    for (var r = 0; r < rows; r++)
                    {
                        var sum = 0f;
                        for (var o = start; o < end; o++)
                        {
                            sum = MathF.FusedMultiplyAdd(g[(r * outFeatures) + o], w[(o * inFeatures) + j], sum);
                        }

                        var at = (r * inFeatures) + j;
                        dx[at] = start == 0 ? sum : dx[at] + sum;
                    }
                }
            }
        }

        /// <summary>
        /// One block of W's rows (<paramref name="start"/> … <paramref name="end"/> − 1) for rows <paramref name="first"/> …
        /// first + count − 1 (count ≤ 5) of G and one or two vectors of columns from <paramref name="column"/>, added to dX
        /// (stored, for the first block). Rows past count repeat row <paramref name="first"/> and are not stored.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void InputGradientBlock(ReadOnlySpan<float> g, ReadOnlySpan<float> w, Span<float> dx, int outFeatures, int inFeatures, int first, int count, int column, int vectors, int start, int end)
        {
            ref var gRef = ref MemoryMarshal.GetReference(g);
            ref var wRef = ref MemoryMarshal.GetReference(w);
            ref var target = ref MemoryMarshal.GetReference(dx);
            var width = Vector<float>.Count;
            var row0 = first * outFeatures;
            var row1 = (first + (count > 1 ? 1 : 0)) * outFeatures;
            var row2 = (first + (count > 2 ? 2 : 0)) * outFeatures;
            var row3 = (first + (count > 3 ? 3 : 0)) * outFeatures;
            var row4 = (first + (count > 4 ? 4 : 0)) * outFeatures;
            var prefetch = first == 0 && column + PrefetchAhead < inFeatures && Sse.IsSupported;
            Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero, a4 = Vector<float>.Zero;
            Vector<float> b0 = Vector<float>.Zero, b1 = Vector<float>.Zero, b2 = Vector<float>.Zero, b3 = Vector<float>.Zero, b4 = Vector<float>.Zero;
            if (vectors == 2 && count == 5)
            {
                for (var o = start; o < end; o++)
                {
                    var offset = (nuint)((o * inFeatures) + column);
                    if (prefetch)
                    {
                        PrefetchLine(ref Unsafe.Add(ref wRef, (nint)offset + PrefetchAhead));
                    }

                    var left = Vector.LoadUnsafe(ref wRef, offset);
                    var right = Vector.LoadUnsafe(ref wRef, offset + (nuint)width);
                    var c0 = new Vector<float>(Unsafe.Add(ref gRef, row0 + o));
                    a0 = Vector.FusedMultiplyAdd(c0, left, a0);
                    b0 = Vector.FusedMultiplyAdd(c0, right, b0);
                    var c1 = new Vector<float>(Unsafe.Add(ref gRef, row1 + o));
                    a1 = Vector.FusedMultiplyAdd(c1, left, a1);
                    b1 = Vector.FusedMultiplyAdd(c1, right, b1);
                    var c2 = new Vector<float>(Unsafe.Add(ref gRef, row2 + o));
                    a2 = Vector.FusedMultiplyAdd(c2, left, a2);
                    b2 = Vector.FusedMultiplyAdd(c2, right, b2);
                    var c3 = new Vector<float>(Unsafe.Add(ref gRef, row3 + o));
                    a3 = Vector.FusedMultiplyAdd(c3, left, a3);
                    b3 = Vector.FusedMultiplyAdd(c3, right, b3);
                    var c4 = new Vector<float>(Unsafe.Add(ref gRef, row4 + o));
                    a4 = Vector.FusedMultiplyAdd(c4, left, a4);
                    b4 = Vector.FusedMultiplyAdd(c4, right, b4);
                }
            }
            else if (vectors == 2)
            {
                for (var o = start; o < end; o++)
                {
                    var offset = (nuint)((o * inFeatures) + column);
                    if (prefetch)
                    {
                        PrefetchLine(ref Unsafe.Add(ref wRef, (nint)offset + PrefetchAhead));
                    }
                    var left = Vector.LoadUnsafe(ref wRef, offset);
                    var right = Vector.LoadUnsafe(ref wRef, offset + (nuint)width);
                    var c0 = new Vector<float>(Unsafe.Add(ref gRef, row0 + o));
                    a0 = Vector.FusedMultiplyAdd(c0, left, a0);
                    b0 = Vector.FusedMultiplyAdd(c0, right, b0);
                    var c1 = new Vector<float>(Unsafe.Add(ref gRef, row1 + o));
                    a1 = Vector.FusedMultiplyAdd(c1, left, a1);
                    b1 = Vector.FusedMultiplyAdd(c1, right, b1);
                    var c2 = new Vector<float>(Unsafe.Add(ref gRef, row2 + o));
                    a2 = Vector.FusedMultiplyAdd(c2, left, a2);
                    b2 = Vector.FusedMultiplyAdd(c2, right, b2);
                    var c3 = new Vector<float>(Unsafe.Add(ref gRef, row3 + o));
                    a3 = Vector.FusedMultiplyAdd(c3, left, a3);
                    b3 = Vector.FusedMultiplyAdd(c3, right, b3);
                }
            }
            else
            {
                for (var o = start; o < end; o++)
                {
                    var left = Vector.LoadUnsafe(ref wRef, (nuint)((o * inFeatures) + column));
                    a0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref gRef, row0 + o)), left, a0);
                    a1 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref gRef, row1 + o)), left, a1);
                    a2 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref gRef, row2 + o)), left, a2);
                    a3 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref gRef, row3 + o)), left, a3);
                    a4 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref gRef, row4 + o)), left, a4);
                }
            }

            // The first block's sums are the running totals; each later block's are added to them.
            var add = start > 0;
            var at = (first * inFeatures) + column;
            Accumulate(ref target, at, a0, add);
            AccumulateIf(count > 1, ref target, at + inFeatures, a1, add);
            AccumulateIf(count > 2, ref target, at + (2 * inFeatures), a2, add);
            AccumulateIf(count > 3, ref target, at + (3 * inFeatures), a3, add);
            AccumulateIf(count > 4, ref target, at + (4 * inFeatures), a4, add);
            if (vectors == 2)
            {
                at += width;
                Accumulate(ref target, at, b0, add);
                AccumulateIf(count > 1, ref target, at + inFeatures, b1, add);
                AccumulateIf(count > 2, ref target, at + (2 * inFeatures), b2, add);
                AccumulateIf(count > 3, ref target, at + (3 * inFeatures), b3, add);
                AccumulateIf(count > 4, ref target, at + (4 * inFeatures), b4, add);
            }
        }

        /// <summary>Asks for the cache line holding <paramref name="value"/> (a hint: no fault, no wait).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void PrefetchLine(ref float value) => Sse.Prefetch0(Unsafe.AsPointer(ref value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Accumulate(ref float target, int at, Vector<float> sum, bool add)
        {
            var total = add ? Vector.LoadUnsafe(ref target, (nuint)at) + sum : sum;
            total.StoreUnsafe(ref target, (nuint)at);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AccumulateIf(bool store, ref float target, int at, Vector<float> sum, bool add)
        {
            if (store)
            {
                Accumulate(ref target, at, sum, add);
            }
        }

        /// <summary>
        /// ‖Gᵀ·X‖²_F without forming the product: Σ_ab (G·Gᵀ)_ab (X·Xᵀ)_ab over the two rows × rows Gram matrices, each
        /// entry a dot product of two float32 rows accumulated in float64 (every product of two floats is exact there). The
        /// matrices are symmetric, so each pair a &lt; b is computed once and counted twice. Not finite when G or X holds NaN
        /// or infinity.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static double SquaredNorm(ReadOnlySpan<float> g, ReadOnlySpan<float> x, int rows, int outFeatures, int inFeatures)
        {
            if (g.Length != (long)rows * outFeatures || x.Length != (long)rows * inFeatures)
            {
                throw new ArgumentException($"low-rank norm: lengths do not fit rank {rows} factors of {outFeatures} and {inFeatures} columns (G {g.Length}, X {x.Length}).");
            }

            var sum = 0.0;
            for (var a = 0; a < rows; a++)
            {
                var gA = g.Slice(a * outFeatures, outFeatures);
                var xA = x.Slice(a * inFeatures, inFeatures);
                sum += Dot(gA, gA) * Dot(xA, xA);
                for (var b = a + 1; b < rows; b++)
                {
                    sum += 2.0 * Dot(gA, g.Slice(b * outFeatures, outFeatures)) * Dot(xA, x.Slice(b * inFeatures, inFeatures));
                }
            }

            return sum;
        }

        /// <summary>Σ u[i]·v[i] of two float32 rows, each product exact in float64, summed in float64.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static double Dot(ReadOnlySpan<float> u, ReadOnlySpan<float> v)
        {
            ref var uRef = ref MemoryMarshal.GetReference(u);
            ref var vRef = ref MemoryMarshal.GetReference(v);
            var i = 0;
            var sum = 0.0;
            var width = Vector<float>.Count;
            if (Vector.IsHardwareAccelerated && u.Length >= width)
            {
                Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero;
                for (; i + width <= u.Length; i += width)
                {
                    Vector.Widen(Vector.LoadUnsafe(ref uRef, (nuint)i), out var uLow, out var uHigh);
                    Vector.Widen(Vector.LoadUnsafe(ref vRef, (nuint)i), out var vLow, out var vHigh);
                    s0 = Vector.FusedMultiplyAdd(uLow, vLow, s0);
                    s1 = Vector.FusedMultiplyAdd(uHigh, vHigh, s1);
                }

                sum = Vector.Sum(s0 + s1);
            }

            for (; i < u.Length; i++)
            {
                sum = Math.FusedMultiplyAdd((double)u[i], v[i], sum);
            }

            return sum;
        }

        private static void Store(ref float target, int inFeatures, int j, int count, Vector<float> a0, Vector<float> a1, Vector<float> a2, Vector<float> a3)
        {
            a0.StoreUnsafe(ref target, (nuint)j);
            if (count > 1)
            {
                a1.StoreUnsafe(ref target, (nuint)(inFeatures + j));
            }

            if (count > 2)
            {
                a2.StoreUnsafe(ref target, (nuint)((2 * inFeatures) + j));
            }

            if (count > 3)
            {
                a3.StoreUnsafe(ref target, (nuint)((3 * inFeatures) + j));
            }
        }

        private static void Check(int p, int m, int v, int g, int x, int rows, int outFeatures, int inFeatures)
        {
            var n = (long)outFeatures * inFeatures;
            if (p != n || m != n || v != n || g != (long)rows * outFeatures || x != (long)rows * inFeatures)
            {
                throw new ArgumentException($"low-rank update: lengths do not fit a {outFeatures} × {inFeatures} weight of rank {rows} (weight {p}, state {m}, {v}, G {g}, X {x}).");
            }
        }
    }
}
