using System;
using System.Collections.Generic;

namespace NetGen.GradientLab;

/// <summary>A command line the lab cannot run: the message names the problem in one line; the program exits with 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>What the lab runs with: the command line (<see cref="LabSettings"/>) after validation, or set by tests.</summary>
public sealed record LabOptions
{
    /// <summary>Epochs per variant when <c>--epochs</c> is not given.</summary>
    public const int DefaultEpochs = 30;

    /// <summary>The seed when <c>--seed</c> is not given.</summary>
    public const int DefaultSeed = 42;

    /// <summary>The report folder when <c>--output</c> is not given, relative to the current directory.</summary>
    public const string DefaultOutput = "report";

    /// <summary>Training epochs per variant (the spiral and DeepNet tasks alike).</summary>
    public int Epochs { get; init; } = DefaultEpochs;

    /// <summary>Whether <c>--epochs</c> was given (MNIST has its own default).</summary>
    public bool EpochsGiven { get; init; }

    /// <summary>The variants to run, in catalogue order.</summary>
    public IReadOnlyList<LabVariant> Variants { get; init; } = LabVariant.All;

    /// <summary>The report folder; replaced as a whole when the run completes.</summary>
    public string Output { get; init; } = DefaultOutput;

    /// <summary>Seeds the data sets, the weight initialisation and the batch order.</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>How many variants train at once; each uses one core, so the numbers do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>A folder with the MNIST IDX files: train SimpleNet on MNIST instead of running the lab.</summary>
    public string? MnistFolder { get; init; }
}
