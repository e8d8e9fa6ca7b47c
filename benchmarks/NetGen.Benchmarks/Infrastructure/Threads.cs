using System;
using TorchSharp;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>
/// The two thread settings the issue asks for: <c>torch.set_num_threads(1)</c> and libtorch's default
/// (on this 2-core machine, 2). The default is read once before anything changes it.
/// </summary>
public static class Threads
{
    public const string One = "1";
    public const string Default = "default";

    public static readonly int DefaultCount = torch.get_num_threads();

    public static string[] Settings => new[] { One, Default };

    public static void Apply(string setting)
    {
        var count = setting switch
        {
            One => 1,
            Default => DefaultCount,
            _ => throw new ArgumentException($"thread setting '{setting}' is neither '{One}' nor '{Default}'", nameof(setting)),
        };
        torch.set_num_threads(count);
    }
}
