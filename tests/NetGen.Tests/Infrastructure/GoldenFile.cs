using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace NetGen.Tests.Infrastructure;

/// <summary>
/// Snapshot testing with committed golden files. A mismatch writes <c>*.received.cs</c> beside the
/// golden file and fails with the first differing line; accepting is an explicit act: run the tests
/// with <c>NETGEN_ACCEPT_SNAPSHOTS=1</c> (never set in CI) and review the diff in git.
/// </summary>
public static class GoldenFile
{
    public static void Verify(string actual, string name, [CallerFilePath] string callerFile = "") =>
        VerifyAs(actual, name, ".cs", callerFile);

    /// <summary>Compares with <c>Snapshots/{name}.verified{extension}</c> beside the calling test (<c>.py</c> for PyTorch twins).</summary>
    public static void VerifyAs(string actual, string name, string extension, [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var verified = Path.Combine(directory, name + ".verified" + extension);
        var received = Path.Combine(directory, name + ".received" + extension);
        actual = Normalize(actual);

        if (Environment.GetEnvironmentVariable("NETGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        if (expected is null)
        {
            Assert.Fail($"No golden file {verified}; wrote {received}. Review it, then accept with NETGEN_ACCEPT_SNAPSHOTS=1.");
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
            var a = i < actualLines.Length ? actualLines[i] : "<end of file>";
            if (e != a)
            {
                Assert.Fail($"{name}: line {i + 1} differs from {verified}\n  expected: {e}\n  actual:   {a}\nFull output in {received}.");
            }
        }
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimStart('\uFEFF');
}
