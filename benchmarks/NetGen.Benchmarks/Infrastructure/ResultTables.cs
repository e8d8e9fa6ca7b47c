using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Reports;

namespace NetGen.Benchmarks.Infrastructure;

/// <summary>
/// Turns BenchmarkDotNet's reports and the PyTorch runs into the side-by-side tables of docs/performance.md:
/// medians in milliseconds and ratios of medians (BenchmarkDotNet's own Ratio column is a mean of ratios).
/// </summary>
public sealed class ResultTables
{
    private readonly Dictionary<(string Class, string Method, string Network, string Threads, string Batch), double> _medians = new();
    private readonly IReadOnlyList<PyTorchRun> _pytorch;

    public ResultTables(IEnumerable<Summary> summaries, IReadOnlyList<PyTorchRun> pytorch)
    {
        _pytorch = pytorch;
        foreach (var report in summaries.SelectMany(s => s.Reports))
        {
            if (report.ResultStatistics is not { } stats)
            {
                continue;
            }

            var c = report.BenchmarkCase;
            string Param(string name) => c.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value?.ToString() ?? "";
            var networkOrSize = Param("Network") is { Length: > 0 } network ? network : Param("Networks");
            _medians[(c.Descriptor.Type.Name, c.Descriptor.WorkloadMethod.Name, networkOrSize, Param("Threads"), Param("Batch"))] = stats.Median / 1e6;
        }
    }

    public IEnumerable<string> All()
    {
        return Training().Concat(Inference()).Concat(OnnxRuntime()).Concat(Adam()).Concat(Generator());
    }

    private IEnumerable<string> Training()
    {
        var rows = Keys("TrainingStepBenchmarks").ToList();
        if (rows.Count == 0)
        {
            yield break;
        }

        yield return "### Training step (ms, median) and ratios of medians";
        yield return "";
        var torchColumns = _pytorch.Select(p => $"PyTorch {p.Torch} ({p.Label}) | NetGen / PyTorch ({p.Label})").ToList();
        yield return "| network | threads | NetGen | hand-written | Sequential | NetGen / hand-written | NetGen / Sequential |" + string.Concat(torchColumns.Select(c => $" {c} |"));
        yield return "|---|---|---:|---:|---:|---:|---:|" + string.Concat(torchColumns.Select(_ => "---:|---:|"));
        foreach (var (network, threads, _) in rows)
        {
            var netgen = Get("TrainingStepBenchmarks", "NetGen", network, threads);
            var hand = Get("TrainingStepBenchmarks", "HandWritten", network, threads);
            var seq = Get("TrainingStepBenchmarks", "Sequential", network, threads);
            var torch = _pytorch.Select(p => Torch(p, "Training", network, threads, null)).ToList();
            yield return $"| {network} | {threads} | {Ms(netgen)} | {Ms(hand)} | {Ms(seq)} | {Ratio(netgen, hand)} | {Ratio(netgen, seq)} |" +
                string.Concat(torch.Select(t => $" {Ms(t)} | {Ratio(netgen, t)} |"));
        }

        yield return "";
    }

    private IEnumerable<string> Inference()
    {
        var rows = Keys("InferenceBenchmarks").ToList();
        if (rows.Count == 0)
        {
            yield break;
        }

        yield return "### Inference, eval() + no_grad (ms, median) and ratios of medians";
        yield return "";
        var torchColumns = _pytorch.Select(p => $"PyTorch ({p.Label}) | NetGen / PyTorch ({p.Label})").ToList();
        yield return "| network | batch | threads | NetGen | hand-written | Sequential | NetGen / hand-written | NetGen / Sequential |" + string.Concat(torchColumns.Select(c => $" {c} |"));
        yield return "|---|---:|---|---:|---:|---:|---:|---:|" + string.Concat(torchColumns.Select(_ => "---:|---:|"));
        foreach (var (network, threads, batch) in rows)
        {
            var netgen = Get("InferenceBenchmarks", "NetGen", network, threads, batch);
            var hand = Get("InferenceBenchmarks", "HandWritten", network, threads, batch);
            var seq = Get("InferenceBenchmarks", "Sequential", network, threads, batch);
            var torch = _pytorch.Select(p => Torch(p, "Inference", network, threads, int.Parse(batch, CultureInfo.InvariantCulture))).ToList();
            yield return $"| {network} | {batch} | {threads} | {Ms(netgen, 4)} | {Ms(hand, 4)} | {Ms(seq, 4)} | {Ratio(netgen, hand)} | {Ratio(netgen, seq)} |" +
                string.Concat(torch.Select(t => $" {Ms(t, 4)} | {Ratio(netgen, t)} |"));
        }

        yield return "";
    }

    private IEnumerable<string> OnnxRuntime()
    {
        var rows = Keys("OnnxRuntimeBenchmarks").ToList();
        if (rows.Count == 0)
        {
            yield break;
        }

        yield return "### Inference in ONNX Runtime against NetGen on TorchSharp (ms, median) and ratios of medians";
        yield return "";
        var torchColumns = _pytorch.Select(p => $"PyTorch ({p.Label}) | ONNX Runtime / PyTorch ({p.Label})").ToList();
        yield return "| network | batch | threads | NetGen on TorchSharp | ONNX Runtime | ONNX Runtime / TorchSharp |" + string.Concat(torchColumns.Select(c => $" {c} |"));
        yield return "|---|---:|---|---:|---:|---:|" + string.Concat(torchColumns.Select(_ => "---:|---:|"));
        foreach (var (network, threads, batch) in rows)
        {
            var torchSharp = Get("OnnxRuntimeBenchmarks", "TorchSharp", network, threads, batch);
            var ort = Get("OnnxRuntimeBenchmarks", "OnnxRuntime", network, threads, batch);
            var torch = _pytorch.Select(p => Torch(p, "Inference", network, threads, int.Parse(batch, CultureInfo.InvariantCulture))).ToList();
            yield return $"| {network} | {batch} | {threads} | {Ms(torchSharp, 4)} | {Ms(ort, 4)} | {Ratio(ort, torchSharp)} |" +
                string.Concat(torch.Select(t => $" {Ms(t, 4)} | {Ratio(ort, t)} |"));
        }

        yield return "";
    }

    private IEnumerable<string> Adam()
    {
        var rows = Keys("AdamBenchmarks").ToList();
        if (rows.Count == 0)
        {
            yield break;
        }

        yield return "### Adam: TorchSharp's against NetGen's InPlaceAdam (ms, median), NetGen modules";
        yield return "";
        var torchColumns = _pytorch.Select(p => $"PyTorch Adam update ({p.Label})").ToList();
        yield return "| network | threads | update: TorchSharp Adam | update: InPlaceAdam | InPlace / TorchSharp |" + string.Concat(torchColumns.Select(c => $" {c} |")) +
            " step: TorchSharp Adam | step: InPlaceAdam | InPlace / TorchSharp |" + string.Concat(_pytorch.Select(p => $" step: PyTorch ({p.Label}) | InPlace step / PyTorch ({p.Label}) |"));
        yield return "|---|---|---:|---:|---:|" + string.Concat(torchColumns.Select(_ => "---:|")) + "---:|---:|---:|" + string.Concat(_pytorch.Select(_ => "---:|---:|"));
        foreach (var (network, threads, _) in rows)
        {
            var tsUpdate = Get("AdamBenchmarks", "TorchSharpAdamUpdate", network, threads);
            var ipUpdate = Get("AdamBenchmarks", "InPlaceAdamUpdate", network, threads);
            var tsStep = Get("AdamBenchmarks", "TorchSharpAdamTrainingStep", network, threads);
            var ipStep = Get("AdamBenchmarks", "InPlaceAdamTrainingStep", network, threads);
            yield return $"| {network} | {threads} | {Ms(tsUpdate)} | {Ms(ipUpdate)} | {Ratio(ipUpdate, tsUpdate)} |" +
                string.Concat(_pytorch.Select(p => $" {Ms(Torch(p, "AdamUpdate", network, threads, null))} |")) +
                $" {Ms(tsStep)} | {Ms(ipStep)} | {Ratio(ipStep, tsStep)} |" +
                string.Concat(_pytorch.Select(p => { var t = Torch(p, "Training", network, threads, null); return $" {Ms(t)} | {Ratio(ipStep, t)} |"; }));
        }

        yield return "";
    }

    private IEnumerable<string> Generator()
    {
        var sizes = _medians.Keys.Where(k => k.Class == "GeneratorCostBenchmarks").Select(k => k.Network).Distinct()
            .OrderBy(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        if (sizes.Count == 0)
        {
            yield break;
        }

        yield return "### Generator and analyzer cost, in process (ms, median)";
        yield return "";
        yield return "| network classes | compilation alone | generator, full run | generator per class | analyzer, full run (compilation included) | analyzer minus compilation, per class | generator after unrelated edit | generator after one network's edit |";
        yield return "|---:|---:|---:|---:|---:|---:|---:|---:|";
        foreach (var size in sizes)
        {
            var n = int.Parse(size, CultureInfo.InvariantCulture);
            var compilation = Get("GeneratorCostBenchmarks", "Compilation", size, "");
            var generator = Get("GeneratorCostBenchmarks", "GeneratorFullRun", size, "");
            var analyzer = Get("GeneratorCostBenchmarks", "AnalyzerFullRun", size, "");
            var unrelated = Get("GeneratorCostBenchmarks", "GeneratorAfterUnrelatedEdit", size, "");
            var edit = Get("GeneratorCostBenchmarks", "GeneratorAfterOneNetworkEdit", size, "");
            yield return $"| {n:N0} | {Ms(compilation)} | {Ms(generator)} | {Ms(generator / n, 4)} | {Ms(analyzer)} | {Ms((analyzer - compilation) / n, 4)} | {Ms(unrelated)} | {Ms(edit)} |";
        }

        yield return "";
    }

    private IEnumerable<(string Network, string Threads, string Batch)> Keys(string benchmarkClass) =>
        _medians.Keys.Where(k => k.Class == benchmarkClass)
            .Select(k => (k.Network, k.Threads, k.Batch)).Distinct()
            .OrderBy(k => k.Network).ThenBy(k => k.Batch.Length).ThenBy(k => k.Batch).ThenBy(k => k.Threads == Threads.One ? 0 : 1);

    private double? Get(string benchmarkClass, string method, string network, string threads, string batch = "") =>
        _medians.TryGetValue((benchmarkClass, method, network, threads, batch), out var v) ? v : null;

    private static double? Torch(PyTorchRun run, string benchmark, string network, string threads, int? batch) =>
        run.Results.FirstOrDefault(r => r.Benchmark == benchmark && r.Network == network && r.Threads == threads && r.Batch == batch)?.MedianMs;

    private static string Ms(double? value, int digits = 3) =>
        value is { } v ? v.ToString(v >= 100 ? "F1" : v >= 10 ? "F2" : "F" + digits, CultureInfo.InvariantCulture) : "–";

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 ? (n / d).ToString("F2", CultureInfo.InvariantCulture) : "–";
}
