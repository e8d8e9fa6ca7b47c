// Makes TorchSharp's native library loadable on hosts whose libstdc++ is older than the one it was
// linked against; NetGen.NativeLoadFix.targets beside this file says when it runs.
//
// The patcher and its MSBuild task share this one file because RoslynCodeTaskFactory compiles exactly
// one <Code> source. It compiles it against netstandard 2.0 reference assemblies (so: no Span,
// BinaryPrimitives or File.Move(overwrite) here) and defines no preprocessor symbols, so the task is
// in by default and NetGen.Tests, which has no MSBuild references, defines NETGEN_NO_MSBUILD_TASK.
#nullable enable

using System;
using System.IO;
using System.Text;

namespace NetGen.Build
{
    public enum PatchResult { Patched, AlreadyWeak, NotNeeded, NotElf }

    /// <summary>
    /// Sets VER_FLG_WEAK on one version need (an Elf64_Vernaux in .gnu.version_r) of an ELF64
    /// little-endian file. glibc's loader refuses a library whose version needs are unmet, unless
    /// the need is weak; TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 for a single
    /// symbol it never binds, so a weak need is exactly as good as a met one.
    /// </summary>
    public static class ElfVersionNeedPatcher
    {
        private const uint ShtGnuVerdef = 0x6ffffffd;  // versions a library defines
        private const uint ShtGnuVerneed = 0x6ffffffe; // versions a library needs from others
        private const ushort VerFlgWeak = 0x2;

        /// <summary>The libstdc++ the loader would give TorchSharp here, or null if none is found.</summary>
        public static string? FindHostLibStdCxx()
        {
            // The .NET host itself links libstdc++, so the copy this process has mapped is the one the
            // loader resolved; fall back to the usual install locations where /proc is unavailable.
            try
            {
                foreach (string line in File.ReadLines("/proc/self/maps"))
                {
                    // "start-end perms offset dev inode   /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"
                    int path = line.IndexOf('/');
                    if (path >= 0 && line.IndexOf("/libstdc++.so.6", path, StringComparison.Ordinal) >= 0
                        && File.Exists(line.Substring(path)))
                        return line.Substring(path);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }

            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            return Array.Find(candidates, File.Exists);
        }

        /// <summary>Whether the ELF file's version definitions (.gnu.version_d) include the version.</summary>
        public static bool DefinesVersion(string elfPath, string versionName) =>
            FindVersionEntry(elfPath, ShtGnuVerdef, versionName) >= 0;

        /// <summary>File offset of the vna_flags field of the file's need for the version, or null
        /// if the file has no such need (or is not an ELF64 little-endian file).</summary>
        public static long? FindVersionNeedFlagsOffset(string elfPath, string versionName)
        {
            long offset = FindVersionEntry(elfPath, ShtGnuVerneed, versionName);
            return offset >= 0 ? offset : (long?)null;
        }

        /// <summary>Idempotent. Never writes through a hard link or symlink: the patched bytes go to a
        /// new file renamed over <paramref name="elfPath"/>, so the NuGet cache copy stays pristine.</summary>
        public static PatchResult MarkVersionNeedWeak(string elfPath, string versionName)
        {
            long flagsOffset = FindVersionEntry(elfPath, ShtGnuVerneed, versionName);
            if (flagsOffset == Malformed) return PatchResult.NotElf;
            if (flagsOffset == Absent) return PatchResult.NotNeeded;

            byte[] flags;
            using (var elf = new FileStream(elfPath, FileMode.Open, FileAccess.Read, FileShare.Read))
                flags = ReadAt(elf, flagsOffset, 2)!; // inside the section FindVersionEntry bounds-checked
            if ((U16(flags, 0) & VerFlgWeak) != 0) return PatchResult.AlreadyWeak;
            flags[0] |= (byte)VerFlgWeak;

            string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(elfPath))!,
                "." + Path.GetFileName(elfPath) + ".netgen-" + Guid.NewGuid().ToString("N"));
            try
            {
                File.Copy(elfPath, temp); // copies the bytes and the permission bits
                new FileInfo(temp).IsReadOnly = false; // a package cache may hold its files read-only
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
                {
                    stream.Position = flagsOffset;
                    stream.Write(flags, 0, flags.Length);
                }
                // Same size and timestamp as the package's file, so the SDK's incremental copy
                // (SkipUnchangedFiles) leaves the patched copy alone instead of restoring the original.
                File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(elfPath));
                File.Replace(temp, elfPath, null); // rename(2) on Unix: replaces the link, not its target
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return PatchResult.Patched;
        }

        private const long Absent = -1, Malformed = -2;

        // Walks the verdef or verneed section for the named version. Returns the file offset of the
        // Elf64_Verdef, or of the Elf64_Vernaux's flags field; Absent; or Malformed when the file is
        // not an ELF64 little-endian file or a size or offset in it points outside the file.
        private static long FindVersionEntry(string elfPath, uint sectionType, string versionName)
        {
            byte[] name = Encoding.ASCII.GetBytes(versionName);
            using (var elf = new FileStream(elfPath, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                byte[]? header = ReadAt(elf, 0, 64);
                if (header == null || header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F'
                    || header[4] != 2 /* ELFCLASS64 */ || header[5] != 1 /* ELFDATA2LSB */)
                    return Malformed;
                int entrySize = U16(header, 0x3A), count = U16(header, 0x3C);
                byte[]? sections = entrySize < 64 ? null : ReadAt(elf, (long)U64(header, 0x28), (ulong)entrySize * (ulong)count);
                if (sections == null) return Malformed;

                for (int s = 0; s < count; s++)
                {
                    int sh = s * entrySize;
                    if (U32(sections, sh + 4) != sectionType) continue;
                    // sh_offset, sh_size, sh_link (the string table), sh_info (the entry count)
                    long start = (long)U64(sections, sh + 0x18);
                    uint link = U32(sections, sh + 0x28), entries = U32(sections, sh + 0x2C);
                    byte[]? body = ReadAt(elf, start, U64(sections, sh + 0x20));
                    byte[]? strings = link >= count ? null : ReadAt(elf,
                        (long)U64(sections, (int)link * entrySize + 0x18), U64(sections, (int)link * entrySize + 0x20));
                    if (body == null || strings == null) return Malformed;

                    bool definitions = sectionType == ShtGnuVerdef;
                    long pos = 0;
                    for (uint e = 0; e < entries && pos + (definitions ? 20 : 16) <= body.Length; e++)
                    {
                        if (definitions)
                        {
                            // Elf64_Verdef { u16 version, flags, ndx, cnt; u32 hash, aux, next }; its first
                            // Elf64_Verdaux { u32 name, next } names the version.
                            long aux = pos + U32(body, (int)pos + 12);
                            if (aux + 8 <= body.Length && NameAt(strings, U32(body, (int)aux), name)) return start + pos;
                        }
                        else
                        {
                            // Elf64_Verneed { u16 version, cnt; u32 file, aux, next }, followed by cnt
                            // Elf64_Vernaux { u32 hash; u16 flags, other; u32 name, next }.
                            long aux = pos + U32(body, (int)pos + 8);
                            for (int a = U16(body, (int)pos + 2); a > 0 && aux + 16 <= body.Length; a--)
                            {
                                if (NameAt(strings, U32(body, (int)aux + 8), name)) return start + aux + 4;
                                uint nextAux = U32(body, (int)aux + 12);
                                if (nextAux == 0) break;
                                aux += nextAux;
                            }
                        }
                        uint next = U32(body, (int)pos + (definitions ? 16 : 12));
                        if (next == 0) break;
                        pos += next;
                    }
                }
                return Absent;
            }
        }

        // Bytes [offset, offset + count) of the file, or null when that range is not inside it.
        private static byte[]? ReadAt(FileStream file, long offset, ulong count)
        {
            if (offset < 0 || offset > file.Length || count > (ulong)(file.Length - offset) || count > int.MaxValue)
                return null;
            var buffer = new byte[count];
            file.Position = offset;
            int read = 0, n;
            while (read < buffer.Length && (n = file.Read(buffer, read, buffer.Length - read)) > 0) read += n;
            return read == buffer.Length ? buffer : null;
        }

        // Whether the NUL-terminated string at offset in the string table is exactly name.
        private static bool NameAt(byte[] strings, uint offset, byte[] name)
        {
            if ((long)offset + name.Length >= strings.Length) return false;
            for (int i = 0; i < name.Length; i++)
                if (strings[offset + i] != name[i]) return false;
            return strings[offset + name.Length] == 0;
        }

        private static ushort U16(byte[] b, int i) => (ushort)(b[i] | b[i + 1] << 8);
        private static uint U32(byte[] b, int i) => (uint)(b[i] | b[i + 1] << 8 | b[i + 2] << 16 | b[i + 3] << 24);
        private static ulong U64(byte[] b, int i) => U32(b, i) | (ulong)U32(b, i + 4) << 32;
    }
}

#if !NETGEN_NO_MSBUILD_TASK
namespace NetGen.Build
{
    using Microsoft.Build.Framework;

    /// <summary>The task NetGen.NativeLoadFix.targets runs on the libLibTorchSharp.so copies in an output folder.</summary>
    public sealed class PatchTorchSharpNativeLoad : Microsoft.Build.Utilities.Task
    {
        [Required]
        public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The version TorchSharp 0.107 needs, for a symbol it never binds.</summary>
        public string VersionName { get; set; } = "GLIBCXX_3.4.32";

        public override bool Execute()
        {
            // Failing to patch is a warning, not an error: the output is still right for hosts with a
            // newer libstdc++, and the DllNotFoundException on this host names the missing version.
            try
            {
                string? libStdCxx = ElfVersionNeedPatcher.FindHostLibStdCxx();
                if (libStdCxx == null || ElfVersionNeedPatcher.DefinesVersion(libStdCxx, VersionName))
                {
                    Log.LogMessage(MessageImportance.Low, libStdCxx == null
                        ? "NetGen: found no libstdc++.so.6 on this host; leaving libLibTorchSharp.so as it is."
                        : $"NetGen: {libStdCxx} provides {VersionName}; libLibTorchSharp.so loads as it is.");
                    return true;
                }
                foreach (ITaskItem file in Files)
                {
                    PatchResult result = ElfVersionNeedPatcher.MarkVersionNeedWeak(file.ItemSpec, VersionName);
                    if (result == PatchResult.Patched)
                        Log.LogMessage(MessageImportance.High,
                            $"NetGen: marked {VersionName} as a weak version need in {file.ItemSpec} (host libstdc++ "
                            + $"{libStdCxx} lacks it; TorchSharp would fail to load). Set NetGenNativeLoadFix=false to disable.");
                    else
                        Log.LogMessage(MessageImportance.Low, $"NetGen: {file.ItemSpec}: {result}, nothing to patch.");
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogWarning($"NetGen: could not mark {VersionName} as a weak version need in libLibTorchSharp.so: "
                    + $"{e.Message} TorchSharp will fail to load on this host.");
            }
            return true;
        }
    }
}
#endif
