using System;
using System.IO;
using System.Linq;

namespace NetGen.GradientLab.Report;

/// <summary>
/// The report folder, written all-or-nothing: files go to a hidden staging folder beside the target, which is
/// renamed into place only when the report is complete, so an interrupted or failed run never leaves
/// something that looks like a finished report. A previous Gradient Lab report at the target is replaced; any
/// other existing folder is refused rather than overwritten.
/// </summary>
public sealed class ReportFolder : IDisposable
{
    /// <summary>The file that marks a folder as a complete Gradient Lab report.</summary>
    public const string MarkerFile = ".gradient-lab-report";

    private bool _committed;

    private ReportFolder(string target, string staging)
    {
        Target = target;
        Staging = staging;
    }

    /// <summary>The folder the report ends up in.</summary>
    public string Target { get; }

    /// <summary>The folder files are written to until <see cref="Commit"/>.</summary>
    public string Staging { get; }

    /// <summary>
    /// Checks that <paramref name="output"/> can receive a report and creates the staging folder; throws
    /// <see cref="UsageException"/> naming the problem otherwise. Call it before training, so a bad path fails at once.
    /// </summary>
    /// <param name="output">The report folder the user asked for.</param>
    public static ReportFolder Prepare(string output)
    {
        string target;
        try
        {
            target = Path.GetFullPath(output);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"output folder '{output}' is not a valid path: {e.Message}");
        }

        target = Path.TrimEndingDirectorySeparator(target);
        var parent = Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(parent))
        {
            throw new UsageException($"output folder '{output}' cannot be a file-system root");
        }

        if (File.Exists(target))
        {
            throw new UsageException($"output path '{output}' is a file, not a folder");
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, MarkerFile)))
        {
            throw new UsageException($"output folder '{output}' exists and is not a Gradient Lab report; choose another --output or empty it");
        }

        if (!Directory.Exists(parent))
        {
            throw new UsageException($"cannot write output folder '{output}': its parent folder '{parent}' does not exist");
        }

        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            File.WriteAllText(Path.Combine(staging, ".write-test"), "");
            File.Delete(Path.Combine(staging, ".write-test"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(staging);
            throw new UsageException($"cannot write output folder '{output}': {e.Message}");
        }

        return new ReportFolder(target, staging);
    }

    /// <summary>The path of a file in the staging folder.</summary>
    /// <param name="fileName">A file name without folders.</param>
    public string PathOf(string fileName) => Path.Combine(Staging, fileName);

    /// <summary>Marks the report complete and moves it into place, replacing a previous report there.</summary>
    public void Commit()
    {
        File.WriteAllText(PathOf(MarkerFile), "A complete Gradient Lab report. Folders with this file are replaced by the next run.\n");
        string? previous = null;
        if (Directory.Exists(Target))
        {
            previous = Path.Combine(Path.GetDirectoryName(Target)!, $".{Path.GetFileName(Target)}.old-{Guid.NewGuid():N}");
            Directory.Move(Target, previous);
        }

        Directory.Move(Staging, Target);
        _committed = true;
        if (previous is not null)
        {
            TryDelete(previous);
        }
    }

    /// <summary>Deletes the staging folder unless the report was committed.</summary>
    public void Dispose()
    {
        if (!_committed)
        {
            TryDelete(Staging);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover staging folder is hidden and clearly named as partial.
        }
    }
}
