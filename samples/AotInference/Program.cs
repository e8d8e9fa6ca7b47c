using System;
using System.IO;
using System.Linq;
using NetGen;
using NetGen.Samples.Aot;
using TorchSharp;
using static TorchSharp.torch;

Console.WriteLine($"NativeAOT: {!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported}, TorchSharp {typeof(torch).Assembly.GetName().Version}");
torch.manual_seed(1);
using var generated = new GeneratedNet();
using var reflection = new ReflectionNet();
Report("NetGen (generated register_module)", generated);
Report("TorchSharp RegisterComponents()", reflection);

generated.eval();
var input = torch.randn(64, 784);
using (torch.no_grad())
{
    var output = generated.call(input);
    Console.WriteLine($"inference: input [{string.Join(", ", input.shape)}] -> output [{string.Join(", ", output.shape)}], sum {output.sum().item<float>():F4}");
}

var path = Path.Combine(Path.GetTempPath(), $"aot-{Environment.ProcessId}.pt");
generated.SavePyTorchStateDict(path);
using var reloaded = new GeneratedNet().LoadPyTorchStateDict(path);
reloaded.eval();
using (torch.no_grad())
{
    Console.WriteLine($"PyTorch state dict round trip: {new FileInfo(path).Length:N0} bytes, max |difference| {(generated.call(input) - reloaded.call(input)).abs().max().item<float>()}");
}
File.Delete(path);
try
{
    generated.SaveSafetensors(path + ".safetensors");
    Console.WriteLine("safetensors save ok");
    new GeneratedNet().LoadSafetensors(path + ".safetensors");
    Console.WriteLine("safetensors load ok");
}
catch (Exception e)
{
    Console.WriteLine($"safetensors: {e.GetType().Name}: {e.Message}");
}
return 0;

static void Report(string name, nn.Module module)
{
    var count = module.parameters().Sum(p => p.numel());
    Console.WriteLine($"{name,-36} parameters: {count,8:N0}   state_dict entries: {module.state_dict().Count,2}");
}
