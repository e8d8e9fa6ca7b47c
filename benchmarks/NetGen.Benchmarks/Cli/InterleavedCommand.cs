using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Threading;
using NetGen.Benchmarks.Infrastructure;
using NetGen.Benchmarks.Networks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace NetGen.Benchmarks.Cli;

/// <summary><c>interleaved</c>: see <see cref="InterleavedComparison"/>.</summary>
public sealed class InterleavedCommand : Command<InterleavedCommand.Settings>
{
    public sealed class Settings : MeasureSettings
    {
        [CommandOption("--networks <LIST>")]
        [Description("Comma-separated: SimpleNet, DeepNet, Mlp20, ConvNet (default: all).")]
        public string? Networks { get; init; }

        [CommandOption("--threads <SETTING>")]
        [Description("1, default (libtorch's own count) or both.")]
        [DefaultValue("both")]
        public string Threads { get; init; } = "both";

        [CommandOption("--rows <ROWS>")]
        [Description("modules (NetGen / hand-written / Sequential), optimizers (the optimiser rows) or all.")]
        [DefaultValue("all")]
        public string Rows { get; init; } = "all";

        public override ValidationResult Validate()
        {
            if (!OptionValues.TryNetworks(Networks, out _, out var error))
            {
                return ValidationResult.Error(error);
            }

            if (OptionValues.ThreadSettings(Threads) is null)
            {
                return ValidationResult.Error($"--threads: '{Threads}' is not one of 1, default, both");
            }

            if (PyTorchBlas.Length > 0)
            {
                return ValidationResult.Error("--pytorch-blas: the interleaved PyTorch worker uses the system's BLAS; the option applies to the suite command");
            }

            return Rows is "modules" or "optimizers" or "all"
                ? base.Validate()
                : ValidationResult.Error($"--rows: '{Rows}' is not one of modules, optimizers, all");
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var header = settings.Header();
        Console.WriteLine(header);
        OptionValues.TryNetworks(settings.Networks, out var networks, out _);
        var threadSettings = OptionValues.ThreadSettings(settings.Threads)!;
        var python = settings.NoPyTorch ? null : PyTorchBaseline.FindPython();
        if (!settings.NoPyTorch && python is null)
        {
            Console.WriteLine("PyTorch baseline skipped: no python3 with torch found (Debian: apt-get install python3-torch).");
        }

        var lines = InterleavedComparison.Run(settings.Quick, networks, threadSettings, modules: settings.Rows != "optimizers", optimizers: settings.Rows != "modules", python).ToList();
        lines.ForEach(Console.WriteLine);
        BenchmarkApp.Write("netgen-interleaved.md", new[] { header, "" }.Concat(lines));
        return 0;
    }
}
