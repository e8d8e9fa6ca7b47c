using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Readme;

/// <summary>
/// README.md's "In 30 seconds" example, read from the README itself: the Sigmoid network gets the NG0001 the README
/// quotes, the ReLU + BatchNorm network gets no NetGen diagnostic, and the training code compiles against what the
/// generator emits for it.
/// </summary>
public sealed class ThirtySecondExampleTests
{
    [Fact]
    public void The_readme_example_warns_on_the_sigmoid_network_only_and_its_training_code_compiles()
    {
        var blocks = CSharpBlocks();
        var sigmoidNet = blocks[0];
        var spiral = blocks[1];
        var split = spiral.IndexOf("public partial class SpiralNet;", StringComparison.Ordinal) + "public partial class SpiralNet;".Length;
        var declarations = sigmoidNet + "\n" + spiral[..split];
        var training = "using System;\nusing TorchSharp;\nusing static TorchSharp.torch;\n\n" +
            "internal static class ReadmeTraining\n{\n    internal static void Train(Tensor inputs, Tensor labels)\n    {\n" +
            spiral[split..] + "\n    }\n}\n";

        var run = GeneratorHarness.Run(GeneratorHarness.AllAnalyzers, "using NetGen;\n" + declarations.Replace("using NetGen;", string.Empty), training);

        var netgen = run.AnalyzerDiagnostics.Concat(run.GeneratorDiagnostics).Where(d => d.Id.StartsWith("NG", StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(netgen);
        Assert.Equal("NG0001", warning.Id);
        var source = warning.Location.SourceTree!.ToString();
        Assert.InRange(warning.Location.SourceSpan.Start, 0, source.IndexOf("public partial class SigmoidNet;", StringComparison.Ordinal));

        // The README quotes the whole message, wrapped at spaces.
        var message = warning.GetMessage(CultureInfo.InvariantCulture);
        var quoted = Regex.Match(ReadmeText(), @"warning NG0001: (?<text>.*?)\n```", RegexOptions.Singleline).Groups["text"].Value.ReplaceLineEndings(" ");
        Assert.StartsWith(message, quoted, StringComparison.Ordinal);
        Assert.Contains("3.8e-9", message, StringComparison.Ordinal);

        Assert.DoesNotContain(run.CompilerDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains(run.GeneratedSources, s => s.HintName.Contains("SpiralNet", StringComparison.Ordinal));
    }

    private static string[] CSharpBlocks()
    {
        var section = ReadmeText().Split("## In 30 seconds")[1].Split("\n## ")[0];
        var blocks = Regex.Matches(section, "```csharp\n(?<code>.*?)```", RegexOptions.Singleline).Select(m => m.Groups["code"].Value).ToArray();
        Assert.Equal(2, blocks.Length);
        return blocks;
    }

    private static string ReadmeText([CallerFilePath] string thisFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "README.md")).ReplaceLineEndings("\n");
}
