using System;
using System.Runtime.InteropServices;
using TorchSharp;

namespace NetGen.Training
{
    /// <summary>Which square root the fused Adam and AdamW pass takes of the second moment.</summary>
    public enum AdamSquareRoot
    {
        /// <summary>
        /// The correctly rounded float32 root (<c>Vector.SquareRoot</c>): the faster pass. The default where the loaded
        /// libtorch exports no MKL vector math library; libtorch's own <c>sqrt</c> differs from it by one ulp on some elements.
        /// </summary>
        CorrectlyRounded,

        /// <summary>
        /// MKL's <c>vmsSqrt</c> from the loaded libtorch_cpu, called with the mode libtorch's <c>torch.sqrt</c> uses: the
        /// same float32 root, element for element, as TorchSharp's own Adam and AdamW.
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
        private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<int, float*, float*, long, void> Function = Find();

        private static AdamSquareRoot kind = Function != null ? AdamSquareRoot.LibTorchMkl : AdamSquareRoot.CorrectlyRounded;

        /// <summary>Which root <see cref="FusedKernels"/>' Adam takes: libtorch's where available, unless set otherwise.</summary>
        /// <exception cref="NotSupportedException">Set to <see cref="AdamSquareRoot.LibTorchMkl"/> where libtorch exports no <c>vmsSqrt</c>.</exception>
        public static AdamSquareRoot Kind
        {
            get => kind;
            set
            {
                if (value == AdamSquareRoot.LibTorchMkl && Function == null)
                {
                    throw new NotSupportedException("the loaded libtorch_cpu exports no MKL vmsSqrt (libtorch is not the Linux x64 build with MKL): only the correctly rounded root is available.");
                }

                if (!Enum.IsDefined(value))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "not an AdamSquareRoot.");
                }

                kind = value;
            }
        }

        /// <summary>Whether libtorch's root is available.</summary>
        public static bool Available => Function != null;

        /// <summary>√x of every element of <paramref name="input"/> into <paramref name="output"/>, as libtorch computes it.</summary>
        /// <exception cref="InvalidOperationException">The loaded libtorch exports no <c>vmsSqrt</c>.</exception>
        public static void Apply(ReadOnlySpan<float> input, Span<float> output)
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

        // libtorch_cpu as TorchSharp loads it (by name, next to TorchSharp's assembly): the library is already loaded, so this
        // returns the same module and the export is the code torch.sqrt runs.
        private static delegate* unmanaged[Cdecl, SuppressGCTransition]<int, float*, float*, long, void> Find()
        {
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                if (NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out var library)
                    && NativeLibrary.TryGetExport(library, "vmsSqrt", out var export))
                {
                    return (delegate* unmanaged[Cdecl, SuppressGCTransition]<int, float*, float*, long, void>)export;
                }
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or NotSupportedException)
            {
            }

            return null;
        }
    }
}
