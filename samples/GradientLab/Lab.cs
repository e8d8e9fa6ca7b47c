using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NetGen.GradientLab.Analysis;
using NetGen.GradientLab.Data;
using NetGen.GradientLab.Training;

namespace NetGen.GradientLab;

/// <summary>Where and when a run happened, for the report.</summary>
/// <param name="StartedUtc">When training started.</param>
/// <param name="Machine">Processor, cores and operating system.</param>
/// <param name="Runtime">.NET and TorchSharp versions.</param>
public sealed record RunEnvironment(DateTimeOffset StartedUtc, string Machine, string Runtime)
{
    /// <summary>Describes this machine now.</summary>
    public static RunEnvironment Current()
    {
        var cpu = "unknown processor";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        var torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version;
        return new RunEnvironment(
            DateTimeOffset.UtcNow,
            $"{cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}",
            $".NET {Environment.Version}, TorchSharp {torchSharp?.ToString(3)}");
    }
}

/// <summary>Everything one lab run produced.</summary>
/// <param name="Options">The options it ran with.</param>
/// <param name="Results">One result per variant, in catalogue order.</param>
/// <param name="Diagnostics">NetGen's compile-time diagnostics on Variants.cs.</param>
/// <param name="DataSets">A description of each data set used.</param>
/// <param name="Environment">Machine and time.</param>
/// <param name="Seconds">Wall-clock time of training and analysis.</param>
public sealed record LabResult(
    LabOptions Options,
    IReadOnlyList<VariantResult> Results,
    IReadOnlyList<CompileTimeDiagnostic> Diagnostics,
    IReadOnlyList<string> DataSets,
    RunEnvironment Environment,
    double Seconds)
{
    /// <summary>The diagnostics reported on <paramref name="variant"/>'s declaration and on the blocks it uses.</summary>
    /// <param name="variant">A variant.</param>
    public IReadOnlyList<CompileTimeDiagnostic> DiagnosticsFor(LabVariant variant) =>
        Diagnostics.Where(d => variant.DeclaredClasses.Contains(d.NetworkClass)).ToArray();
}

/// <summary>The lab without its console: trains the chosen variants and analyses their declarations.</summary>
public static class Lab
{
    /// <summary>Runs the lab. Deterministic for given options: only <see cref="VariantResult.Seconds"/> varies.</summary>
    /// <param name="options">Epochs, variants, seed and threads (the output folder is not used here).</param>
    /// <param name="progress">Called after every training step, from the training threads.</param>
    /// <param name="cancellationToken">Stops the run between steps.</param>
    /// <param name="analyzeDeclarations">Run NetGen's analyzers on Variants.cs (a few seconds, in parallel with training).</param>
    public static LabResult Run(LabOptions options, Action<TrainingProgress>? progress, CancellationToken cancellationToken, bool analyzeDeclarations = true)
    {
        var environment = RunEnvironment.Current();
        var stopwatch = Stopwatch.StartNew();
        var analysis = analyzeDeclarations
            ? Task.Run(() => CompileTimeDiagnostics.Analyze(CompileTimeDiagnostics.VariantsSource(), cancellationToken), cancellationToken)
            : Task.FromResult<IReadOnlyList<CompileTimeDiagnostic>>([]);

        var tasks = options.Variants.Select(v => v.Task).Distinct().ToArray();
        var data = new Dictionary<LabTask, LabData>();
        try
        {
            foreach (var task in tasks)
            {
                data[task] = task switch
                {
                    LabTask.Spiral => LabDataSets.Spiral(options.Seed),
                    LabTask.DeepNetRegression => LabDataSets.DeepNetRegression(options.Seed),
                    LabTask.Stripes => LabDataSets.Stripes(options.Seed),
                    LabTask.LongSequence => LabDataSets.LongSequence(options.Seed),
                    _ => throw new InvalidOperationException($"no data set for task {task}"),
                };
            }

            var results = new VariantResult?[options.Variants.Count];

            // The most expensive variants start first so that the threads finish close together.
            var queue = options.Variants.Select((variant, slot) => (variant, slot))
                .OrderByDescending(p => p.variant.Task == LabTask.DeepNetRegression)
                .ToArray();
            Parallel.ForEach(
                queue,
                new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellationToken },
                item => results[item.slot] = VariantTrainer.Train(item.variant, data[item.variant.Task], options.Epochs, options.Seed, progress, cancellationToken));

            var diagnostics = analysis.GetAwaiter().GetResult();
            return new LabResult(options, results.Select(r => r!).ToArray(), diagnostics, tasks.Select(t => data[t].Name).ToArray(), environment, stopwatch.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var set in data.Values)
            {
                set.Dispose();
            }
        }
    }
}
