using NetGen;

namespace NetGen.Samples.TwinRoundTrip;

/// <summary>The seed's SimpleNet: Linear -> ReLU -> BatchNorm, twice, then the output layer.</summary>
[Linear(784, 300), ReLU, BatchNorm]
[Linear(300, 100), ReLU, BatchNorm]
[Linear(100, 10)]
public partial class SimpleNet;
