using System;
using System.ComponentModel;
using System.Linq;
using System.Threading;
using NetGen.Benchmarks.Kernels;
using Spectre.Console;
using Spectre.Console.Cli;

namespace NetGen.Benchmarks.Cli;

/// <summary><c>ops</c>: see <see cref="LayerOps"/>.</summary>
public sealed class OpsCommand : Command<OpsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--quick")]
        [Description("Few calls: a check, not a measurement.")]
        public bool Quick { get; init; }

        [CommandOption("--malloc <SETTING>")]
        [Description("default: glibc's adaptive mmap/trim thresholds; fixed: NetGen.NativeHeap.KeepFreedBlocks() first.")]
        [DefaultValue("default")]
        public string Malloc { get; init; } = "default";

        public override ValidationResult Validate() => Malloc is "fixed" or "default"
            ? ValidationResult.Success()
            : ValidationResult.Error($"--malloc: '{Malloc}' is not one of fixed, default");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Malloc == "fixed" && !NativeHeap.KeepFreedBlocks())
        {
            Console.Error.WriteLine("error: --malloc fixed needs glibc (mallopt)");
            return BenchmarkApp.BadArguments;
        }

        var header = $"Measured {Infrastructure.MachineInfo.Describe()}; one thread; ConvNet's operations at batch 64, DeepNet's layers at batch 1 and its training step at batch 10, median of 7 rounds; glibc thresholds {settings.Malloc} (--malloc).";
        Console.WriteLine(header);
        var lines = LayerOps.Run(settings.Quick);
        BenchmarkApp.Write("netgen-ops.md", new[] { header, "" }.Concat(lines));
        return 0;
    }
}
