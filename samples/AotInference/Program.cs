// Inference with a NetGen-generated network in a NativeAOT-published app, next to the same network written
// the usual TorchSharp way (fields discovered by RegisterComponents()), plus weight files written and read
// back in both formats. Publish and run: samples/AotInference/publish.sh (the README shows the output).
// The same program under the JIT (dotnet run) shows what the AOT compiler changes.
using System;
using System.IO;
using System.Linq;
using NetGen;
using NetGen.Samples.Aot;
using TorchSharp;
using static TorchSharp.torch;

// A NativeAOT app compiled everything ahead of time, so the JIT has compiled nothing. (RuntimeFeature
// .IsDynamicCodeSupported cannot tell: PublishAot turns it off under `dotnet run` too.)
var aot = System.Runtime.JitInfo.GetCompiledMethodCount() == 0;
Console.WriteLine($"runtime: {(aot ? "NativeAOT" : "JIT")}, TorchSharp {typeof(torch).Assembly.GetName().Version}");

torch.manual_seed(1);
using var generated = new GeneratedNet();
using var reflection = new ReflectionNet();
var generatedCount = Report("NetGen, generated register_module", generated);
var reflectionCount = Report("TorchSharp, RegisterComponents()", reflection);
Console.WriteLine($"compile-time count (GeneratedNet.Summary.TrainableParameters): {GeneratedNet.Summary.TrainableParameters:N0}");

generated.eval();
var input = torch.randn(64, 784);
using (torch.no_grad())
{
    using var output = generated.call(input);
    var predicted = output.argmax(1);
    Console.WriteLine($"inference: input [{string.Join(", ", input.shape)}] -> logits [{string.Join(", ", output.shape)}], classes of the first 8: {string.Join(" ", predicted.data<long>().Take(8))}");
}

var ok = generatedCount == GeneratedNet.Summary.TrainableParameters;
foreach (var file in new[] { "weights.pt", "weights.safetensors" })
{
    var path = Path.Combine(Path.GetTempPath(), $"netgen-aot-{Environment.ProcessId}-{file}");
    try
    {
        generated.SaveCheckpoint(path);
        using var reloaded = new GeneratedNet().LoadCheckpoint(path);
        reloaded.eval();
        using (torch.no_grad())
        {
            var difference = (generated.call(input) - reloaded.call(input)).abs().max().item<float>();
            Console.WriteLine($"{file,-20} saved and loaded back: {new FileInfo(path).Length,9:N0} bytes, max |difference| {difference}");
            ok &= difference == 0;
        }
    }
    finally
    {
        File.Delete(path);
    }
}

if (reflectionCount != generatedCount)
{
    Console.WriteLine($"RegisterComponents() registered {reflectionCount:N0} of {generatedCount:N0} parameters: its reflection over fields loses them under NativeAOT (TorchSharp issue #934).");
}

return ok ? 0 : 1;

static long Report(string name, nn.Module module)
{
    var count = module.parameters().Sum(p => p.numel());
    Console.WriteLine($"{name,-36} parameters: {count,9:N0}   state_dict entries: {module.state_dict().Count,2}");
    return count;
}
