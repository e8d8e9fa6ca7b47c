using System;
using System.IO;

namespace NetGen;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a
/// half-written file: the content goes to a temporary file in the same directory, which is flushed to
/// disk and then renamed over the target.
/// </summary>
/// <remarks>
/// Why each step: the same directory keeps the rename on one file system, where rename(2) replaces
/// the target atomically (File.Move with overwrite uses it on Linux and macOS, MoveFileEx with
/// MOVEFILE_REPLACE_EXISTING on Windows). Flushing to disk before the rename means a power loss after
/// it cannot leave the new name pointing at blocks that were never written. A crash before the rename
/// leaves the target untouched and, at worst, a stale hidden <c>.name.*.tmp</c> file beside it.
/// The directory itself is not fsynced (.NET has no portable call for it): after a power loss the
/// rename may be undone, which leaves the previous, intact file.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>The suffix of the temporary files, so that leftovers from a crash are easy to find.</summary>
    internal const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="path"/> atomically. <paramref name="write"/> receives a stream it must not
    /// close. <paramref name="intercept"/> lets tests wrap the file stream (to fault a save midway).
    /// </summary>
    internal static void Write(string path, Action<Stream> write, Func<Stream, Stream>? intercept = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot save {path}: the directory {directory} does not exist.");
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                var stream = intercept?.Invoke(file) ?? file;
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original exception matters more; a leftover temporary file harms nothing.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
