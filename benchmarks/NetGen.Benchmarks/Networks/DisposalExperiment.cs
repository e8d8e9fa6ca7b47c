using System.Collections.Generic;
using System.Linq;
using NetGen.Benchmarks.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Benchmarks.Networks;

/// <summary>
/// Mlp20 by hand, but with every intermediate kept alive until forward returns (<c>using var</c> for each, as the
/// generated forward does) instead of disposed as soon as the next layer has consumed it. Used by
/// <c>disposal-experiment</c> to tell whether the generated Mlp20's inference gap to the hand-written one comes
/// from how long intermediates live (more memory touched per call) rather than from <c>call()</c>.
/// </summary>
public sealed class HandWrittenMlp20LateDisposal : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers = new();

    public HandWrittenMlp20LateDisposal() : base(nameof(HandWrittenMlp20LateDisposal))
    {
        for (var i = 0; i < 19; i++)
        {
            layers.Add(nn.Linear(256, 256));
        }

        layers.Add(nn.Linear(256, 10));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var alive = new List<Tensor>(40);
        try
        {
            var x = input;
            for (var i = 0; i < layers.Count - 1; i++)
            {
                var linear = layers[i].forward(x);
                alive.Add(linear);
                x = F.relu(linear);
                alive.Add(x);
            }

            return layers[^1].forward(x);
        }
        finally
        {
            alive.ForEach(t => t.Dispose());
        }
    }
}

/// <summary><c>disposal-experiment</c>: Mlp20 inference, NetGen / hand-written / hand-written with late disposal, interleaved, 1 thread.</summary>
public static class DisposalExperiment
{
    public const string Command = "disposal-experiment";

    public static int Run()
    {
        Threads.Apply(Threads.One);
        var lines = new List<string>();
        foreach (var batch in new[] { 1, 64 })
        {
            torch.manual_seed(42);
            var models = new nn.Module<Tensor, Tensor>[] { new Mlp20(), new HandWrittenMlp20(), new HandWrittenMlp20LateDisposal() };
            foreach (var m in models)
            {
                m.eval();
            }

            using var input = torch.randn(batch, 256);
            var forwards = models.Select(m => (System.Action)(() =>
            {
                using var _ = torch.no_grad();
                using var output = m.call(input);
            })).ToArray();
            lines.Add(InterleavedComparison.Compare(new List<InterleavedComparison.Measurement>(), "inference", NetworkKind.Mlp20, batch.ToString(System.Globalization.CultureInfo.InvariantCulture), Threads.One, forwards, new[] { "NetGen", "hand-written", "hand-written, late disposal" }, 31, System.TimeSpan.FromMilliseconds(300)));
            foreach (var m in models)
            {
                m.Dispose();
            }
        }

        return 0;
    }
}
