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

        [CommandOption("--malloc <SETTING>")]
        [Description("fixed: glibc's mmap and trim thresholds fixed (32 MiB, 128 MiB) in this process (NetGen.NativeHeap) and in PyTorch's (MALLOC_*_ variables), so no contender maps fresh pages for its large tensors on every call; default: glibc's own adaptive thresholds in both.")]
        [DefaultValue("fixed")]
        public string Malloc { get; init; } = "fixed";

        [CommandOption("--rows <ROWS>")]
        [Description("modules (NetGen / hand-written / Sequential), optimizers (the optimiser rows), all (both), or variants (SimpleNet's training step: the generated module against hand-written ones with call() and the in-place ReLU switched on one at a time).")]
        [DefaultValue("all")]
        public string Rows { get; init; } = "all";

        [CommandOption("--adam-root <ROOT>")]
        [Description("correct: the FusedAdam rows are built with the correctly rounded square root (square_root: AdamSquareRoot.CorrectlyRounded, the default), the faster pass; mkl: with libtorch's (AdamSquareRoot.LibTorchMkl, MKL's vmsSqrt, bit-identical to TorchSharp's Adam; Linux x64).")]
        [DefaultValue("correct")]
        public string AdamRoot { get; init; } = "correct";

        /// <summary>The square root the FusedAdam rows are built with.</summary>
        public NetGen.Training.AdamSquareRoot SquareRoot => AdamRoot == "mkl" ? NetGen.Training.AdamSquareRoot.LibTorchMkl : NetGen.Training.AdamSquareRoot.CorrectlyRounded;

        // Whether a FusedAdam takes libtorch's root here: its constructor refuses it where libtorch exports no vmsSqrt.
        private static bool LibTorchRootAvailable()
        {
            using var weight = new TorchSharp.Modules.Parameter(TorchSharp.torch.zeros(1));
            try
            {
                using var optimizer = new NetGen.Training.FusedAdam(new[] { weight }, square_root: NetGen.Training.AdamSquareRoot.LibTorchMkl);
                return true;
            }
            catch (NotSupportedException)
            {
                return false;
            }
        }

        public override ValidationResult Validate()
        {
            if (AdamRoot is not ("mkl" or "correct"))
            {
                return ValidationResult.Error($"--adam-root: '{AdamRoot}' is not one of mkl, correct");
            }

            if (AdamRoot == "mkl" && !LibTorchRootAvailable())
            {
                return ValidationResult.Error("--adam-root mkl: the loaded libtorch exports no MKL vmsSqrt; use --adam-root correct");
            }

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

            if (Malloc is not ("fixed" or "default"))
            {
                return ValidationResult.Error($"--malloc: '{Malloc}' is not one of fixed, default");
            }

            return Rows is "modules" or "optimizers" or "all" or "variants"
                ? base.Validate()
                : ValidationResult.Error($"--rows: '{Rows}' is not one of modules, optimizers, all, variants");
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var fixedHeap = settings.Malloc == "fixed";
        if (fixedHeap && !NativeHeap.KeepFreedBlocks())
        {
            Console.Error.WriteLine("error: --malloc fixed needs glibc (mallopt); use --malloc default here");
            return BenchmarkApp.BadArguments;
        }

        var header = settings.Header() + $" FusedAdam's square root: {settings.SquareRoot} (--adam-root {settings.AdamRoot})." + (fixedHeap
            ? $" glibc mmap/trim thresholds fixed at {NativeHeap.DefaultMmapThreshold >> 20}/{NativeHeap.DefaultTrimThreshold >> 20} MiB in both processes (--malloc fixed)."
            : " glibc's adaptive mmap/trim thresholds (--malloc default).");
        Console.WriteLine(header);
        OptionValues.TryNetworks(settings.Networks, out var networks, out _);
        var threadSettings = OptionValues.ThreadSettings(settings.Threads)!;
        var python = settings.NoPyTorch ? null : PyTorchBaseline.FindPython();
        if (!settings.NoPyTorch && python is null)
        {
            Console.WriteLine("PyTorch baseline skipped: no python3 with torch found (Debian: apt-get install python3-torch).");
        }

        var lines = InterleavedComparison.Run(settings.Quick, networks, threadSettings, modules: settings.Rows is "modules" or "all", optimizers: settings.Rows is "optimizers" or "all", variants: settings.Rows == "variants", python, fixedHeap, settings.SquareRoot).ToList();
        lines.ForEach(Console.WriteLine);
        BenchmarkApp.Write("netgen-interleaved.md", new[] { header, "" }.Concat(lines));
        return 0;
    }
}
