using NetGen;

namespace PackageConsumer;

/// <summary>The network of tests/NetGen.Tests/Shipping/pytorch_weights.py, declared in a consumer of the package.</summary>
[Linear(4, 8), ReLU, BatchNorm]
[Linear(8, 3)]
public partial class ConsumerNet;
