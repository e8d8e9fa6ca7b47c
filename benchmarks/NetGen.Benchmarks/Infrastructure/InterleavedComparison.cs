using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Benchmarks.Inference;
using NetGen.Benchmarks.Networks;
using NetGen.Benchmarks.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>
/// <c>interleaved</c>: the contenders of each comparison alternate round by round (order rotating), PyTorch included
/// through a long-lived worker process, so every contender meets the same background load. BenchmarkDotNet measures one
/// case after another, and on a shared machine a change of load between two cases shows up as a difference between them.
/// Each row reports the process CPU time per call (the steadier measure on a loaded machine; for PyTorch, its own
/// process's) and, for every contender, the first contender's time divided by its time, as the median of the per-round
/// ratios with the 25th and 75th percentiles: the spread says how much the verdict depends on the minute it ran.
/// </summary>
public static class InterleavedComparison
{
    public static IReadOnlyList<string> Run(bool quick, IReadOnlyCollection<NetworkKind> networks, IReadOnlyList<string> threadSettings, bool modules, bool optimizers, bool variants, string? python, bool fixedHeap, NetGen.Training.AdamSquareRoot squareRoot)
    {
        var rounds = quick ? 5 : 31;
        var roundTime = TimeSpan.FromMilliseconds(quick ? 100 : 300);
        var warmup = TimeSpan.FromMilliseconds(quick ? 200 : 1000);
        var lines = new List<string>
        {
            $"Interleaved: {rounds} rounds of about {roundTime.TotalMilliseconds:F0} ms per contender, order rotating each round; times are process CPU time per call (median over rounds), wall time beside it.",
            "",
        };
        var table = new List<string>
        {
            "| benchmark | network | batch | threads | contender | CPU ms per call | wall ms per call | first contender / this (CPU, median of round ratios) | 25th–75th percentile |",
            "|---|---|---:|---|---|---:|---:|---:|---|",
        };

        foreach (var threads in threadSettings)
        {
            Threads.Apply(threads);
            using var worker = python is null ? null : new PyTorchWorker(python, threads, fixedHeap);
            if (worker is not null)
            {
                lines.Add($"PyTorch {worker.Torch} on Python {worker.Python}, {worker.Blas}; a worker process per thread setting (OPENBLAS_NUM_THREADS matching), taking its turn in every round.");
            }

            Contender[] WithPyTorch(IEnumerable<Contender> local, string benchmark, NetworkKind network, int? batch) =>
                worker is null ? local.ToArray() : local.Append(worker.Contender($"PyTorch {worker.Torch}", benchmark, network.ToString(), batch)).ToArray();

            foreach (var network in modules ? networks : Array.Empty<NetworkKind>())
            {
                var sessions = Enum.GetValues<Implementation>().Select(i => new TrainingSession(network, i)).ToList();
                table.AddRange(Compare("training step", network, "", threads, WithPyTorch(sessions.Select((s, k) => Contender.Local(Names[k], s.Step)), "Training", network, null), rounds, roundTime, warmup));
                sessions.ForEach(s => s.Dispose());

                foreach (var batch in new[] { 1, 64 })
                {
                    var models = Enum.GetValues<Implementation>().Select(i => BenchmarkNetworks.Create(network, i)).ToList();
                    models.ForEach(m => m.Module.eval());
                    using var input = torch.randn(BenchmarkNetworks.Setup(network).InputShape(batch));
                    var forwards = models.Select((m, k) => Contender.Local(Names[k], () =>
                    {
                        using var _ = torch.no_grad();
                        using var output = m.Module.call(input);
                    }));

                    // NetGen's other inference route: the same weights exported with ExportOnnx, run by ONNX Runtime through
                    // NetGen.Inference's OnnxNetwork into a preallocated output.
                    var setup = BenchmarkNetworks.Setup(network);
                    using var onnx = new BenchmarkOnnxNetwork(models[0].Module.ToOnnxBytes(), setup, BenchmarkOnnxNetwork.Options(threads));
                    var values = input.data<float>().ToArray();
                    var outputs = new float[batch * setup.Outputs];
                    forwards = forwards.Append(Contender.Local("NetGen ONNX Runtime", () => onnx.Run(values, outputs)));
                    table.AddRange(Compare("inference", network, batch.ToString(CultureInfo.InvariantCulture), threads, WithPyTorch(forwards, "Inference", network, batch), rounds, roundTime, warmup));
                    models.ForEach(m => m.Dispose());
                }
            }

            if (variants)
            {
                // The generated SimpleNet against the hand-written one with call() and the in-place ReLU switched on one at a
                // time, with TorchSharp's Adam (whose double arguments leave Scalars for the finalizer) and with FusedAdam's
                // plain step() (which leaves none).
                foreach (var adam in new[] { AdamKind.TorchSharp, AdamKind.FusedPlain })
                {
                    var flags = new[] { (false, false), (true, false), (false, true), (true, true) };
                    var sessions = flags.Select(f => new TrainingSession(NetworkKind.SimpleNet, SimpleNetVariant.Create(f.Item1, f.Item2), adam, squareRoot))
                        .Prepend(new TrainingSession(NetworkKind.SimpleNet, BenchmarkNetworks.Create(NetworkKind.SimpleNet, Implementation.NetGen), adam, squareRoot)).ToList();
                    var names = flags.Select(f => SimpleNetVariant.Describe(f.Item1, f.Item2)).Prepend("NetGen").ToArray();
                    table.AddRange(Compare($"training step, {TrainingSession.Describe(adam)}", NetworkKind.SimpleNet, "", threads, sessions.Select((s, k) => Contender.Local(names[k], s.Step)).ToArray(), rounds, roundTime, warmup));
                    sessions.ForEach(s => s.Dispose());
                }
            }

            foreach (var network in optimizers ? new[] { NetworkKind.SimpleNet, NetworkKind.DeepNet, NetworkKind.Mlp20, NetworkKind.ConvNet }.Where(networks.Contains) : Array.Empty<NetworkKind>())
            {
                var kinds = new[] { AdamKind.Fused, AdamKind.FusedFullGradients, AdamKind.InPlace, AdamKind.TorchSharp };
                var sessions = kinds.Select(a => new TrainingSession(network, Implementation.NetGen, a, squareRoot)).ToList();
                table.AddRange(Compare("training step, Adam", network, "", threads, WithPyTorch(sessions.Select((s, k) => Contender.Local(TrainingSession.Describe(kinds[k]), s.Step)), "Training", network, null), rounds, roundTime, warmup));

                // The update rows run every optimiser once on materialised gradients; the two TrainStep sessions share FusedAdam's.
                sessions[1].Dispose();
                sessions.RemoveAt(1);
                kinds = kinds.Where(k => k != AdamKind.FusedFullGradients).ToArray();

                // The update alone (clipping included where declared), and libtorch's copy_ of as many bytes as the fused
                // update moves: it reads parameter, gradient and both moments and writes parameter and moments, 28 bytes
                // per parameter, as a copy of 3.5 parameter-sized tensors reads 14 and writes 14.
                sessions.ForEach(s => s.ComputeGradients());
                var floats = sessions[0].ParameterCount * 7 / 2;
                using var source = torch.rand(floats);
                using var destination = torch.empty(floats);
                var update = sessions.Select((s, k) => Contender.Local(TrainingSession.Describe(kinds[k]).Replace(", TrainStep", "", StringComparison.Ordinal), s.OptimizerStep))
                    .Append(Contender.Local($"libtorch copy_ of {floats * 8 / 1e6:F1} MB moved", () => destination.copy_(source)));
                table.AddRange(Compare("Adam update" + (BenchmarkNetworks.Setup(network).ClipNorm is null ? "" : " + clipping"), network, "", threads, WithPyTorch(update, "Update", network, null), rounds, roundTime, warmup));
                sessions.ForEach(s => s.Dispose());
            }
        }

        lines.Add("");
        lines.AddRange(table);
        return lines;
    }

    private static readonly string[] Names = { "NetGen", "hand-written", "Sequential" };

    private static IEnumerable<string> Compare(string benchmark, NetworkKind network, string batch, string threads, Contender[] contenders, int rounds, TimeSpan roundTime, TimeSpan warmup)
    {
        var calls = contenders.Select(c => c.Calibrate(warmup, roundTime)).ToArray();
        var wall = contenders.Select(_ => new List<double>()).ToArray();
        var cpu = contenders.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < contenders.Length; k++)
            {
                var i = (round + k) % contenders.Length;
                var (w, c) = contenders[i].Run(calls[i]);
                wall[i].Add(w);
                cpu[i].Add(c);
            }
        }

        foreach (var c in contenders)
        {
            c.Release?.Invoke();
        }

        for (var i = 0; i < contenders.Length; i++)
        {
            var ratios = cpu[0].Zip(cpu[i], (a, b) => a / b).OrderBy(r => r).ToArray();
            var line = $"| {benchmark} | {network} | {batch} | {threads} | {contenders[i].Name} | {Ms(Median(cpu[i]))} | {Ms(Median(wall[i]))} | " +
                (i == 0 ? "– | – |" : $"{F(Percentile(ratios, 0.5))} | {F(Percentile(ratios, 0.25))}–{F(Percentile(ratios, 0.75))} |");
            Console.WriteLine(line);
            yield return line;
        }

        static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        static string Ms(double v) => v.ToString(v >= 10 ? "F2" : "F4", CultureInfo.InvariantCulture);
    }

    private static double Median(IEnumerable<double> values) => Percentile(values.OrderBy(v => v).ToArray(), 0.5);

    /// <summary>Linear interpolation between the closest ranks of a sorted array.</summary>
    private static double Percentile(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
