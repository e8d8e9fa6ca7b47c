using System.Threading;
using NetGen.GradientLab;
using Xunit;

namespace NetGen.Tests.GradientLab;

/// <summary>
/// Gradient Lab tests run alone, not in parallel with other test classes: building a network draws its initial
/// weights from TorchSharp's single global generator, which other tests also use.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GradientLabCollection : ICollectionFixture<LabRunFixture>
{
    public const string Name = "Gradient Lab";
}

/// <summary>
/// Two short lab runs shared by the Gradient Lab tests: the Sigmoid and ReLU + BatchNorm variants for 2 epochs
/// (48 steps each) with the same seed, once with 2 variants in parallel and compile-time analysis, once on one
/// thread without it.
/// </summary>
public sealed class LabRunFixture
{
    public static readonly LabVariant[] Variants = [LabVariant.All[0], LabVariant.All[4]];

    public LabRunFixture()
    {
        var options = new LabOptions { Epochs = 2, Seed = 7, Variants = Variants, Threads = 2 };
        Parallel = Lab.Run(options, null, CancellationToken.None);
        Sequential = Lab.Run(options with { Threads = 1 }, null, CancellationToken.None, analyzeDeclarations: false);
    }

    public LabResult Parallel { get; }

    public LabResult Sequential { get; }
}
