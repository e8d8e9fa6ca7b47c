using System;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Training;

/// <summary>
/// The square root the fused Adam pass takes from libtorch's MKL (<c>vmsSqrt</c>) against <c>torch.sqrt</c> itself, element
/// by element and bit for bit, on values across the whole float32 range and on blocks of any length and alignment.
/// </summary>
public class LibTorchSquareRootTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public LibTorchSquareRootTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    [Fact]
    public void Linux_x64_libtorch_exports_MKLs_root_and_the_fused_optimisers_default_to_the_correctly_rounded_one()
    {
        Assert.True(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "the test machines are Linux x64");
        Assert.True(MklSquareRoot.Available);
        using var weight = new Parameter(torch.zeros(4));
        using var adam = new FusedAdam(new[] { weight });
        using var adamW = new FusedAdamW(new[] { weight });
        Assert.Equal(AdamSquareRoot.CorrectlyRounded, adam.SquareRoot);
        Assert.Equal(AdamSquareRoot.CorrectlyRounded, adamW.SquareRoot);
    }

    /// <summary>
    /// MKL threads each <c>vmsSqrt</c> call over libtorch's intra-op threads unless told otherwise: the fused pass puts the
    /// calling thread's MKL on one thread for its duration and restores what was there, nested scopes included.
    /// </summary>
    [Fact]
    public void The_fused_pass_runs_MKL_on_one_thread_and_restores_the_threads_setting()
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        Assert.True(NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out var library));
        var getMax = Marshal.GetDelegateForFunctionPointer<MklGetMaxThreads>(NativeLibrary.GetExport(library, "MKL_Get_Max_Threads"));
        var setLocal = Marshal.GetDelegateForFunctionPointer<MklSetNumThreadsLocal>(NativeLibrary.GetExport(library, "MKL_Set_Num_Threads_Local"));
        var previous = setLocal(2);
        try
        {
            Assert.Equal(2, getMax());
            using (MklSquareRoot.OneThread())
            {
                Assert.Equal(1, getMax());
                using (MklSquareRoot.OneThread())
                {
                    Assert.Equal(1, getMax());
                }

                Assert.Equal(1, getMax());
            }

            Assert.Equal(2, getMax());
        }
        finally
        {
            setLocal(previous);
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MklGetMaxThreads();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MklSetNumThreadsLocal(int threads);

    /// <remarks>
    /// The check the optimisers' constructors run (<see cref="MklSquareRoot.Checked(AdamSquareRoot, string)"/>), told that
    /// libtorch exports no <c>vmsSqrt</c>: the test machines' libtorch does export it, so the constructors themselves
    /// cannot meet the missing export here.
    /// </remarks>
    [Fact]
    public void Asking_for_MKLs_root_where_libtorch_lacks_it_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<NotSupportedException>(() => MklSquareRoot.Checked(AdamSquareRoot.LibTorchMkl, "square_root", available: false));
        Assert.Contains("exports no MKL vmsSqrt", error.Message, StringComparison.Ordinal);
        Assert.Contains("AdamSquareRoot.CorrectlyRounded", error.Message, StringComparison.Ordinal);
        Assert.Equal(AdamSquareRoot.CorrectlyRounded, MklSquareRoot.Checked(AdamSquareRoot.CorrectlyRounded, "square_root", available: false));
        Assert.Equal(AdamSquareRoot.LibTorchMkl, MklSquareRoot.Checked(AdamSquareRoot.LibTorchMkl, "square_root", available: true));
        Assert.Equal(AdamSquareRoot.LibTorchMkl, MklSquareRoot.Checked(AdamSquareRoot.LibTorchMkl, "square_root"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(2049)]
    public void Blocks_of_any_length_and_alignment_give_torch_sqrts_bits(int block)
    {
        var values = Values();
        using var input = torch.tensor(values);
        using var rooted = torch.sqrt(input);
        var expected = rooted.data<float>().ToArray();

        // Start one element in, so that every block is misaligned by 4 bytes as well.
        var actual = new float[values.Length];
        actual[0] = MathF.Sqrt(values[0]);
        for (var start = 1; start < values.Length; start += block)
        {
            var length = Math.Min(block, values.Length - start);
            MklSquareRoot.Apply(values.AsSpan(start, length), actual.AsSpan(start, length));
        }

        var differ = Enumerable.Range(1, values.Length - 1).Count(i => BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]));
        var fromCorrectlyRounded = Enumerable.Range(1, values.Length - 1).Count(i => BitConverter.SingleToInt32Bits(MathF.Sqrt(values[i])) != BitConverter.SingleToInt32Bits(expected[i]));
        _output.WriteLine($"block {block}: {differ} of {values.Length - 1} roots differ from torch.sqrt's; the correctly rounded root differs on {fromCorrectlyRounded} ({100.0 * fromCorrectlyRounded / (values.Length - 1):F1}%)");
        Assert.Equal(0, differ);
        Assert.True(fromCorrectlyRounded > values.Length / 20, "torch.sqrt differs from the correctly rounded root on many elements: the comparison would prove nothing otherwise");
    }

    /// <remarks>
    /// MKL's root is slow on zeros and subnormals, so <see cref="MklSquareRoot.Apply"/> takes their roots from the correctly
    /// rounded one instead: that is exact only because MKL's root equals it on every one of them, checked here (2²³ inputs).
    /// </remarks>
    [Fact]
    public void On_zero_and_every_subnormal_MKLs_root_is_the_correctly_rounded_one()
    {
        var count = 1 << 23;
        var inputs = new float[count];
        var roots = new float[count];
        for (var i = 0; i < count; i++)
        {
            inputs[i] = BitConverter.Int32BitsToSingle(i); // +0, then every positive subnormal
        }

        for (var start = 0; start < count; start += 4096)
        {
            MklSquareRoot.Vml(inputs.AsSpan(start, 4096), roots.AsSpan(start, 4096));
        }

        var differ = Enumerable.Range(0, count).Count(i => BitConverter.SingleToInt32Bits(roots[i]) != BitConverter.SingleToInt32Bits(MathF.Sqrt(inputs[i])));
        Assert.Equal(0, differ);

        float[] negativeZero = { -0f }, root = new float[1];
        MklSquareRoot.Vml(negativeZero, root);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(root[0]));
        Assert.Throws<ArgumentException>(() => MklSquareRoot.Apply(inputs.AsSpan(0, 16), inputs.AsSpan(8, 16)));
    }

    // Random bit patterns over every non-negative float32 (normal, subnormal, huge), Adam-like second moments (squares of
    // small gradients), and the special values: zeros, the smallest subnormal, the largest float, infinity.
    private static float[] Values()
    {
        var random = new Random(5);
        var values = new float[40_000];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (i % 4) switch
            {
                0 => BitConverter.Int32BitsToSingle(random.Next(0, 0x7F800000)),
                1 => BitConverter.Int32BitsToSingle(random.Next(0, 0x00800000)),
                _ => MathF.Pow((float)random.NextDouble() * 1e-3f, 2) * (float)random.NextDouble(),
            };
        }

        float[] special = { 0f, -0f, float.Epsilon, 2 * float.Epsilon, float.MaxValue, float.PositiveInfinity, 1f, 4f, 1e-45f, 1.17549435e-38f };
        special.CopyTo(values, 1);
        return values;
    }
}
