using System.IO;
using System.Runtime.CompilerServices;

namespace NetGen.Tests.Infrastructure;

/// <summary>Reads this test project's own source files, so one declaration serves both the compiled tests and the in-memory generator runs.</summary>
public static class SourceFiles
{
    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(ProjectDirectory(), relativePath));

    private static string ProjectDirectory([CallerFilePath] string thisFile = "") =>
        Path.GetDirectoryName(Path.GetDirectoryName(thisFile))!;
}
