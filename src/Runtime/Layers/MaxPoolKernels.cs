using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Layers;

/// <summary>
/// Max-pooling with a window of 2 and a stride of 2, no padding, over contiguous float32 memory: the forward pass and the
/// gradient, for rows of length <c>w</c> (1-D) or planes of <c>h</c> × <c>w</c> (2-D). Each window picks its element as
/// libtorch's CPU kernel does, in row-major order: an element replaces the maximum so far when it is greater or NaN, so
/// ties go to the first maximum and a NaN wins (the last NaN). The gradient goes to that element, added to a zero as
/// libtorch accumulates it (a −0 gradient lands as +0); elements no window reads (an odd last row or column) get zero.
/// With AVX2 eight windows run at once, then four and two for the rest of a row; without it, and for an odd last window
/// of a row, one at a time.
/// </summary>
internal static class MaxPoolKernels
{
    /// <summary>Whether the eight-window path runs (tests turn it off to check the one-window path on whole tensors).</summary>
    internal static bool UseVectors { get; set; } = Avx2.IsSupported;

    /// <summary>2-D: <paramref name="x"/> holds <paramref name="planes"/> planes of h × w; writes planes of ⌊h/2⌋ × ⌊w/2⌋ into <paramref name="y"/>.</summary>
    public static void Forward2d(ReadOnlySpan<float> x, Span<float> y, int planes, int h, int w)
    {
        int ho = h / 2, wo = w / 2;
        Check(x.Length, (long)planes * h * w, y.Length, (long)planes * ho * wo);
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var vectorEnd = UseVectors ? wo - (wo % 8) : 0;
        nint output = 0;
        for (var p = 0; p < planes; p++)
        {
            for (var i = 0; i < ho; i++)
            {
                var row0 = ((nint)p * h + (2 * i)) * w;
                var row1 = row0 + w;
                var j = 0;
                for (; j < vectorEnd; j += 8)
                {
                    var (a, b) = Deinterleave(ref xs, row0 + (2 * j));
                    var (c, d) = Deinterleave(ref xs, row1 + (2 * j));
                    var m = Avx.BlendVariable(a, b, Replaces(b, a));
                    m = Avx.BlendVariable(m, c, Replaces(c, m));
                    m = Avx.BlendVariable(m, d, Replaces(d, m));
                    Restore(m).StoreUnsafe(ref ys, (nuint)(output + j));
                }

                if (UseVectors && j + 4 <= wo)
                {
                    var (a, b) = Deinterleave4(ref xs, row0 + (2 * j));
                    var (c, d) = Deinterleave4(ref xs, row1 + (2 * j));
                    Max(a, b, c, d).StoreUnsafe(ref ys, (nuint)(output + j));
                    j += 4;
                }

                if (UseVectors && j + 2 <= wo)
                {
                    var (a, b) = Deinterleave2(ref xs, row0 + (2 * j));
                    var (c, d) = Deinterleave2(ref xs, row1 + (2 * j));
                    StoreLow2(ref ys, output + j, Max(a, b, c, d));
                    j += 2;
                }

                for (; j < wo; j++)
                {
                    var at = row0 + (2 * j);
                    var m = Unsafe.Add(ref xs, at);
                    m = Pick(m, Unsafe.Add(ref xs, at + 1));
                    m = Pick(m, Unsafe.Add(ref xs, at + w));
                    m = Pick(m, Unsafe.Add(ref xs, at + w + 1));
                    Unsafe.Add(ref ys, output + j) = m;
                }

                output += wo;
            }
        }
    }

    /// <summary>The gradient of <see cref="Forward2d"/>: <paramref name="g"/> is dL/dy, <paramref name="gx"/> receives dL/dx (every element written).</summary>
    public static void Backward2d(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> gx, int planes, int h, int w)
    {
        int ho = h / 2, wo = w / 2;
        Check(x.Length, (long)planes * h * w, g.Length, (long)planes * ho * wo);
        Check(gx.Length, x.Length, g.Length, g.Length);
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var gs = ref MemoryMarshal.GetReference(g);
        ref var gxs = ref MemoryMarshal.GetReference(gx);
        var vectorEnd = UseVectors ? wo - (wo % 8) : 0;
        nint output = 0;
        for (var p = 0; p < planes; p++)
        {
            var plane = (nint)p * h * w;
            for (var i = 0; i < ho; i++)
            {
                var row0 = plane + ((nint)(2 * i) * w);
                var row1 = row0 + w;
                var j = 0;
                for (; j < vectorEnd; j += 8)
                {
                    var (a, b) = Deinterleave(ref xs, row0 + (2 * j));
                    var (c, d) = Deinterleave(ref xs, row1 + (2 * j));
                    var takeB = Replaces(b, a);
                    var m = Avx.BlendVariable(a, b, takeB);
                    var takeC = Replaces(c, m);
                    m = Avx.BlendVariable(m, c, takeC);
                    var takeD = Replaces(d, m);

                    // The winner is the last element that replaced the maximum: d if it did, else c, else b, else a.
                    var grad = Permute(Vector256.LoadUnsafe(ref gs, (nuint)(output + j)));
                    var gd = Avx.And(grad, takeD);
                    var rest = Avx.AndNot(takeD, grad);
                    var gc = Avx.And(rest, takeC);
                    rest = Avx.AndNot(takeC, rest);
                    var gb = Avx.And(rest, takeB);
                    var ga = Avx.AndNot(takeB, rest);
                    Interleave(ref gxs, row0 + (2 * j), ga, gb);
                    Interleave(ref gxs, row1 + (2 * j), gc, gd);
                }

                if (UseVectors && j + 4 <= wo)
                {
                    var (a, b) = Deinterleave4(ref xs, row0 + (2 * j));
                    var (c, d) = Deinterleave4(ref xs, row1 + (2 * j));
                    var (ga, gb, gc, gd) = Route(a, b, c, d, Vector128.LoadUnsafe(ref gs, (nuint)(output + j)));
                    Interleave4(ref gxs, row0 + (2 * j), ga, gb);
                    Interleave4(ref gxs, row1 + (2 * j), gc, gd);
                    j += 4;
                }

                if (UseVectors && j + 2 <= wo)
                {
                    var (a, b) = Deinterleave2(ref xs, row0 + (2 * j));
                    var (c, d) = Deinterleave2(ref xs, row1 + (2 * j));
                    var (ga, gb, gc, gd) = Route(a, b, c, d, LoadLow2(ref gs, output + j));
                    Interleave2(ref gxs, row0 + (2 * j), ga, gb);
                    Interleave2(ref gxs, row1 + (2 * j), gc, gd);
                    j += 2;
                }

                for (; j < wo; j++)
                {
                    var at = row0 + (2 * j);
                    var winner = at;
                    var m = Unsafe.Add(ref xs, at);
                    Track(ref m, ref winner, Unsafe.Add(ref xs, at + 1), at + 1);
                    Track(ref m, ref winner, Unsafe.Add(ref xs, at + w), at + w);
                    Track(ref m, ref winner, Unsafe.Add(ref xs, at + w + 1), at + w + 1);
                    Unsafe.Add(ref gxs, at) = 0f;
                    Unsafe.Add(ref gxs, at + 1) = 0f;
                    Unsafe.Add(ref gxs, at + w) = 0f;
                    Unsafe.Add(ref gxs, at + w + 1) = 0f;
                    Unsafe.Add(ref gxs, winner) = 0f + Unsafe.Add(ref gs, output + j);
                }

                if ((w & 1) != 0)
                {
                    Unsafe.Add(ref gxs, row0 + w - 1) = 0f;
                    Unsafe.Add(ref gxs, row1 + w - 1) = 0f;
                }

                output += wo;
            }

            if ((h & 1) != 0)
            {
                gx.Slice((int)(plane + ((nint)(h - 1) * w)), w).Clear();
            }
        }
    }

    /// <summary>1-D: <paramref name="x"/> holds <paramref name="rows"/> rows of length w; writes rows of ⌊w/2⌋ into <paramref name="y"/>.</summary>
    public static void Forward1d(ReadOnlySpan<float> x, Span<float> y, int rows, int w)
    {
        var wo = w / 2;
        Check(x.Length, (long)rows * w, y.Length, (long)rows * wo);
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var vectorEnd = UseVectors ? wo - (wo % 8) : 0;
        nint output = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = (nint)r * w;
            var j = 0;
            for (; j < vectorEnd; j += 8)
            {
                var (a, b) = Deinterleave(ref xs, row + (2 * j));
                Restore(Avx.BlendVariable(a, b, Replaces(b, a))).StoreUnsafe(ref ys, (nuint)(output + j));
            }

            if (UseVectors && j + 4 <= wo)
            {
                var (a, b) = Deinterleave4(ref xs, row + (2 * j));
                Sse41.BlendVariable(a, b, Replaces(b, a)).StoreUnsafe(ref ys, (nuint)(output + j));
                j += 4;
            }

            if (UseVectors && j + 2 <= wo)
            {
                var (a, b) = Deinterleave2(ref xs, row + (2 * j));
                StoreLow2(ref ys, output + j, Sse41.BlendVariable(a, b, Replaces(b, a)));
                j += 2;
            }

            for (; j < wo; j++)
            {
                var at = row + (2 * j);
                Unsafe.Add(ref ys, output + j) = Pick(Unsafe.Add(ref xs, at), Unsafe.Add(ref xs, at + 1));
            }

            output += wo;
        }
    }

    /// <summary>The gradient of <see cref="Forward1d"/>.</summary>
    public static void Backward1d(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> gx, int rows, int w)
    {
        var wo = w / 2;
        Check(x.Length, (long)rows * w, g.Length, (long)rows * wo);
        Check(gx.Length, x.Length, g.Length, g.Length);
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var gs = ref MemoryMarshal.GetReference(g);
        ref var gxs = ref MemoryMarshal.GetReference(gx);
        var vectorEnd = UseVectors ? wo - (wo % 8) : 0;
        nint output = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = (nint)r * w;
            var j = 0;
            for (; j < vectorEnd; j += 8)
            {
                var (a, b) = Deinterleave(ref xs, row + (2 * j));
                var takeB = Replaces(b, a);
                var grad = Permute(Vector256.LoadUnsafe(ref gs, (nuint)(output + j)));
                Interleave(ref gxs, row + (2 * j), Avx.AndNot(takeB, grad), Avx.And(grad, takeB));
            }

            if (UseVectors && j + 4 <= wo)
            {
                var (a, b) = Deinterleave4(ref xs, row + (2 * j));
                var takeB = Replaces(b, a);
                var grad = Vector128.LoadUnsafe(ref gs, (nuint)(output + j));
                Interleave4(ref gxs, row + (2 * j), Sse.AndNot(takeB, grad), Sse.And(grad, takeB));
                j += 4;
            }

            if (UseVectors && j + 2 <= wo)
            {
                var (a, b) = Deinterleave2(ref xs, row + (2 * j));
                var takeB = Replaces(b, a);
                var grad = LoadLow2(ref gs, output + j);
                Interleave2(ref gxs, row + (2 * j), Sse.AndNot(takeB, grad), Sse.And(grad, takeB));
                j += 2;
            }

            for (; j < wo; j++)
            {
                var at = row + (2 * j);
                var winner = at;
                var m = Unsafe.Add(ref xs, at);
                Track(ref m, ref winner, Unsafe.Add(ref xs, at + 1), at + 1);
                Unsafe.Add(ref gxs, at) = 0f;
                Unsafe.Add(ref gxs, at + 1) = 0f;
                Unsafe.Add(ref gxs, winner) = 0f + Unsafe.Add(ref gs, output + j);
            }

            if ((w & 1) != 0)
            {
                Unsafe.Add(ref gxs, row + w - 1) = 0f;
            }

            output += wo;
        }
    }

    private static void Check(long xLength, long xExpected, long yLength, long yExpected)
    {
        if (xLength != xExpected || yLength != yExpected)
        {
            throw new ArgumentException($"max-pool kernel: buffer lengths {xLength} and {yLength} do not match the shape ({xExpected} and {yExpected}).");
        }
    }

    /// <summary>libtorch's rule: <paramref name="value"/> replaces the maximum so far when it is greater or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Pick(float max, float value) => value > max || float.IsNaN(value) ? value : max;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Track(ref float max, ref nint winner, float value, nint at)
    {
        if (value > max || float.IsNaN(value))
        {
            max = value;
            winner = at;
        }
    }

    /// <summary>The window maximum of four vectors taken in order (<see cref="Replaces(Vector128{float}, Vector128{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Max(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        var m = Sse41.BlendVariable(a, b, Replaces(b, a));
        m = Sse41.BlendVariable(m, c, Replaces(c, m));
        return Sse41.BlendVariable(m, d, Replaces(d, m));
    }

    /// <summary>The gradient <paramref name="grad"/> split over the four elements of each window: all of it to the winner, zero elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> A, Vector128<float> B, Vector128<float> C, Vector128<float> D) Route(
        Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d, Vector128<float> grad)
    {
        var takeB = Replaces(b, a);
        var m = Sse41.BlendVariable(a, b, takeB);
        var takeC = Replaces(c, m);
        m = Sse41.BlendVariable(m, c, takeC);
        var takeD = Replaces(d, m);
        var gd = Sse.And(grad, takeD);
        var rest = Sse.AndNot(takeD, grad);
        var gc = Sse.And(rest, takeC);
        rest = Sse.AndNot(takeC, rest);
        return (Sse.AndNot(takeB, rest), Sse.And(rest, takeB), gc, gd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Replaces(Vector128<float> value, Vector128<float> max) =>
        Sse.Or(Sse.CompareGreaterThan(value, max), Sse.CompareUnordered(value, value));

    /// <summary>Eight consecutive floats [a0 b0 ... a3 b3] as the first and second elements of their four pairs, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> First, Vector128<float> Second) Deinterleave4(ref float source, nint at)
    {
        var low = Vector128.LoadUnsafe(ref source, (nuint)at);
        var high = Vector128.LoadUnsafe(ref source, (nuint)(at + 4));
        return (Sse.Shuffle(low, high, 0b10_00_10_00), Sse.Shuffle(low, high, 0b11_01_11_01));
    }

    /// <summary>Four consecutive floats [a0 b0 a1 b1] as two pairs, in the two low lanes (the high lanes repeat them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> First, Vector128<float> Second) Deinterleave2(ref float source, nint at)
    {
        var v = Vector128.LoadUnsafe(ref source, (nuint)at);
        return (Sse.Shuffle(v, v, 0b10_00_10_00), Sse.Shuffle(v, v, 0b11_01_11_01));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LoadLow2(ref float source, nint at) =>
        Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref source, at)))).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLow2(ref float destination, nint at, Vector128<float> v) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref destination, at)), v.AsDouble().ToScalar());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave4(ref float destination, nint at, Vector128<float> first, Vector128<float> second)
    {
        first = Sse.Add(first, Vector128<float>.Zero);
        second = Sse.Add(second, Vector128<float>.Zero);
        Sse.UnpackLow(first, second).StoreUnsafe(ref destination, (nuint)at);
        Sse.UnpackHigh(first, second).StoreUnsafe(ref destination, (nuint)(at + 4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave2(ref float destination, nint at, Vector128<float> first, Vector128<float> second) =>
        Sse.UnpackLow(Sse.Add(first, Vector128<float>.Zero), Sse.Add(second, Vector128<float>.Zero)).StoreUnsafe(ref destination, (nuint)at);

    /// <summary>All ones where <paramref name="value"/> replaces the maximum so far (greater, or NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Replaces(Vector256<float> value, Vector256<float> max) =>
        Avx.Or(Avx.CompareGreaterThan(value, max), Avx.CompareUnordered(value, value));

    /// <summary>
    /// Sixteen consecutive floats [a0 b0 a1 b1 ... a7 b7] as the first and second elements of their eight pairs, in the
    /// lane order [0 1 4 5 | 2 3 6 7] that <c>shufps</c> leaves (<see cref="Restore"/> undoes it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> First, Vector256<float> Second) Deinterleave(ref float source, nint at)
    {
        var low = Vector256.LoadUnsafe(ref source, (nuint)at);
        var high = Vector256.LoadUnsafe(ref source, (nuint)(at + 8));
        return (Avx.Shuffle(low, high, 0b10_00_10_00), Avx.Shuffle(low, high, 0b11_01_11_01));
    }

    /// <summary>Pairs' results in <see cref="Deinterleave"/>'s lane order back to 0..7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Restore(Vector256<float> v) => Avx2.Permute4x64(v.AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>Eight results in order 0..7 into <see cref="Deinterleave"/>'s lane order (the same swap of the middle quarters).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Permute(Vector256<float> v) => Restore(v);

    /// <summary>Writes [a0 b0 a1 b1 ... a7 b7] from two vectors in <see cref="Deinterleave"/>'s lane order, each value added to +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(ref float destination, nint at, Vector256<float> first, Vector256<float> second)
    {
        first = Avx.Add(first, Vector256<float>.Zero);
        second = Avx.Add(second, Vector256<float>.Zero);
        Avx.UnpackLow(first, second).StoreUnsafe(ref destination, (nuint)at);
        Avx.UnpackHigh(first, second).StoreUnsafe(ref destination, (nuint)(at + 8));
    }
}
