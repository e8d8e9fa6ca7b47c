using NetGen;
namespace NetGen.Tests.Parity;
[Linear(6, 5), ReLU, BatchNorm]
[Linear(5, 4), Sigmoid]
[Linear(4, 3), Tanh]
[Linear(3, 2)]
[ClipGradNorm(0.5)]
public partial class ParityNet;

[Linear(6, 4, Bias = false), Tanh]
[Linear(4, 2)]
public partial class ParityNoBiasNet;
