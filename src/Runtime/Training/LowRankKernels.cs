using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

        /// <summary>Adam or AdamW on one Linear weight (out × in, row-major) and its two moments.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Adam(Span<float> p, Span<float> m, Span<float> v, ReadOnlySpan<float> g, ReadOnlySpan<float> x, int rows, int outFeatures, int inFeatures, in AdamScalars s)
        {
            Check(p.Length, m.Length, v.Length, g.Length, x.Length, rows, outFeatures, inFeatures);
            var scratch = new float[Block * inFeatures];
            for (var i = 0; i < outFeatures; i += Block)
            {
                var count = Math.Min(Block, outFeatures - i);
                RowGradients(g, x, rows, outFeatures, inFeatures, i, count, scratch);

                // The block's rows are contiguous in the weight and its state, as in the scratch buffer: one call.
                var start = i * inFeatures;
                var length = count * inFeatures;
                FusedKernels.Adam(p.Slice(start, length), scratch.AsSpan(0, length), m.Slice(start, length), v.Slice(start, length), s, zeroGradient: false);
            }
        }

        /// <summary>SGD on one Linear weight; <paramref name="buffer"/> is the momentum buffer (empty when momentum is 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Sgd(Span<float> p, Span<float> buffer, ReadOnlySpan<float> g, ReadOnlySpan<float> x, int rows, int outFeatures, int inFeatures, in SgdScalars s)
        {
            var momentum = s.Momentum != 0f;
            Check(p.Length, p.Length, momentum ? buffer.Length : p.Length, g.Length, x.Length, rows, outFeatures, inFeatures);
            var scratch = new float[Block * inFeatures];
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
