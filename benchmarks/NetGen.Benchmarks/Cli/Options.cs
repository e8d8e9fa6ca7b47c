using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using NetGen.Benchmarks.Infrastructure;
using NetGen.Benchmarks.Networks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace NetGen.Benchmarks.Cli;

/// <summary>Options every measuring command shares: the PyTorch baseline and the short job.</summary>
public class MeasureSettings : CommandSettings
{
    [CommandOption("--quick")]
    [Description("Short job: a check that finishes in minutes, not a measurement.")]
    public bool Quick { get; init; }

    [CommandOption("--no-pytorch")]
    [Description("Skip the PyTorch baseline (otherwise run when /usr/bin/python3 or $NETGEN_PYTHON has torch).")]
    public bool NoPyTorch { get; init; }

    [CommandOption("--pytorch-blas <DIR>")]
    [Description("Also run the PyTorch baseline with DIR first on its library path (repeatable), e.g. an unpacked OpenBLAS.")]
    public string[] PyTorchBlas { get; init; } = Array.Empty<string>();

    /// <summary>The library directories to run PyTorch with: null is the system's choice.</summary>
    public IReadOnlyList<string?> BlasDirectories => new string?[] { null }.Concat(PyTorchBlas.Select(Path.GetFullPath)).ToList();

    public override ValidationResult Validate() =>
        PyTorchBlas.FirstOrDefault(d => !Directory.Exists(d)) is { } missing
            ? ValidationResult.Error($"--pytorch-blas: directory '{missing}' does not exist")
            : ValidationResult.Success();

    /// <summary>The first line of every result file: machine, libtorch's default thread count, job.</summary>
    public string Header() => $"Measured {MachineInfo.Describe()}; libtorch default threads {Threads.DefaultCount}; {(Quick ? "QUICK job (not a measurement)" : "full job")}.";
}

/// <summary>Parsing of the shared option values, each failing with a message that names the option and the choices.</summary>
public static class OptionValues
{
    public static readonly string NetworkNames = string.Join(", ", Enum.GetNames<NetworkKind>());

    /// <summary>A comma-separated list of networks; null or empty is all of them.</summary>
    public static bool TryNetworks(string? list, out NetworkKind[] networks, out string error)
    {
        var names = (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = new List<NetworkKind>();
        foreach (var name in names)
        {
            if (!Enum.TryParse<NetworkKind>(name, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            {
                networks = Array.Empty<NetworkKind>();
                error = $"--networks: '{name}' is not one of {NetworkNames}";
                return false;
            }

            parsed.Add(kind);
        }

        networks = parsed.Count == 0 ? Enum.GetValues<NetworkKind>() : parsed.Distinct().ToArray();
        error = "";
        return true;
    }

    /// <summary>1, default or both.</summary>
    public static string[]? ThreadSettings(string value) => value switch
    {
        Threads.One => new[] { Threads.One },
        Threads.Default => new[] { Threads.Default },
        "both" => Threads.Settings,
        _ => null,
    };
}
