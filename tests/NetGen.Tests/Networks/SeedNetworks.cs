using NetGen;

namespace NetGen.Tests.Networks;

// The seed document's two networks, exactly as a user writes them. The runtime tests use the
// modules the real compiler generated from this file; the snapshot tests feed this file's text
// to the generator and compare with the golden files.

/// <summary>The seed's SimpleNet: Linear -> ReLU -> BatchNorm, twice, then the output layer.</summary>
[Linear(784, 300), ReLU, BatchNorm]
[Linear(300, 100), ReLU, BatchNorm]
[Linear(100, 10)]
public partial class SimpleNet;

/// <summary>The seed's DeepNet, with gradient clipping declared on the class.</summary>
[Linear(100, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1)]
[ClipGradNorm(1.0)]
public partial class DeepNet;
