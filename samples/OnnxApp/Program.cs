// SimpleNet, trained by samples/SimpleNet and exported there with ExportOnnx, run in ONNX Runtime: no TorchSharp,
// no libtorch. The declaration is samples/SimpleNet/SimpleNet.cs itself; in this project (NetGen.Inference
// referenced, TorchSharp not) NetGen generates it as an ONNX Runtime class. Publish and run: samples/OnnxApp/publish.sh.
using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using NetGen.Samples;

var path = args.Length > 0 ? args[0] : "simplenet.onnx";
if (!File.Exists(path))
{
    Console.Error.WriteLine($"error: {path} does not exist; export it with: dotnet run --project samples/SimpleNet -c Release -- --export-onnx {path}");
    return 2;
}

var aot = System.Runtime.JitInfo.GetCompiledMethodCount() == 0;
Console.WriteLine($"runtime: {(aot ? "NativeAOT" : "JIT")}, ONNX Runtime {typeof(InferenceSession).Assembly.GetName().Version}");

using var model = new SimpleNet(path);
Console.WriteLine($"loaded {path}: input [batch, {string.Join(", ", SimpleNet.SampleInputShape)}], output [batch, {string.Join(", ", SimpleNet.SampleOutputShape)}]");

// 64 samples of 784 standard-normal features (Box-Muller from a seeded generator).
var random = new Random(1);
var input = new float[64 * model.InputLength];
for (var i = 0; i < input.Length; i++)
{
    input[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}

var logits = model.Run(input);
var classes = Enumerable.Range(0, 64).Select(s => ArgMax(logits.AsSpan(s * model.OutputLength, model.OutputLength))).ToArray();
Console.WriteLine($"batch of 64: logits [{logits.Length / model.OutputLength}, {model.OutputLength}], classes of the first 8: {string.Join(" ", classes.Take(8))}");

var single = model.Run(input.AsSpan(0, model.InputLength));
var difference = single.Zip(logits.Take(model.OutputLength), (a, b) => Math.Abs(a - b)).Max();
Console.WriteLine($"batch of 1: class {ArgMax(single)}, max |difference| from the same sample in the batch {difference:G3}");

try
{
    model.Run(new float[100]);
}
catch (ArgumentException e)
{
    Console.WriteLine("wrong input length: " + e.Message);
}

return classes.Length == 64 && difference < 1e-5 ? 0 : 1;

static int ArgMax(ReadOnlySpan<float> values)
{
    var best = 0;
    for (var i = 1; i < values.Length; i++)
    {
        if (values[i] > values[best])
        {
            best = i;
        }
    }

    return best;
}
