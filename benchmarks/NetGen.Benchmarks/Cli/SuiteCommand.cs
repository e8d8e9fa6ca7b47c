using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Running;
using NetGen.Benchmarks.Generator;
using NetGen.Benchmarks.Infrastructure;
using Spectre.Console.Cli;

namespace NetGen.Benchmarks.Cli;

/// <summary>
/// <c>suite [--quick] [--no-pytorch] [-- BenchmarkDotNet arguments]</c>: the BenchmarkDotNet tables, then NetGen's
/// side-by-side tables (ratios of medians) printed and written to BenchmarkDotNet.Artifacts/results/netgen-summary.md.
/// </summary>
public sealed class SuiteCommand : Command<SuiteCommand.Settings>
{
    public sealed class Settings : MeasureSettings
    {
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var header = settings.Header();
        Console.WriteLine(header);
        var arguments = context.Remaining.Raw.ToArray();
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(SuiteCommand).Assembly).Run(arguments, BenchmarkConfig.Create(settings.Quick)).ToList();
        if (summaries.Count == 0 || summaries.All(s => s.Reports.Length == 0))
        {
            return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
        }

        var ranNetworks = summaries.SelectMany(s => s.Reports).Select(r => r.BenchmarkCase)
            .Where(c => c.Descriptor.Type != typeof(GeneratorCostBenchmarks))
            .Select(c => c.Parameters.Items.FirstOrDefault(p => p.Name == "Network")?.Value?.ToString())
            .OfType<string>().Distinct().ToList();
        var pytorch = new List<PyTorchRun>();
        if (!settings.NoPyTorch && ranNetworks.Count > 0)
        {
            if (PyTorchBaseline.FindPython() is { } python)
            {
                pytorch.AddRange(PyTorchBaseline.RunAll(python, settings.BlasDirectories, ranNetworks, settings.Quick));
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
        BenchmarkApp.Write("netgen-summary.md", tables);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
