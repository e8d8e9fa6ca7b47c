using Xunit;

namespace NetGen.Tests.Monitoring;

/// <summary>
/// The monitoring tests seed TorchSharp's global generator (<c>torch.manual_seed</c>) and then draw weights and data from
/// it; a test class running in parallel would draw from the same generator in between. This collection runs alone, after
/// the parallel ones, so every seed gives the same numbers on every run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SeededCollection
{
    public const string Name = "Seeded TorchSharp (not parallel)";
}
