using NetGen;

namespace NetGen.Samples;

/// <summary>The seed's DeepNet, with gradient clipping declared on the class.</summary>
[Linear(100, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1000), ReLU]
[Linear(1000, 1)]
[ClipGradNorm(1.0)]
public partial class DeepNet;
