using System;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Threading;
using NetGen.Benchmarks.Generator;
using NetGen.Benchmarks.Monitoring;
using Spectre.Console;
using Spectre.Console.Cli;

namespace NetGen.Benchmarks.Cli;

/// <summary><c>monitor-overhead</c>: see <see cref="MonitoringOverhead"/>.</summary>
public sealed class MonitorOverheadCommand : Command<MonitorOverheadCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--network <NAME>")]
        [Description("SimpleNet, DeepNet or both.")]
        [DefaultValue("both")]
        public string Network { get; init; } = "both";

        [CommandOption("--rounds <N>")]
        [Description("Rounds of 10-step blocks per arm, at least 5 (default: 200 for SimpleNet, 40 for DeepNet).")]
        public int? Rounds { get; init; }

        public override ValidationResult Validate() =>
            Network is not ("SimpleNet" or "DeepNet" or "both") ? ValidationResult.Error($"--network: '{Network}' is not one of SimpleNet, DeepNet, both")
            : Rounds is < 5 ? ValidationResult.Error($"--rounds: {Rounds} is fewer than 5")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        MonitoringOverhead.Run(settings.Network, settings.Rounds);
}

/// <summary>Options of the two generator commands.</summary>
public class GeneratorSettings : CommandSettings
{
    [CommandOption("--generator-dll <PATH>")]
    [Description("Measure the NetworkGenerator in another build of NetGen.Generator.dll.")]
    public string? GeneratorDll { get; init; }

    public override ValidationResult Validate() =>
        GeneratorDll is { } dll && !File.Exists(dll)
            ? ValidationResult.Error($"--generator-dll: '{dll}' does not exist")
            : ValidationResult.Success();

    /// <summary>Loads the generator under test; returns its description for the header.</summary>
    public string UseGenerator()
    {
        if (GeneratorDll is null)
        {
            return "";
        }

        NetworkSources.UseGeneratorAssembly(GeneratorDll);
        return $" Generator under test: {Path.GetFullPath(GeneratorDll)}.";
    }
}

/// <summary><c>generator-report</c>: see <see cref="GeneratorReport"/>.</summary>
public sealed class GeneratorReportCommand : Command<GeneratorReportCommand.Settings>
{
    public sealed class Settings : GeneratorSettings
    {
        [CommandOption("--quick")]
        [Description("3 repetitions instead of 9.")]
        public bool Quick { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var header = $"Measured {Infrastructure.MachineInfo.Describe()}; {(settings.Quick ? "QUICK job (not a measurement)" : "full job")}." + settings.UseGenerator();
        Console.WriteLine(header);
        var lines = GeneratorReport.Run(new[] { 1, 100, 1000 }, repetitions: settings.Quick ? 3 : 9);
        BenchmarkApp.Write("netgen-generator-report.md", new[] { header, "" }.Concat(lines));
        return 0;
    }
}

/// <summary><c>generator-cold &lt;N&gt;</c>: see <see cref="GeneratorCold"/>. Runs before anything loads libtorch: a fresh process is the point.</summary>
public sealed class GeneratorColdCommand : Command<GeneratorColdCommand.Settings>
{
    public sealed class Settings : GeneratorSettings
    {
        [CommandArgument(0, "<N>")]
        [Description("The number of network classes to generate, at least 1.")]
        public int Count { get; init; }

        public override ValidationResult Validate() =>
            Count < 1 ? ValidationResult.Error($"N: {Count} is less than 1") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.UseGenerator();
        return GeneratorCold.Run(settings.Count);
    }
}
