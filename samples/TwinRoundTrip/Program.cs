// The .NET half of the round trip in scripts/twin-distributed.sh (docs/pytorch-twin.md):
//   TwinRoundTrip prepare DIR      writes SimpleNet's twin (SimpleNet.py), train.py, the training data
//                                  (data.safetensors), a wrongly shaped data file and the initial weights
//   TwinRoundTrip check DIR RUN    loads the weights the twin trained (RUN/SimpleNet.safetensors and .pt) into the
//                                  .NET SimpleNet, compares its outputs with PyTorch's (DIR/pytorch_outputs.safetensors)
//                                  and the loss with the initial weights' loss; exit code 1 if either check fails
// The data is synthetic and deterministic (no download): 4,096 samples of 784 features whose class is the
// arg-max of a fixed random linear map, as in samples/SimpleNet.
using System;
using System.IO;
using System.Linq;
using NetGen;
using NetGen.Samples.TwinRoundTrip;
using TorchSharp;
using static TorchSharp.torch;

const double Tolerance = 1e-5;
const int Samples = 4096, Compared = 256;

if (args.Length < 2 || (args[0] == "check" && args.Length < 3) || args[0] is not ("prepare" or "check"))
{
    Console.Error.WriteLine("usage: TwinRoundTrip prepare DIR | TwinRoundTrip check DIR RUN");
    return 2;
}

return args[0] == "prepare" ? Prepare(args[1]) : Check(args[1], args[2]);

static int Prepare(string directory)
{
    torch.manual_seed(42);
    using var inputs = torch.randn(Samples, 784);
    using var teacher = torch.randn(784, 10);
    using var labels = inputs.matmul(teacher).argmax(1);
    foreach (var path in PyTorchTwin.Write(directory, typeof(SimpleNet)))
    {
        Console.WriteLine($"wrote {path}");
    }

    PyTorchTwin.WriteData(Path.Combine(directory, "data.safetensors"), inputs, labels);
    Console.WriteLine($"wrote {Path.Combine(directory, "data.safetensors")}: inputs [{Samples}, 784], targets [{Samples}] (class indices)");

    // A common mistake: images left as [1, 28, 28] where SimpleNet takes 784 features. train.py must refuse it.
    using var images = inputs.narrow(0, 0, 64).reshape(64, 1, 28, 28);
    using var few = labels.narrow(0, 0, 64);
    PyTorchTwin.WriteData(Path.Combine(directory, "wrong-shape.safetensors"), images, few);

    using var model = new SimpleNet();
    model.SaveSafetensors(Path.Combine(directory, "initial.safetensors"));
    Console.WriteLine($"wrote {Path.Combine(directory, "initial.safetensors")}: the .NET module's initial weights; mean loss {Loss(model, inputs, labels):F4}");
    return 0;
}

static int Check(string directory, string run)
{
    using var scope = torch.NewDisposeScope();
    var data = PyTorchTwin.ReadTensors(Path.Combine(directory, "data.safetensors"));
    var inputs = data["inputs"];
    var labels = data["targets"];
    using var initial = new SimpleNet().LoadSafetensors(Path.Combine(directory, "initial.safetensors"));
    using var trained = new SimpleNet().LoadSafetensors(Path.Combine(run, "SimpleNet.safetensors"));
    using var fromPickle = new SimpleNet().LoadPyTorchStateDict(Path.Combine(run, "SimpleNet.pt"));

    trained.eval();
    fromPickle.eval();
    var probe = inputs.narrow(0, 0, Compared);
    Tensor outputs, pickleOutputs;
    using (torch.no_grad())
    {
        outputs = trained.call(probe);
        pickleOutputs = fromPickle.call(probe);
    }

    var pytorch = PyTorchTwin.ReadTensors(Path.Combine(directory, "pytorch_outputs.safetensors"))["outputs"];
    var difference = (outputs - pytorch).abs().max().item<float>();
    var formats = (outputs - pickleOutputs).abs().max().item<float>();
    var before = Loss(initial, inputs, labels);
    var after = Loss(trained, inputs, labels);
    float accuracy;
    using (torch.no_grad())
    {
        accuracy = trained.call(inputs).argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
    }

    Console.WriteLine($"outputs of the .NET SimpleNet with the trained weights vs PyTorch's, {Compared} samples x 10: max |difference| {difference:E2} (tolerance {Tolerance:E0})");
    Console.WriteLine($"the same weights from SimpleNet.pt vs SimpleNet.safetensors: max |difference| {formats:E2}");
    Console.WriteLine($"mean cross-entropy on the {Samples} training samples (eval mode): initial weights {before:F4}, trained {after:F4}; accuracy {accuracy:P1}");
    var ok = difference <= Tolerance && formats == 0 && after < before;
    Console.WriteLine(ok ? "round trip OK" : "round trip FAILED");
    return ok ? 0 : 1;
}

static double Loss(SimpleNet model, Tensor inputs, Tensor labels)
{
    model.eval();
    using var noGrad = torch.no_grad();
    using var output = model.call(inputs);
    using var loss = nn.functional.cross_entropy(output, labels);
    return loss.item<float>();
}
