using System;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.Monitoring;

/// <summary>
/// Every test class that seeds TorchSharp's global generator (<c>torch.manual_seed</c>) and then draws weights and data
/// from it belongs here: a test class running in parallel would draw from the same generator in between, and a
/// calibration table measured that way moved by one network between two runs of the same commit. This collection runs
/// alone, after the parallel ones, so every seed gives the same numbers on every run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SeededCollection : ICollectionFixture<SingleIntraOpThread>
{
    public const string Name = "Seeded TorchSharp (not parallel)";
}

/// <summary>
/// One intra-op thread while the collection runs. The tests' tensors are tiny, and on a busy two-core machine libtorch's
/// spinning worker threads made a width-64 training step 10 to 100 times slower (measured: 5 ms with one thread, 100 ms
/// to 1 s with two under a load average of 20).
/// </summary>
public sealed class SingleIntraOpThread : IDisposable
{
    private readonly int previous = torch.get_num_threads();

    public SingleIntraOpThread() => torch.set_num_threads(1);

    public void Dispose() => torch.set_num_threads(previous);
}
