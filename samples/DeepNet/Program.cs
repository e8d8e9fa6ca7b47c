// The seed's gradient-clipping example: one training step of DeepNet on random data with MSE loss,
// clipping the gradients to a total norm of 1.0 (declared with [ClipGradNorm(1.0)]) before the
// optimiser step, and printing the first layer's gradient norm after clipping.
using System;
using NetGen.Samples;
using TorchSharp;

torch.manual_seed(0);
using var model = new DeepNet();
using var optimizer = torch.optim.SGD(model.parameters(), learningRate: 0.01);
var criterion = torch.nn.MSELoss();

var inputs = torch.randn(10, 100);
var targets = torch.randn(10, 1);

optimizer.zero_grad();
var loss = criterion.call(model.call(inputs), targets);
loss.backward();
var totalNorm = model.ClipGradients();
Console.WriteLine($"Loss: {loss.item<float>():F4}");
Console.WriteLine($"Total gradient norm before clipping: {totalNorm:F4}");
Console.WriteLine($"First layer's gradient norm after clipping: {model.fc1.weight!.grad!.norm().item<float>():F6}");
optimizer.step();
