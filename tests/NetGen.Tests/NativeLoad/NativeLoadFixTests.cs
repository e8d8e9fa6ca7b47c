using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Build;
using TorchSharp;
using Xunit;

namespace NetGen.Tests.NativeLoad
{
    /// <summary>
    /// The TorchSharp native-load fix (build/ElfVersionNeedPatcher.cs, run by
    /// build/NetGen.NativeLoadFix.targets), checked against the real libLibTorchSharp.so, the real
    /// host libstdc++ and the real dynamic loader.
    /// </summary>
    public sealed class NativeLoadFixTests : IDisposable
    {
        private const string Version = "GLIBCXX_3.4.32";
        private const string TorchSharpVersion = "0.107.0"; // as TorchSharpVersion in Directory.Build.props
        private const ushort VerFlgWeak = 0x2;

        private readonly string _temp = Directory.CreateDirectory(
            Path.Combine(Path.GetTempPath(), "netgen-nativeload-" + Guid.NewGuid().ToString("N"))).FullName;

        public void Dispose() => Directory.Delete(_temp, recursive: true);

        private static string PackagedLibrary()
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string path = Path.Combine(packages, "torchsharp", TorchSharpVersion, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            Assert.True(File.Exists(path), $"restore should have put TorchSharp's native library at {path}");
            return path;
        }

        private static string OutputNativeFolder() =>
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

        private static bool HostLacksVersion()
        {
            string? libStdCxx = ElfVersionNeedPatcher.FindHostLibStdCxx();
            Assert.NotNull(libStdCxx);
            return !ElfVersionNeedPatcher.DefinesVersion(libStdCxx, Version);
        }

        private static ushort ReadU16(string path, long offset)
        {
            using var file = File.OpenRead(path);
            file.Position = offset;
            return (ushort)(file.ReadByte() | file.ReadByte() << 8);
        }

        private static uint ReadU32(string path, long offset) =>
            ReadU16(path, offset) | (uint)ReadU16(path, offset + 2) << 16;

        // The System V ABI's ELF hash, which every Elf64_Vernaux stores for its version name.
        private static uint ElfHash(string name)
        {
            uint hash = 0;
            foreach (char c in name)
            {
                hash = (hash << 4) + c;
                uint high = hash & 0xf0000000;
                if (high != 0) hash ^= high >> 24;
                hash &= ~high;
            }
            return hash;
        }

        [Fact]
        public void PatchingACopySetsOnlyTheWeakFlagOfThatNeedAndLeavesThePackageAlone()
        {
            string packaged = PackagedLibrary();
            byte[] pristine = File.ReadAllBytes(packaged);
            string copy = Path.Combine(_temp, "libLibTorchSharp.so");
            File.Copy(packaged, copy);

            long flags = ElfVersionNeedPatcher.FindVersionNeedFlagsOffset(copy, Version)
                ?? throw new InvalidOperationException($"TorchSharp {TorchSharpVersion} should need {Version}");
            // vna_hash sits just before vna_flags: an independent check that this is that entry's field.
            Assert.Equal(ElfHash(Version), ReadU32(copy, flags - 4));
            ushort flagsBefore = ReadU16(copy, flags);
            Assert.Equal(0, flagsBefore & VerFlgWeak);

            Assert.Equal(PatchResult.Patched, ElfVersionNeedPatcher.MarkVersionNeedWeak(copy, Version));

            byte[] patched = File.ReadAllBytes(copy);
            Assert.Equal(pristine.Length, patched.Length);
            int[] changed = Enumerable.Range(0, pristine.Length).Where(i => pristine[i] != patched[i]).ToArray();
            Assert.InRange(changed.Length, 1, 2);
            Assert.All(changed, i => Assert.InRange(i, flags, flags + 1));
            Assert.Equal(flagsBefore | VerFlgWeak, ReadU16(copy, flags));

            Assert.Equal(PatchResult.AlreadyWeak, ElfVersionNeedPatcher.MarkVersionNeedWeak(copy, Version));
            Assert.Equal(patched, File.ReadAllBytes(copy));
            Assert.Equal(pristine, File.ReadAllBytes(packaged));
        }

        [Fact]
        public void PatchingThroughAHardLinkOrSymlinkReplacesTheLinkNotTheFileItPointsTo()
        {
            // What happens when the SDK hard-links or symlinks the output copy to the NuGet cache.
            string original = Path.Combine(_temp, "original.so");
            File.Copy(PackagedLibrary(), original);
            byte[] pristine = File.ReadAllBytes(original);
            string hardLink = Path.Combine(_temp, "hard.so"), symlink = Path.Combine(_temp, "sym.so");
            using (Process ln = Process.Start("ln", new[] { original, hardLink }))
            {
                ln.WaitForExit();
                Assert.Equal(0, ln.ExitCode);
            }
            File.CreateSymbolicLink(symlink, original);

            Assert.Equal(PatchResult.Patched, ElfVersionNeedPatcher.MarkVersionNeedWeak(hardLink, Version));
            Assert.Equal(PatchResult.Patched, ElfVersionNeedPatcher.MarkVersionNeedWeak(symlink, Version));

            Assert.Equal(pristine, File.ReadAllBytes(original));
            Assert.Null(new FileInfo(symlink).LinkTarget);
            Assert.Empty(Directory.GetFiles(_temp, ".*")); // no temporary file left behind
        }

        [Fact]
        public void ALibraryWithoutTheNeedIsNotNeeded()
        {
            string copy = Path.Combine(_temp, "libLibTorchSharp.so");
            File.Copy(PackagedLibrary(), copy);
            Assert.Equal(PatchResult.NotNeeded, ElfVersionNeedPatcher.MarkVersionNeedWeak(copy, "GLIBCXX_99.0"));

            // libstdc++ defines the GLIBCXX versions; it needs none of them.
            string libStdCxx = Path.Combine(_temp, "libstdc++.so.6");
            File.Copy(ElfVersionNeedPatcher.FindHostLibStdCxx() ?? throw new InvalidOperationException("no libstdc++"), libStdCxx);
            Assert.Equal(PatchResult.NotNeeded, ElfVersionNeedPatcher.MarkVersionNeedWeak(libStdCxx, "GLIBCXX_3.4"));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(4)]
        [InlineData(64)]
        [InlineData(0x3f900)] // inside .gnu.version_r; the section headers at the end are cut off
        public void ATruncatedLibraryIsNotElf(int length)
        {
            string truncated = Path.Combine(_temp, "truncated.so");
            File.WriteAllBytes(truncated, File.ReadAllBytes(PackagedLibrary()).Take(length).ToArray());
            Assert.Equal(PatchResult.NotElf, ElfVersionNeedPatcher.MarkVersionNeedWeak(truncated, Version));
        }

        [Fact]
        public void ATextFileIsNotElf()
        {
            string text = Path.Combine(_temp, "libLibTorchSharp.so");
            File.WriteAllText(text, "version https://git-lfs.github.com/spec/v1\n");
            Assert.Equal(PatchResult.NotElf, ElfVersionNeedPatcher.MarkVersionNeedWeak(text, Version));
            Assert.False(ElfVersionNeedPatcher.DefinesVersion(text, Version));
        }

        [Fact]
        public void CorruptOffsetsAndCountsNeverThrow()
        {
            // Overwrite with random bytes the fields the parser follows: the section header table's
            // location and shape, the .gnu.version_r and .dynstr section headers, the verneed entries.
            string corrupt = Path.Combine(_temp, "corrupt.so");
            File.Copy(PackagedLibrary(), corrupt);
            byte[] bytes = File.ReadAllBytes(corrupt);
            int shoff = (int)BitConverter.ToInt64(bytes, 0x28), entrySize = BitConverter.ToUInt16(bytes, 0x3A);
            int verneedHeader = Enumerable.Range(0, BitConverter.ToUInt16(bytes, 0x3C)).Select(i => shoff + i * entrySize)
                .Single(h => BitConverter.ToUInt32(bytes, h + 4) == 0x6ffffffe);
            int dynstrHeader = shoff + BitConverter.ToInt32(bytes, verneedHeader + 0x28) * entrySize;
            (int Start, int Length)[] fields =
            {
                (0x28, 0x16), (verneedHeader, 64), (dynstrHeader, 64),
                ((int)BitConverter.ToInt64(bytes, verneedHeader + 0x18), (int)BitConverter.ToInt64(bytes, verneedHeader + 0x20)),
            };

            var random = new Random(1234);
            using var file = new FileStream(corrupt, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            for (int i = 0; i < 1000; i++)
            {
                (int start, int length) = fields[random.Next(fields.Length)];
                var garbage = new byte[1 + random.Next(8)];
                random.NextBytes(garbage);
                int at = start + random.Next(length);
                file.Position = at;
                file.Write(garbage);
                file.Flush();

                ElfVersionNeedPatcher.FindVersionNeedFlagsOffset(corrupt, Version);
                ElfVersionNeedPatcher.DefinesVersion(corrupt, Version);

                file.Position = at;
                file.Write(bytes, at, garbage.Length);
            }
            file.Flush();
            Assert.Equal(bytes, File.ReadAllBytes(corrupt));
        }

        [Fact]
        public void TheHostCheckAgreesWithTheDynamicLoader()
        {
            string? libStdCxx = ElfVersionNeedPatcher.FindHostLibStdCxx();
            Assert.NotNull(libStdCxx);
            Assert.True(ElfVersionNeedPatcher.DefinesVersion(libStdCxx, "GLIBCXX_3.4"), "every libstdc++ defines GLIBCXX_3.4");
            Assert.False(ElfVersionNeedPatcher.DefinesVersion(libStdCxx, "GLIBCXX_99.0"));

            // Load an unpatched copy beside its dependencies (its RUNPATH is $ORIGIN): the loader refuses
            // it exactly when the host check says the version is missing.
            string folder = Directory.CreateDirectory(Path.Combine(_temp, "native")).FullName;
            foreach (string dependency in Directory.GetFiles(OutputNativeFolder()).Where(f => !f.EndsWith("libLibTorchSharp.so", StringComparison.Ordinal)))
                File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(dependency)), dependency);
            string pristine = Path.Combine(folder, "libLibTorchSharp.so");
            File.Copy(PackagedLibrary(), pristine);

            bool lacks = HostLacksVersion();
            if (lacks)
            {
                var refused = Assert.Throws<DllNotFoundException>(() => NativeLibrary.Load(pristine));
                Assert.Contains($"version `{Version}' not found", refused.Message);
            }
            else
            {
                NativeLibrary.Free(NativeLibrary.Load(pristine));
            }
        }

        [Fact]
        public void TheBuildOutputCopyCarriesTheWeakFlagWhenTheHostLacksTheVersion()
        {
            string output = Path.Combine(OutputNativeFolder(), "libLibTorchSharp.so");
            long flags = ElfVersionNeedPatcher.FindVersionNeedFlagsOffset(output, Version)
                ?? throw new InvalidOperationException($"{output} should need {Version}");
            bool weak = (ReadU16(output, flags) & VerFlgWeak) != 0;
            Assert.Equal(HostLacksVersion(), weak);
        }

        [Fact]
        public void TorchSharpLoadsAndComputes()
        {
            Assert.Equal(6f, torch.ones(2, 3).sum().item<float>());
        }
    }
}
