// NetGen's benchmark runner. Everything BenchmarkDotNet accepts passes through (--filter, --list flat, ...);
// these switches are NetGen's own:
//   --quick                  short job (1 warm-up, 3 iterations of 100 ms): a check that finishes in minutes, not a measurement
//   --no-pytorch             skip the PyTorch peer baseline (otherwise run when python3 with torch is present)
//   --pytorch-blas DIR       also run the PyTorch baseline with DIR first on its library path (repeatable)
//   --generator-report       Roslyn's own generator/analyzer clocks and the incremental counts, then exit;
//                            --generator-dll PATH: measure the NetworkGenerator in another build of NetGen.Generator.dll
//   --interleaved            the NetGen / hand-written / Sequential and Adam comparisons with contenders alternating
//                            round by round (robust ratios on a loaded machine), then exit; --adam-only: only the Adam rows,
//                            --no-adam: no Adam rows, --networks A,B (all), --threads 1|default (both)
//   --memory                 the long-run memory check, then exit; with --steps N (10000), --network NAME (DeepNet),
//                            --threads 1|default (1), --adam both|inplace|torchsharp|finalized-scalars|temporaries (both;
//                            the last two are the memory investigation's half-way Adams), --max-rss-mb M (4096: stop a
//                            run whose resident set passes M, the machine is shared)
// Results: the BenchmarkDotNet tables, then NetGen's side-by-side tables (ratios of medians) printed and
// written to BenchmarkDotNet.Artifacts/results/netgen-summary.md.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Running;
using NetGen.Benchmarks.Generator;
using NetGen.Benchmarks.Infrastructure;
using NetGen.Benchmarks.Memory;
using NetGen.Benchmarks.Networks;
using NetGen.Benchmarks.Training;

// Monitoring (docs/gradient-monitoring.md):
// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --filter '*Monitoring*' --job short
// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- memory-soak [steps] [network] [reclaim budget] [history]
// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- monitor-overhead [SimpleNet|DeepNet|both] [rounds]
// Generator cost in a fresh process (benchmarks/scripts/generator-cold.sh runs it for two generator builds):
// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- generator-cold N [--generator-dll PATH]
if (args.FirstOrDefault() == NetGen.Benchmarks.Monitoring.MemorySoak.Command)
{
    return NetGen.Benchmarks.Monitoring.MemorySoak.Run(args.Skip(1).ToArray());
}

// Mlp20 inference: NetGen, hand-written, and hand-written keeping every intermediate until forward returns.
if (args.FirstOrDefault() == NetGen.Benchmarks.Networks.DisposalExperiment.Command)
{
    return NetGen.Benchmarks.Networks.DisposalExperiment.Run();
}

if (args.FirstOrDefault() == NetGen.Benchmarks.Monitoring.MonitoringOverhead.Command)
{
    return NetGen.Benchmarks.Monitoring.MonitoringOverhead.Run(args.Skip(1).ToArray());
}

// Before anything loads libtorch: a fresh process is the point of this one.
if (args.FirstOrDefault() == GeneratorCold.Command)
{
    return GeneratorCold.Run(args.Skip(1).ToArray());
}

var defaultThreads = Threads.DefaultCount; // read libtorch's default before anything changes it
var arguments = args.ToList();
bool Flag(string name) => arguments.Remove(name);
string? Option(string name)
{
    var i = arguments.IndexOf(name);
    if (i < 0)
    {
        return null;
    }

    if (i + 1 >= arguments.Count)
    {
        Fail($"{name} needs a value");
    }

    var value = arguments[i + 1];
    arguments.RemoveRange(i, 2);
    return value;
}

var quick = Flag("--quick");
var noPyTorch = Flag("--no-pytorch");
var blasDirectories = new List<string?> { null };
while (Option("--pytorch-blas") is { } dir)
{
    if (!Directory.Exists(dir))
    {
        Fail($"--pytorch-blas: directory '{dir}' does not exist");
    }

    blasDirectories.Add(Path.GetFullPath(dir));
}

var header = $"Measured {MachineInfo.Describe()}; libtorch default threads {defaultThreads}; {(quick ? "QUICK job (not a measurement)" : "full job")}.";
Console.WriteLine(header);

if (Flag("--generator-report"))
{
    if (Option("--generator-dll") is { } generatorDll)
    {
        if (!File.Exists(generatorDll))
        {
            Fail($"--generator-dll: '{generatorDll}' does not exist");
        }

        NetworkSources.UseGeneratorAssembly(generatorDll);
        header += $" Generator under test: {Path.GetFullPath(generatorDll)}.";
    }

    var lines = GeneratorReport.Run(new[] { 1, 100, 1000 }, repetitions: quick ? 3 : 9);
    Write("netgen-generator-report.md", new[] { header, "" }.Concat(lines));
    return 0;
}

if (Flag("--interleaved"))
{
    var adamOnly = Flag("--adam-only");
    var noAdam = Flag("--no-adam");
    var networks = (Option("--networks") ?? string.Join(',', Enum.GetNames<NetworkKind>())).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(name => Enum.TryParse<NetworkKind>(name, out var kind) ? kind : FailWith<NetworkKind>($"--networks: '{name}' is not one of {string.Join(", ", Enum.GetNames<NetworkKind>())}"))
        .Distinct().ToArray();
    var threadSettings = Option("--threads") switch
    {
        null => Threads.Settings,
        Threads.One => new[] { Threads.One },
        Threads.Default => new[] { Threads.Default },
        var other => FailWith<string[]>($"--threads: '{other}' is neither 1 nor default"),
    };
    var measurements = new List<InterleavedComparison.Measurement>();
    var lines = InterleavedComparison.Run(quick, measurements, networks, threadSettings, modules: !adamOnly, adam: !noAdam).ToList();
    if (!noPyTorch && PyTorchBaseline.FindPython() is { } python)
    {
        var runs = PyTorchBaseline.RunAll(python, blasDirectories, networks.Select(n => n.ToString()), quick, threadSettings);
        lines.Add("");
        lines.AddRange(runs.Select(p => $"PyTorch {p.Torch} on Python {p.Python}, {p.Blas}; one process per thread setting, OPENBLAS_NUM_THREADS matching."));
        lines.AddRange(InterleavedComparison.PyTorchTable(measurements, runs));
    }

    lines.ForEach(Console.WriteLine);
    Write("netgen-interleaved.md", new[] { header, "" }.Concat(lines));
    return 0;
}

if (Flag("--memory"))
{
    var steps = int.Parse(Option("--steps") ?? "10000", System.Globalization.CultureInfo.InvariantCulture);
    var networkName = Option("--network") ?? nameof(NetworkKind.DeepNet);
    if (!Enum.TryParse<NetworkKind>(networkName, out var network))
    {
        Fail($"--network: '{networkName}' is not one of {string.Join(", ", Enum.GetNames<NetworkKind>())}");
    }

    var threads = Option("--threads") ?? Threads.One;
    if (threads is not (Threads.One or Threads.Default))
    {
        Fail($"--threads: '{threads}' is neither 1 nor default");
    }

    var cap = double.Parse(Option("--max-rss-mb") ?? "4096", System.Globalization.CultureInfo.InvariantCulture);
    var adams = (Option("--adam") ?? "both") switch
    {
        "both" => new[] { AdamKind.InPlace, AdamKind.TorchSharp },
        "inplace" => new[] { AdamKind.InPlace },
        "torchsharp" => new[] { AdamKind.TorchSharp },
        "finalized-scalars" => new[] { AdamKind.FinalizedScalars },
        "temporaries" => new[] { AdamKind.Temporaries },
        var other => FailWith<AdamKind[]>($"--adam: '{other}' is not one of both, inplace, torchsharp, finalized-scalars, temporaries"),
    };
    var results = adams.Select(adam => MemoryRun.Run(network, adam, threads, steps, cap)).ToList();
    var lines = MemoryRun.Table(results).ToList();
    if (!noPyTorch && PyTorchBaseline.FindPython() is { } python)
    {
        foreach (var blas in blasDirectories)
        {
            var run = PyTorchBaseline.RunMemory(python, blas, network.ToString(), threads, steps);
            var m = run.Memory!.Value;
            double Mb(string p) => m.GetProperty(p).GetDouble();
            lines.Add($"| {network} | PyTorch {run.Torch} Adam ({run.Label}) | {threads} | {steps:N0} | {Mb("start_mb"):F0} | {Mb("end_mb"):F0} | {Mb("max_mb"):F0} | {Mb("end_mb") / Mb("start_mb"):F2}x | – | – |");
        }
    }

    Console.WriteLine();
    lines.ForEach(Console.WriteLine);
    Write("netgen-memory.md", new[] { header, "" }.Concat(lines));
    return 0;
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(arguments.ToArray(), BenchmarkConfig.Create(quick)).ToList();
if (summaries.Count == 0 || summaries.All(s => s.Reports.Length == 0))
{
    return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
}

var ranNetworks = summaries.SelectMany(s => s.Reports).Select(r => r.BenchmarkCase)
    .Where(c => c.Descriptor.Type != typeof(GeneratorCostBenchmarks))
    .Select(c => c.Parameters.Items.FirstOrDefault(p => p.Name == "Network")?.Value?.ToString())
    .OfType<string>().Distinct().ToList();
var pytorch = new List<PyTorchRun>();
if (!noPyTorch && ranNetworks.Count > 0)
{
    if (PyTorchBaseline.FindPython() is { } python)
    {
        pytorch.AddRange(PyTorchBaseline.RunAll(python, blasDirectories, ranNetworks, quick));
    }
    else
    {
        Console.WriteLine("PyTorch baseline skipped: no python3 with torch found (Debian: apt-get install python3-torch).");
    }
}

var tables = new List<string> { header, "" };
tables.AddRange(pytorch.Select(p => $"PyTorch {p.Torch} on Python {p.Python}, {p.Blas}; one process per thread setting, OPENBLAS_NUM_THREADS matching."));
tables.Add("");
tables.AddRange(new ResultTables(summaries, pytorch).All());
Console.WriteLine();
tables.ForEach(Console.WriteLine);
Write("netgen-summary.md", tables);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;

static void Write(string name, IEnumerable<string> lines)
{
    var directory = Path.Combine("BenchmarkDotNet.Artifacts", "results");
    Directory.CreateDirectory(directory);
    var path = Path.Combine(directory, name);
    File.WriteAllLines(path, lines);
    Console.WriteLine($"Written {Path.GetFullPath(path)}");
}

[System.Diagnostics.CodeAnalysis.DoesNotReturn]
static void Fail(string message)
{
    Console.Error.WriteLine("error: " + message);
    Environment.Exit(2);
}

static T FailWith<T>(string message)
{
    Fail(message);
    return default!;
}
