using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using Spectre.Console;
using Spectre.Console.Cli;

namespace NetGen.GradientLab;

/// <summary>The lab's command line, as Spectre.Console.Cli reads it; <see cref="ToOptions"/> turns it into <see cref="LabOptions"/>.</summary>
public sealed class LabSettings : CommandSettings
{
    /// <summary>Epochs per variant; not given means <see cref="LabOptions.DefaultEpochs"/> (MNIST: its own default).</summary>
    [CommandOption("--epochs <N>")]
    [Description("Epochs per variant (default 30; with --mnist, 5)")]
    [TypeConverter(typeof(WholeNumberConverter))]
    public int? Epochs { get; init; }

    /// <summary>Comma-separated variant ids, or <c>all</c>.</summary>
    [CommandOption("--variants <LIST>")]
    [Description("Variants to run, comma-separated, or all")]
    [DefaultValue("all")]
    public string Variants { get; init; } = "all";

    /// <summary>The report folder.</summary>
    [CommandOption("-o|--output <DIR>")]
    [Description("Report folder; replaced only if it holds a previous report")]
    [DefaultValue(LabOptions.DefaultOutput)]
    public string Output { get; init; } = LabOptions.DefaultOutput;

    /// <summary>Seeds the data, the initial weights and the batch order.</summary>
    [CommandOption("--seed <N>")]
    [Description("Seed of the data, the initial weights and the batch order; the same seed gives the same numbers")]
    [DefaultValue(LabOptions.DefaultSeed)]
    [TypeConverter(typeof(WholeNumberConverter))]
    public int Seed { get; init; } = LabOptions.DefaultSeed;

    /// <summary>Variants trained at once; not given means one per core.</summary>
    [CommandOption("--threads <N>")]
    [Description("Variants trained at once, one core each (default: all cores); the numbers do not depend on it")]
    [TypeConverter(typeof(WholeNumberConverter))]
    public int? Threads { get; init; }

    /// <summary>A folder with the MNIST IDX files.</summary>
    [CommandOption("--mnist <DIR>")]
    [Description("Train the seed's SimpleNet on the MNIST IDX files in DIR and report test accuracy, instead of the lab")]
    public string? Mnist { get; init; }

    /// <inheritdoc/>
    public override ValidationResult Validate()
    {
        try
        {
            ToOptions();
            return ValidationResult.Success();
        }
        catch (UsageException e)
        {
            return ValidationResult.Error(e.Message);
        }
    }

    /// <summary>The options the lab runs with; throws <see cref="UsageException"/> naming the first problem.</summary>
    public LabOptions ToOptions() => new()
    {
        Epochs = Epochs is { } epochs ? AtLeastOne("--epochs", epochs) : LabOptions.DefaultEpochs,
        EpochsGiven = Epochs is not null,
        Variants = ParseVariants(Variants),
        Output = NonEmpty("--output", Output),
        Seed = Seed,
        Threads = Threads is { } threads ? AtLeastOne("--threads", threads) : Environment.ProcessorCount,
        MnistFolder = Mnist is null ? null : NonEmpty("--mnist", Mnist),
    };

    /// <summary>The variants named in a comma-separated list, in catalogue order, each once.</summary>
    private static IReadOnlyList<LabVariant> ParseVariants(string value)
    {
        if (value.Trim() == "all")
        {
            return LabVariant.All;
        }

        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new UsageException("--variants needs at least one variant name (see --help)");
        }

        var chosen = new HashSet<LabVariant>();
        foreach (var name in names)
        {
            var variant = LabVariant.All.FirstOrDefault(v => string.Equals(v.Id, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"unknown variant '{name}' (known: {string.Join(", ", LabVariant.All.Select(v => v.Id))})");
            chosen.Add(variant);
        }

        return LabVariant.All.Where(chosen.Contains).ToArray();
    }

    private static int AtLeastOne(string name, int number) =>
        number >= 1 ? number : throw new UsageException($"{name} must be at least 1, got {number}");

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"{name} needs a non-empty value") : value;
}

/// <summary>A whole number in the invariant culture; anything else is a <see cref="NotAWholeNumberException"/> naming the text.</summary>
public sealed class WholeNumberConverter : TypeConverter
{
    /// <inheritdoc/>
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

    /// <inheritdoc/>
    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        int.TryParse((string)value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new NotAWholeNumberException((string)value);
}

/// <summary>What <see cref="WholeNumberConverter"/> throws; Spectre wraps it, and the lab names the option in its one-line error.</summary>
/// <param name="text">The text that is not a whole number.</param>
public sealed class NotAWholeNumberException(string text) : FormatException($"'{text}' is not a whole number")
{
    /// <summary>The text that is not a whole number.</summary>
    public string Text { get; } = text;
}
