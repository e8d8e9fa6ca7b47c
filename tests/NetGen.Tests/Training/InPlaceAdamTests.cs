using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Tests.Networks;
using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace NetGen.Tests.Training;

/// <summary>
/// <see cref="InPlaceAdam"/> must compute the same updates as TorchSharp's Adam: two identically
/// initialised SimpleNets trained on the same batches, one with each optimiser, are compared after every step. Seeded from
/// TorchSharp's global generator, so in the collection that runs alone.
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public class InPlaceAdamTests
{
    private const int Steps = 20;
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public InPlaceAdamTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    [Fact]
    public void Twenty_steps_match_TorchSharps_Adam_parameter_for_parameter()
    {
        var (reference, candidate) = TrainPair(m => torch.optim.Adam(m.parameters(), lr: 1e-3), m => new InPlaceAdam(m.parameters(), lr: 1e-3));

        // Same kernels in the same order on the same values: observed 0 (bit-identical) on this machine.
        Assert.Equal(Steps, reference.Count);
        var worst = reference.Zip(candidate, MaxAbsDifference).Max();
        _output.WriteLine($"max |Δparameter| over {Steps} steps: {worst:E3}");
        Assert.True(worst <= 1e-7, $"max |Δ| {worst:E3}");
        // The parameters really moved: a parity test of an optimiser that does nothing would pass too.
        Assert.True(MaxAbsDifference(reference[0], reference[^1]) > 1e-3);
    }

    [Fact]
    public void Optimiser_state_is_TorchSharps_Adam_state()
    {
        torch.manual_seed(3);
        using var model = new SimpleNet();
        using var optimizer = new InPlaceAdam(model.parameters(), lr: 1e-2);
        using var loss = TrainStep(model, optimizer, Batch(0));

        var states = optimizer.state_dict().State.Cast<Adam.State>().ToList();
        Assert.Equal(model.parameters().Count(), states.Count);
        Assert.All(states, s => Assert.Equal(1, s.step));
        // After one step from zero state, m = (1-β₁)·g exactly.
        var fc3Weight = model.fc3.weight!;
        using var grad = fc3Weight.grad!;
        var fc3State = states[model.parameters().ToList().FindIndex(p => p.Handle == fc3Weight.Handle)];
        using var expected = grad * 0.1;
        Assert.True(fc3State.exp_avg.allclose(expected, rtol: 1e-6, atol: 1e-9));
    }

    [Fact]
    public void Groups_with_their_own_learning_rate_and_the_weight_decay_fallback_match_TorchSharps_Adam()
    {
        static IEnumerable<Adam.ParamGroup> Groups(SimpleNet model) => new[]
        {
            new Adam.ParamGroup(model.fc1.parameters(), new Adam.Options { LearningRate = 1e-2 }),
            new Adam.ParamGroup(model.bn1.parameters().Concat(model.fc2.parameters()).Concat(model.bn2.parameters()).Concat(model.fc3.parameters()), new Adam.Options { LearningRate = 1e-4 }),
        };

        var (reference, candidate) = TrainPair(m => torch.optim.Adam(Groups(m)), m => new InPlaceAdam(Groups(m)));
        Assert.True(MaxAbsDifference(reference[^1], candidate[^1]) <= 1e-7);

        // weight_decay is not on the in-place path: the step must fall back to TorchSharp's, not ignore it.
        var (decayed, decayedCandidate) = TrainPair(
            m => torch.optim.Adam(m.parameters(), lr: 1e-3, weight_decay: 0.1),
            m => { var o = new InPlaceAdam(m.parameters(), lr: 1e-3); foreach (var g in o.ParamGroups) { ((Adam.Options)((Adam.ParamGroup)g).Options).weight_decay = 0.1; } return o; });
        Assert.True(MaxAbsDifference(decayed[^1], decayedCandidate[^1]) <= 1e-7);
        Assert.True(MaxAbsDifference(decayed[^1], reference[^1]) > 1e-6, "weight decay had no effect");
    }

    private static (List<float[]> Reference, List<float[]> Candidate) TrainPair(
        Func<SimpleNet, TorchSharp.Modules.Adam> referenceOptimizer, Func<SimpleNet, TorchSharp.Modules.Adam> candidateOptimizer) =>
        (Train(referenceOptimizer), Train(candidateOptimizer));

    private static List<float[]> Train(Func<SimpleNet, TorchSharp.Modules.Adam> makeOptimizer) =>
        TrainWith(m => makeOptimizer(m));

    private static List<float[]> TrainWith(Func<SimpleNet, optim.Optimizer> makeOptimizer)
    {
        torch.manual_seed(7);
        using var model = new SimpleNet();
        using var optimizer = makeOptimizer(model);
        var snapshots = new List<float[]>();
        for (var step = 0; step < Steps; step++)
        {
            using var loss = TrainStep(model, optimizer, Batch(step));
            snapshots.Add(Flatten(model));
        }

        return snapshots;
    }

    private static Tensor TrainStep(SimpleNet model, optim.Optimizer optimizer, (Tensor X, Tensor Y) batch)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var loss = torch.nn.functional.cross_entropy(model.call(batch.X), batch.Y);
        loss.backward();
        optimizer.step();
        return loss.MoveToOuterDisposeScope();
    }

    private static (Tensor X, Tensor Y) Batch(int step)
    {
        var generator = new torch.Generator((ulong)(1000 + step));
        return (torch.randn(new long[] { 64, 784 }, generator: generator), torch.randint(0, 10, new long[] { 64 }, generator: generator));
    }

    private static float[] Flatten(SimpleNet model)
    {
        using var scope = torch.NewDisposeScope();
        return torch.cat(model.parameters().Select(p => p.detach().flatten()).ToList(), 0).data<float>().ToArray();
    }

    private static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }
}
