// The seed's BatchNorm example: SimpleNet (Linear -> ReLU -> BatchNorm, twice, then the output layer)
// trained with Adam and cross-entropy for 10 epochs, printing the loss after each epoch.
// The data is synthetic and deterministic (no download): 2,048 samples of 784 features whose class is
// the arg-max of a fixed random linear map, so the network has something real to learn.
// `--export-onnx PATH` then writes the trained network as an ONNX model (samples/OnnxApp runs it without TorchSharp).
using System;
using NetGen;
using NetGen.Samples;
using TorchSharp;
using static TorchSharp.torch;

torch.manual_seed(42);
const int samples = 2048, batchSize = 64, epochs = 10;
var inputs = torch.randn(samples, 784);
var teacher = torch.randn(784, 10);
var labels = inputs.matmul(teacher).argmax(1);

using var model = new SimpleNet();
using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
var criterion = torch.nn.CrossEntropyLoss();
Console.WriteLine($"SimpleNet: {SimpleNet.Summary.TrainableParameters:N0} trainable parameters");

for (var epoch = 1; epoch <= epochs; epoch++)
{
    model.train();
    var permutation = torch.randperm(samples);
    double lossSum = 0;
    var batches = 0;
    for (var start = 0; start < samples; start += batchSize)
    {
        using var scope = torch.NewDisposeScope();
        var index = permutation.narrow(0, start, Math.Min(batchSize, samples - start));
        optimizer.zero_grad();
        var loss = criterion.call(model.call(inputs.index_select(0, index)), labels.index_select(0, index));
        loss.backward();
        optimizer.step();
        lossSum += loss.item<float>();
        batches++;
    }

    Console.WriteLine($"Epoch {epoch,2}, Loss: {lossSum / batches:F4}");
}

model.eval();
using (torch.no_grad())
{
    var accuracy = model.call(inputs).argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
    Console.WriteLine($"Training accuracy: {accuracy:P1}");
}

var export = Array.IndexOf(args, "--export-onnx");
if (export >= 0)
{
    if (export + 1 >= args.Length)
    {
        Console.Error.WriteLine("error: --export-onnx needs a file path");
        return 2;
    }

    try
    {
        model.ExportOnnx(args[export + 1]);
    }
    catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine("error: " + e.Message);
        return 2;
    }

    Console.WriteLine($"Exported ONNX model: {args[export + 1]}");
}

return 0;
