using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Training
{
    /// <summary>The per-parameter numbers of one Adam or AdamW update, as float32 (the precision libtorch applies them in).</summary>
    /// <param name="GradientScale">The clipping coefficient the gradient is multiplied by first (1 for none).</param>
    /// <param name="Maximize">Whether the gradient is negated (TorchSharp's <c>maximize</c>).</param>
    /// <param name="L2">Adam's weight decay, added to the gradient as <c>g + L2·p</c> (0 for none).</param>
    /// <param name="Decay">AdamW's decoupled weight decay, the factor <c>1 − lr·wd</c> the parameter is multiplied by first (1 for none).</param>
    /// <param name="Beta1">β₁.</param>
    /// <param name="OneMinusBeta1">1 − β₁, computed in double.</param>
    /// <param name="Beta2">β₂.</param>
    /// <param name="OneMinusBeta2">1 − β₂, computed in double.</param>
    /// <param name="SqrtBiasCorrection2">√(1 − β₂ᵗ).</param>
    /// <param name="Eps">ε.</param>
    /// <param name="NegativeStepSize">−lr / (1 − β₁ᵗ).</param>
    internal readonly record struct AdamScalars(
        float GradientScale, bool Maximize, float L2, float Decay,
        float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float SqrtBiasCorrection2, float Eps, float NegativeStepSize);

    /// <summary>The numbers of one SGD update.</summary>
    /// <param name="GradientScale">The clipping coefficient the gradient is multiplied by first (1 for none).</param>
    /// <param name="WeightDecay">Added to the gradient as <c>g + wd·p</c> (0 for none).</param>
    /// <param name="Momentum">The momentum factor (0: plain SGD, no buffer).</param>
    /// <param name="OneMinusDampening">1 − dampening.</param>
    /// <param name="Nesterov">Nesterov momentum: the step is <c>g + momentum·buf</c> instead of <c>buf</c>.</param>
    /// <param name="FirstStep">The momentum buffer is new: it becomes <c>g</c> (TorchSharp clones the gradient).</param>
    /// <param name="Alpha">−lr, or lr when maximising.</param>
    internal readonly record struct SgdScalars(float GradientScale, float WeightDecay, float Momentum, float OneMinusDampening, bool Nesterov, bool FirstStep, float Alpha);

    /// <summary>
    /// One pass over a parameter's memory that does what TorchSharp's optimisers do in six to ten tensor operations: scale
    /// the gradient by the clipping coefficient, update the optimiser state and the parameter, and zero the gradient for the
    /// next backward. Each element goes through the float32 operations of libtorch's CPU kernels in their order, with a
    /// fused multiply-add where libtorch's <c>add_(x, alpha)</c> and <c>addcmul_</c> use one. Adam's square root is the
    /// correctly rounded one by default, or (the optimiser's <see cref="FusedAdam.SquareRoot"/>) the same MKL function libtorch's <c>sqrt</c>
    /// calls (<see cref="MklSquareRoot"/>): then identical results, element by element, which <c>FusedOptimizerTests</c>
    /// checks after 100 steps.
    /// The kernels are compiled fully optimised from their first call (<see cref="MethodImplOptions.AggressiveOptimization"/>):
    /// with tiered compilation a kernel called many times on short spans (the low-rank update calls Adam once per four weight
    /// rows) ran its unoptimised first-tier code for seconds, four times slower.
    /// </summary>
    internal static class FusedKernels
    {
        // Elements per block of the Adam pass: parameter, gradient, both moments and the roots of a block (10 KiB) stay in L1
        // between the block's moment update, its square root and its parameter update. Measured on DeepNet's parameters:
        // 256 and 512 equally fast, 1024 and more slower.
        private const int RootBlock = 512;

        /// <summary>Adam or AdamW on one parameter: p, its gradient g, first moment m and second moment v, with <paramref name="root"/> as the square root.</summary>
        /// <remarks>
        /// With the correctly rounded root (the default), one loop (<see cref="AdamOnePass"/>). With libtorch's MKL root,
        /// block by block: the moments (and the zeroed gradient) first, then √v of the block into a stack buffer, then the
        /// parameter update from the block's m and roots, still in L1, so memory is read and written once. The vector loops
        /// are methods of their own, never inlined: this one holds no vector code, so the 256-bit registers are clear
        /// (vzeroupper) when MKL's root is called (<see cref="MklSquareRoot"/>).
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        public static void Adam(Span<float> p, Span<float> g, Span<float> m, Span<float> v, in AdamScalars s, bool zeroGradient, AdamSquareRoot root)
        {
            var n = p.Length;
            if (g.Length != n || m.Length != n || v.Length != n)
            {
                throw new ArgumentException($"Adam: parameter, gradient and state lengths differ ({n}, {g.Length}, {m.Length}, {v.Length}).");
            }

            if (root != AdamSquareRoot.LibTorchMkl)
            {
                AdamOnePass(p, g, m, v, s, zeroGradient);
                return;
            }

            Span<float> roots = stackalloc float[RootBlock];
            for (var start = 0; start < n; start += RootBlock)
            {
                var length = Math.Min(RootBlock, n - start);
                var pb = p.Slice(start, length);
                var mb = m.Slice(start, length);
                var vb = v.Slice(start, length);
                var rb = roots[..length];
                var tiny = AdamMoments(pb, g.Slice(start, length), mb, vb, s, zeroGradient);
                MklSquareRoot.Apply(vb, rb, tiny);
                AdamParameters(pb, mb, rb, s);
            }
        }

        /// <summary>
        /// Adam with the correctly rounded root in one loop: moments, root and parameter update per vector, every element
        /// read and written once. The same arithmetic as the blocked pass with <see cref="Vector.SquareRoot{T}"/> as the root.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static void AdamOnePass(Span<float> p, Span<float> g, Span<float> m, Span<float> v, in AdamScalars s, bool zeroGradient)
        {
            var n = p.Length;
            var i = 0;
            if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
            {
                var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
                var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
                var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
                Vector<float> scale = new(s.GradientScale), l2 = new(s.L2), decay = new(s.Decay), beta1 = new(s.Beta1), oneMinusBeta1 = new(s.OneMinusBeta1),
                    beta2 = new(s.Beta2), oneMinusBeta2 = new(s.OneMinusBeta2), sqrtBc2 = new(s.SqrtBiasCorrection2), eps = new(s.Eps), step = new(s.NegativeStepSize);
                bool scaled = s.GradientScale != 1f, decoupled = s.Decay != 1f, coupled = s.L2 != 0f;
                for (var k = 0; k < pv.Length; k++)
                {
                    var grad = gv[k];
                    if (scaled)
                    {
                        grad *= scale;
                    }

                    if (s.Maximize)
                    {
                        grad = -grad;
                    }

                    var param = pv[k];
                    if (coupled)
                    {
                        grad = Vector.FusedMultiplyAdd(l2, param, grad);
                    }

                    if (decoupled)
                    {
                        param *= decay;
                    }

                    var first = Vector.FusedMultiplyAdd(oneMinusBeta1, grad, mv[k] * beta1);
                    var second = Vector.FusedMultiplyAdd(oneMinusBeta2 * grad, grad, vv[k] * beta2);
                    var denominator = (Vector.SquareRoot(second) / sqrtBc2) + eps;
                    pv[k] = param + (step * first / denominator);
                    mv[k] = first;
                    vv[k] = second;
                    if (zeroGradient)
                    {
                        gv[k] = Vector<float>.Zero;
                    }
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < n; i++)
            {
                var grad = g[i];
                if (s.GradientScale != 1f)
                {
                    grad *= s.GradientScale;
                }

                if (s.Maximize)
                {
                    grad = -grad;
                }

                var param = p[i];
                if (s.L2 != 0f)
                {
                    grad = MathF.FusedMultiplyAdd(s.L2, param, grad);
                }

                if (s.Decay != 1f)
                {
                    param *= s.Decay;
                }

                var first = MathF.FusedMultiplyAdd(s.OneMinusBeta1, grad, m[i] * s.Beta1);
                var second = MathF.FusedMultiplyAdd(s.OneMinusBeta2 * grad, grad, v[i] * s.Beta2);
                var denominator = (MathF.Sqrt(second) / s.SqrtBiasCorrection2) + s.Eps;
                p[i] = param + (s.NegativeStepSize * first / denominator);
                m[i] = first;
                v[i] = second;
                if (zeroGradient)
                {
                    g[i] = 0f;
                }
            }
        }

        /// <summary>
        /// The moments of Adam's update: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², g scaled, negated and decayed first.
        /// Returns whether some new v is zero or subnormal (<see cref="MklSquareRoot.IsTiny"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static bool AdamMoments(Span<float> p, Span<float> g, Span<float> m, Span<float> v, in AdamScalars s, bool zeroGradient)
        {
            var n = p.Length;
            var i = 0;
            var tiny = false;
            bool scaled = s.GradientScale != 1f, coupled = s.L2 != 0f;
            if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
            {
                var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
                var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
                var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
                Vector<float> scale = new(s.GradientScale), l2 = new(s.L2), beta1 = new(s.Beta1), oneMinusBeta1 = new(s.OneMinusBeta1),
                    beta2 = new(s.Beta2), oneMinusBeta2 = new(s.OneMinusBeta2), smallestNormal = new(MklSquareRoot.SmallestNormal);
                var tinyLanes = Vector<int>.Zero;
                for (var k = 0; k < pv.Length; k++)
                {
                    var grad = gv[k];
                    if (scaled)
                    {
                        grad *= scale;
                    }

                    if (s.Maximize)
                    {
                        grad = -grad;
                    }

                    if (coupled)
                    {
                        grad = Vector.FusedMultiplyAdd(l2, pv[k], grad);
                    }

                    mv[k] = Vector.FusedMultiplyAdd(oneMinusBeta1, grad, mv[k] * beta1);
                    var second = Vector.FusedMultiplyAdd(oneMinusBeta2 * grad, grad, vv[k] * beta2);
                    vv[k] = second;
                    tinyLanes |= MklSquareRoot.Tiny(second, smallestNormal);
                    if (zeroGradient)
                    {
                        gv[k] = Vector<float>.Zero;
                    }
                }

                tiny = tinyLanes != Vector<int>.Zero;
                i = pv.Length * Vector<float>.Count;
            }

            for (; i < n; i++)
            {
                var grad = g[i];
                if (scaled)
                {
                    grad *= s.GradientScale;
                }

                if (s.Maximize)
                {
                    grad = -grad;
                }

                if (coupled)
                {
                    grad = MathF.FusedMultiplyAdd(s.L2, p[i], grad);
                }

                m[i] = MathF.FusedMultiplyAdd(s.OneMinusBeta1, grad, m[i] * s.Beta1);
                v[i] = MathF.FusedMultiplyAdd(s.OneMinusBeta2 * grad, grad, v[i] * s.Beta2);
                tiny |= MklSquareRoot.IsTiny(v[i]);
                if (zeroGradient)
                {
                    g[i] = 0f;
                }
            }

            return tiny;
        }

        /// <summary>Adam's parameter update from the new first moment and √v: p ← p·decay + step·m / (√v / √(1 − β₂ᵗ) + ε).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static void AdamParameters(Span<float> p, ReadOnlySpan<float> m, ReadOnlySpan<float> roots, in AdamScalars s)
        {
            var n = p.Length;
            var i = 0;
            var decoupled = s.Decay != 1f;
            if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
            {
                var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
                var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
                var rv = MemoryMarshal.Cast<float, Vector<float>>(roots);
                Vector<float> decay = new(s.Decay), sqrtBc2 = new(s.SqrtBiasCorrection2), eps = new(s.Eps), step = new(s.NegativeStepSize);
                for (var k = 0; k < pv.Length; k++)
                {
                    var param = decoupled ? pv[k] * decay : pv[k];
                    pv[k] = param + (step * mv[k] / ((rv[k] / sqrtBc2) + eps));
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < n; i++)
            {
                var param = decoupled ? p[i] * s.Decay : p[i];
                p[i] = param + (s.NegativeStepSize * m[i] / ((roots[i] / s.SqrtBiasCorrection2) + s.Eps));
            }
        }

        /// <summary>SGD on one parameter; <paramref name="buffer"/> is the momentum buffer (empty when momentum is 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Sgd(Span<float> p, Span<float> g, Span<float> buffer, in SgdScalars s, bool zeroGradient)
        {
            var n = p.Length;
            var momentum = s.Momentum != 0f;
            if (g.Length != n || (momentum && buffer.Length != n))
            {
                throw new ArgumentException($"SGD: parameter, gradient and buffer lengths differ ({n}, {g.Length}, {buffer.Length}).");
            }

            var i = 0;
            if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
            {
                var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
                var bv = momentum ? MemoryMarshal.Cast<float, Vector<float>>(buffer) : Span<Vector<float>>.Empty;
                Vector<float> scale = new(s.GradientScale), decay = new(s.WeightDecay), mu = new(s.Momentum), oneMinusDampening = new(s.OneMinusDampening), alpha = new(s.Alpha);
                for (var k = 0; k < pv.Length; k++)
                {
                    var grad = s.GradientScale != 1f ? gv[k] * scale : gv[k];
                    if (s.WeightDecay != 0f)
                    {
                        grad = Vector.FusedMultiplyAdd(decay, pv[k], grad);
                    }

                    var direction = grad;
                    if (momentum)
                    {
                        var b = s.FirstStep ? grad : Vector.FusedMultiplyAdd(oneMinusDampening, grad, bv[k] * mu);
                        bv[k] = b;
                        direction = s.Nesterov ? Vector.FusedMultiplyAdd(mu, b, grad) : b;
                    }

                    pv[k] = Vector.FusedMultiplyAdd(alpha, direction, pv[k]);
                    if (zeroGradient)
                    {
                        gv[k] = Vector<float>.Zero;
                    }
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < n; i++)
            {
                var grad = s.GradientScale != 1f ? g[i] * s.GradientScale : g[i];
                if (s.WeightDecay != 0f)
                {
                    grad = MathF.FusedMultiplyAdd(s.WeightDecay, p[i], grad);
                }

                var direction = grad;
                if (momentum)
                {
                    var b = s.FirstStep ? grad : MathF.FusedMultiplyAdd(s.OneMinusDampening, grad, buffer[i] * s.Momentum);
                    buffer[i] = b;
                    direction = s.Nesterov ? MathF.FusedMultiplyAdd(s.Momentum, b, grad) : b;
                }

                p[i] = MathF.FusedMultiplyAdd(s.Alpha, direction, p[i]);
                if (zeroGradient)
                {
                    g[i] = 0f;
                }
            }
        }

        /// <summary>
        /// Σx² in double precision, in one read pass with four independent accumulators (one accumulator is bound by the
        /// latency of its additions, not by memory). NaN and infinity propagate.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static double SumOfSquares(ReadOnlySpan<float> values)
        {
            var i = 0;
            double total = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= 2 * Vector<float>.Count)
            {
                var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, a2 = Vector<double>.Zero, a3 = Vector<double>.Zero;
                var k = 0;
                for (; k + 1 < vectors.Length; k += 2)
                {
                    Vector.Widen(vectors[k], out var l0, out var h0);
                    Vector.Widen(vectors[k + 1], out var l1, out var h1);
                    a0 += l0 * l0;
                    a1 += h0 * h0;
                    a2 += l1 * l1;
                    a3 += h1 * h1;
                }

                if (k < vectors.Length)
                {
                    Vector.Widen(vectors[k], out var l0, out var h0);
                    a0 += l0 * l0;
                    a1 += h0 * h0;
                    k++;
                }

                total = Vector.Sum((a0 + a1) + (a2 + a3));
                i = k * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                double x = values[i];
                total += x * x;
            }

            return total;
        }
    }
}
