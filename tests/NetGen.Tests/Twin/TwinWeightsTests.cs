using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using NetGen.Tests.Catalog;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Twin;

/// <summary>
/// Weights written by the twin's launcher (train.py, one epoch of V01Mlp's twin; committed by make_twin_reference.py
/// as Fixtures/launcher/V01Mlp.pt and .safetensors) load into the .NET module, and are refused by a different network;
/// a token network trained by the launcher on int64 data (EveryTextLayerNet) comes back with the twin's loss.
/// </summary>
public class TwinWeightsTests
{
    [Fact]
    public void Launcher_state_dicts_load_into_the_network_they_came_from_in_both_formats()
    {
        using var scope = torch.NewDisposeScope();
        using var fromPickle = new V01Mlp().LoadPyTorchStateDict(Launcher("V01Mlp.pt"));
        using var fromSafetensors = new V01Mlp().LoadSafetensors(Launcher("V01Mlp.safetensors"));
        using var initial = new V01Mlp().LoadSafetensors(Path.Combine(Directory(), "Fixtures", "V01Mlp.safetensors"));
        var pickled = fromPickle.state_dict();
        var safe = fromSafetensors.state_dict();
        Assert.Equal(new[] { "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight" }, pickled.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, tensor) in pickled)
        {
            Assert.Equal(0.0, (tensor - safe[key]).abs().max().item<float>());
        }

        // One epoch of Adam moved the weights away from the .NET module's initial ones it started from.
        var moved = (pickled["fc1.weight"] - initial.state_dict()["fc1.weight"]).abs().max().item<float>();
        Assert.InRange(moved, 1e-4, 1.0);
    }

    [Fact]
    public void A_token_network_trained_by_the_launcher_on_int64_data_gives_the_twins_loss_in_dotnet()
    {
        using var scope = torch.NewDisposeScope();
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory(), "twin_reference.json")));
        var expected = json.RootElement.GetProperty("launcher").GetProperty("eval_cross_entropy").GetDouble();
        using var model = new EveryTextLayerNet().LoadSafetensors(Launcher("EveryTextLayerNet.safetensors"));
        using var initial = new EveryTextLayerNet().LoadSafetensors(Path.Combine(Directory(), "Fixtures", "EveryTextLayerNet.safetensors"));
        var data = PyTorchTwin.ReadTensors(Path.Combine(Directory(), "Fixtures", "EveryTextLayerNet.data.safetensors"));
        Assert.Equal(ScalarType.Int64, data["inputs"].dtype);
        model.eval();

        var loss = nn.functional.cross_entropy(model.call(data["inputs"]), data["targets"]).item<float>();

        Assert.True(Math.Abs(loss - expected) <= 1e-5, $".NET {loss}, twin {expected}");
        var moved = (model.state_dict()["enc1.linear1.weight"] - initial.state_dict()["enc1.linear1.weight"]).abs().max().item<float>();
        Assert.InRange(moved, 1e-4, 1.0);
    }

    [Fact]
    public void A_state_dict_from_another_network_is_refused_naming_the_layer_and_both_shapes()
    {
        using var module = new MlpWithThreeOutputs();
        var before = module.state_dict()["fc2.weight"].clone();
        var e = Assert.Throws<StateDictMismatchException>(() => module.LoadPyTorchStateDict(Launcher("V01Mlp.pt")));
        Assert.Contains("fc2.weight: expected shape [3, 20], found [5, 20]", e.Message, StringComparison.Ordinal);
        Assert.Contains("fc2.bias: expected shape [3], found [5]", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Mismatches.Count);
        Assert.Equal(0.0, (module.state_dict()["fc2.weight"] - before).abs().max().item<float>());

        var safetensors = Assert.Throws<StateDictMismatchException>(() => new MlpWithThreeOutputs().LoadSafetensors(Launcher("V01Mlp.safetensors")));
        Assert.Contains("fc2.weight: expected shape [3, 20], found [5, 20]", safetensors.Message, StringComparison.Ordinal);
    }

    private static string Launcher(string file) => Path.Combine(Directory(), "Fixtures", "launcher", file);

    private static string Directory([CallerFilePath] string thisFile = "") => Path.GetDirectoryName(thisFile)!;
}
