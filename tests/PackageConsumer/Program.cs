// Loads weights trained in PyTorch into a NetGen network and compares its outputs with PyTorch's.
// Usage: PackageConsumer <weights.pt> <reference.json>   (the JSON holds "inputs" and PyTorch's "outputs")
using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetGen;
using PackageConsumer;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: PackageConsumer <weights.pt> <reference.json>");
    return 2;
}

using var model = new ConsumerNet();
var parameters = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
Console.WriteLine($"parameters: {parameters} (compile time: {ConsumerNet.Summary.TrainableParameters})");

model.LoadPyTorchStateDict(args[0]);
model.eval();
var reference = JsonDocument.Parse(File.ReadAllText(args[1])).RootElement;
using var inputs = Matrix(reference.GetProperty("inputs"));
using var expected = Matrix(reference.GetProperty("outputs"));
using (torch.no_grad())
{
    using var outputs = model.call(inputs);
    var difference = (outputs - expected).abs().max().item<float>();
    Console.WriteLine($"max |NetGen - PyTorch|: {difference:R} over {outputs.numel()} outputs");
}

return 0;

static Tensor Matrix(JsonElement rows) =>
    torch.tensor(
        rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray(),
        new long[] { rows.GetArrayLength(), rows[0].GetArrayLength() });
