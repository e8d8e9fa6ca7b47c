using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace NetGen.Training
{
    /// <summary>Which square root the fused Adam and AdamW pass takes of the second moment.</summary>
    public enum AdamSquareRoot
    {
        /// <summary>
        /// The correctly rounded float32 root (<c>Vector.SquareRoot</c>), the root PyTorch's CPU builds without MKL take: the
        /// faster pass, and the default. libtorch's own <c>sqrt</c> (MKL) differs from it by one ulp on some elements.
        /// </summary>
        CorrectlyRounded,

        /// <summary>
        /// MKL's <c>vmsSqrt</c> from the loaded libtorch_cpu, called with the mode libtorch's <c>torch.sqrt</c> uses: the
        /// same float32 root, element for element, as TorchSharp's own Adam and AdamW. Opt-in: it costs about 0.4 ns per
        /// element more.
        /// </summary>
        LibTorchMkl,
    }

    /// <summary>
    /// libtorch's float32 square root. libtorch's CPU <c>sqrt</c> (ATen's <c>vml::vsqrt</c>) calls MKL's vector math
    /// library, <c>vmsSqrt(n, in, out, VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE)</c>, whose results differ from the
    /// correctly rounded root by one ulp on some elements (12.7% of the values in <c>LibTorchSquareRootTests</c>).
    /// libtorch_cpu.so exports that function (MKL is linked into it), so the fused Adam pass takes its root from the very
    /// same code, in blocks small enough to stay in L1; the results do not depend on the block's length or alignment.
    /// </summary>
    internal static unsafe class MklSquareRoot
    {
        // mkl_vml_defines.h: VML_HA 0x2, VML_FTZDAZ_OFF 0x140000, VML_ERRMODE_IGNORE 0x100 (aten/src/ATen/cpu/vml.h).
        private const long Mode = 0x2 | 0x140000 | 0x100;

        // void vmsSqrt(const MKL_INT n, const float a[], float r[], MKL_INT64 mode), LP64 (MKL_INT is int).
        private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<int, float*, float*, long, void> Function =
            (delegate* unmanaged[Cdecl, SuppressGCTransition]<int, float*, float*, long, void>)Find("vmsSqrt");

        // int MKL_Set_Num_Threads_Local(int nt), the C entry (the lower-case one is the Fortran binding, by reference): the calling thread's MKL thread count (0: back to the global one); returns
        // the thread's previous setting.
        private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<int, int> SetThreadsLocal =
            (delegate* unmanaged[Cdecl, SuppressGCTransition]<int, int>)Find("MKL_Set_Num_Threads_Local");

        /// <summary>
        /// <paramref name="root"/> if the fused Adam pass can take it here: every defined <see cref="AdamSquareRoot"/> but
        /// <see cref="AdamSquareRoot.LibTorchMkl"/> where libtorch exports no <c>vmsSqrt</c>.
        /// </summary>
        /// <param name="root">The root an optimiser is built with.</param>
        /// <param name="parameterName">The constructor parameter it came from, for the exception.</param>
        /// <returns><paramref name="root"/>.</returns>
        /// <exception cref="NotSupportedException"><see cref="AdamSquareRoot.LibTorchMkl"/> where libtorch exports no <c>vmsSqrt</c>.</exception>
        /// <exception cref="ArgumentOutOfRangeException">Not a defined <see cref="AdamSquareRoot"/>.</exception>
        public static AdamSquareRoot Checked(AdamSquareRoot root, string parameterName) =>
            Checked(root, parameterName, root != AdamSquareRoot.LibTorchMkl || Available); // libtorch is looked up only when asked for

        /// <summary>As <see cref="Checked(AdamSquareRoot, string)"/>, told whether libtorch's root is available.</summary>
        /// <param name="root">The root an optimiser is built with.</param>
        /// <param name="parameterName">The constructor parameter it came from, for the exception.</param>
        /// <param name="available">Whether the loaded libtorch exports <c>vmsSqrt</c> (<see cref="Available"/>).</param>
        /// <returns><paramref name="root"/>.</returns>
        internal static AdamSquareRoot Checked(AdamSquareRoot root, string parameterName, bool available)
        {
            if (!Enum.IsDefined(root))
            {
                throw new ArgumentOutOfRangeException(parameterName, root, "not an AdamSquareRoot.");
            }

            if (root == AdamSquareRoot.LibTorchMkl && !available)
            {
                throw new NotSupportedException(UnavailableMessage);
            }

            return root;
        }

        /// <summary>What <see cref="Checked(AdamSquareRoot, string)"/> says when libtorch's root is asked for and missing.</summary>
        private const string UnavailableMessage =
            "AdamSquareRoot.LibTorchMkl: the loaded libtorch_cpu exports no MKL vmsSqrt (libtorch is not the Linux x64 build with MKL); use AdamSquareRoot.CorrectlyRounded.";

        /// <summary>Whether libtorch's root is available.</summary>
        public static bool Available => Function != null;

        /// <summary>√x of every element of <paramref name="input"/> into <paramref name="output"/>, as libtorch computes it.</summary>
        /// <remarks>
        /// MKL's root takes a much slower path for zeros and subnormals (several and tens of times a normal input's time on
        /// the project's machine), and Adam's second moment has them wherever a gradient is zero (inactive ReLU units). On
        /// those inputs MKL's root is the correctly rounded one
        /// (every one of them checked: <c>LibTorchSquareRootTests</c>), so a block that holds any gets them replaced by 1 for
        /// MKL and takes their roots from <see cref="Vector.SquareRoot{T}(Vector{T})"/>; each element's root depends on that
        /// element alone, so the others are unchanged.
        /// </remarks>
        /// <exception cref="InvalidOperationException">The loaded libtorch exports no <c>vmsSqrt</c>.</exception>
        /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than <paramref name="input"/> or overlaps it.</exception>
        public static void Apply(ReadOnlySpan<float> input, Span<float> output) => Apply(input, output, HasTiny(input));

        /// <summary>As <see cref="Apply(ReadOnlySpan{float}, Span{float})"/>, told whether the input holds zeros or subnormals.</summary>
        /// <param name="input">The values.</param>
        /// <param name="output">Their roots.</param>
        /// <param name="hasTiny">Whether some input is in [0, 2⁻¹²⁶) (<see cref="IsTiny"/>); the caller's pass over the values can tell for free.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Apply(ReadOnlySpan<float> input, Span<float> output, bool hasTiny)
        {
            if (output.Length < input.Length || input.Overlaps(output))
            {
                throw new ArgumentException($"sqrt: the output ({output.Length}) must be as long as the input ({input.Length}) and apart from it.", nameof(output));
            }

            output = output[..input.Length];
            if (!hasTiny)
            {
                Vml(input, output);
                return;
            }

            ReplaceTiny(input, output);
            Vml(output, output);
            RootsOfTiny(input, output);
        }

        // The vector work lives in methods of its own, never inlined here: the JIT ends a method that used 256-bit registers
        // with vzeroupper, and MKL's root, called with the upper halves still in use, ran 75% slower (0.95 against 0.55 ns
        // per element in blocks of 512, measured on the project's machine).

        /// <summary>The input with every tiny value (<see cref="IsTiny"/>) replaced by 1, into <paramref name="output"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static void ReplaceTiny(ReadOnlySpan<float> input, Span<float> output)
        {
            var i = 0;
            if (Vector.IsHardwareAccelerated && input.Length >= Vector<float>.Count)
            {
                var x = MemoryMarshal.Cast<float, Vector<float>>(input);
                var r = MemoryMarshal.Cast<float, Vector<float>>(output);
                Vector<float> smallestNormal = new(SmallestNormal), one = Vector<float>.One;
                for (var k = 0; k < x.Length; k++)
                {
                    r[k] = Vector.ConditionalSelect(Tiny(x[k], smallestNormal), one, x[k]);
                }

                i = x.Length * Vector<float>.Count;
            }

            for (; i < input.Length; i++)
            {
                output[i] = IsTiny(input[i]) ? 1f : input[i];
            }
        }

        /// <summary>The correctly rounded roots of the tiny inputs, written over their places in <paramref name="output"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static void RootsOfTiny(ReadOnlySpan<float> input, Span<float> output)
        {
            var i = 0;
            if (Vector.IsHardwareAccelerated && input.Length >= Vector<float>.Count)
            {
                var x = MemoryMarshal.Cast<float, Vector<float>>(input);
                var r = MemoryMarshal.Cast<float, Vector<float>>(output);
                Vector<float> smallestNormal = new(SmallestNormal);
                for (var k = 0; k < x.Length; k++)
                {
                    r[k] = Vector.ConditionalSelect(Tiny(x[k], smallestNormal), Vector.SquareRoot(x[k]), r[k]);
                }

                i = x.Length * Vector<float>.Count;
            }

            for (; i < input.Length; i++)
            {
                if (IsTiny(input[i]))
                {
                    output[i] = MathF.Sqrt(input[i]);
                }
            }
        }

        /// <summary>MKL's root itself, as libtorch calls it, on any input (<paramref name="output"/> may be <paramref name="input"/>).</summary>
        /// <exception cref="InvalidOperationException">The loaded libtorch exports no <c>vmsSqrt</c>.</exception>
        internal static void Vml(ReadOnlySpan<float> input, Span<float> output)
        {
            if (Function == null)
            {
                throw new InvalidOperationException("the loaded libtorch_cpu exports no MKL vmsSqrt; use the correctly rounded root.");
            }

            if (output.Length < input.Length)
            {
                throw new ArgumentException($"sqrt: output ({output.Length}) shorter than input ({input.Length}).", nameof(output));
            }

            if (input.IsEmpty)
            {
                return;
            }

            fixed (float* a = input)
            fixed (float* r = output)
            {
                Function(input.Length, a, r, Mode);
            }
        }

        /// <summary>The smallest positive normal float32 (2⁻¹²⁶); zero and the subnormals lie below it.</summary>
        public const float SmallestNormal = 1.17549435E-38f;

        /// <summary>
        /// Lanes with 0 ≤ x &lt; 2⁻¹²⁶: +0 and the positive subnormals (−0 compares equal to 0 and is taken too: its root is
        /// −0 either way), the inputs <see cref="Apply(ReadOnlySpan{float}, Span{float}, bool)"/> takes from the correctly rounded root.
        /// </summary>
        /// <param name="x">The values.</param>
        /// <param name="smallestNormal"><see cref="SmallestNormal"/> in every lane.</param>
        /// <returns>All ones in the lanes that are tiny.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<int> Tiny(Vector<float> x, Vector<float> smallestNormal) =>
            Vector.LessThan(x, smallestNormal) & Vector.GreaterThanOrEqual(x, Vector<float>.Zero);

        /// <summary>0 ≤ x &lt; 2⁻¹²⁶, as <see cref="Tiny"/> for one value.</summary>
        /// <param name="x">The value.</param>
        /// <returns>Whether the value is +0, −0 or a positive subnormal.</returns>
        public static bool IsTiny(float x) => x >= 0f && x < SmallestNormal;

        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static bool HasTiny(ReadOnlySpan<float> input)
        {
            var i = 0;
            if (Vector.IsHardwareAccelerated && input.Length >= Vector<float>.Count)
            {
                var x = MemoryMarshal.Cast<float, Vector<float>>(input);
                Vector<float> smallestNormal = new(SmallestNormal);
                var any = Vector<int>.Zero;
                for (var k = 0; k < x.Length; k++)
                {
                    any |= Tiny(x[k], smallestNormal);
                }

                if (any != Vector<int>.Zero)
                {
                    return true;
                }

                i = x.Length * Vector<float>.Count;
            }

            for (; i < input.Length; i++)
            {
                if (IsTiny(input[i]))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// MKL on one thread on the calling thread until the scope is disposed. MKL spreads each <c>vmsSqrt</c> call over
        /// libtorch's intra-op threads, which for the fused pass's blocks of a few hundred elements costs far more than the
        /// roots (with libtorch's default two threads on the project's machine, SimpleNet's update took 1.6 ms of CPU instead
        /// of about 0.3); the pass runs on one thread anyway, and the roots do not depend on the thread count.
        /// </summary>
        public static OneThreadScope OneThread() => SetThreadsLocal == null ? default : new OneThreadScope(SetThreadsLocal(1));

        /// <summary>Restores the thread's MKL setting that <see cref="OneThread"/> replaced.</summary>
        public readonly struct OneThreadScope : IDisposable
        {
            private readonly int _previous;
            private readonly bool _active;

            internal OneThreadScope(int previous)
            {
                _previous = previous;
                _active = true;
            }

            public void Dispose()
            {
                if (_active)
                {
                    SetThreadsLocal(_previous);
                }
            }
        }

        // libtorch_cpu as TorchSharp loads it (by name, next to TorchSharp's assembly): the library is already loaded, so this
        // returns the same module and the export is the code torch.sqrt runs. Null where libtorch has no such export.
        private static void* Find(string name)
        {
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                if (NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out var library)
                    && NativeLibrary.TryGetExport(library, name, out var export))
                {
                    return (void*)export;
                }
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or NotSupportedException)
            {
            }

            return null;
        }
    }
}
