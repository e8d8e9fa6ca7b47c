using NetGen;

namespace NetGen.Tests.Shipping;

// The weight-file tests' networks. ShipNet mirrors the PyTorch module in pytorch_weights.py, so the
// committed reference files load into it; the other two differ on purpose, to provoke mismatches.

/// <summary>The round-trip network: fc1 (4 → 8), ReLU, bn1, fc2 (8 → 3); 83 trainable parameters.</summary>
[Linear(4, 8), ReLU, BatchNorm]
[Linear(8, 3)]
public partial class ShipNet;

/// <summary>ShipNet with a 2-wide output layer: fc2.weight is [2, 8] where the files have [3, 8].</summary>
[Linear(4, 8), ReLU, BatchNorm]
[Linear(8, 2)]
public partial class ShipNetNarrowOutput;

/// <summary>ShipNet without its BatchNorm: the files' five bn1.* entries have no place here.</summary>
[Linear(4, 8), ReLU]
[Linear(8, 3)]
public partial class ShipNetWithoutBatchNorm;
