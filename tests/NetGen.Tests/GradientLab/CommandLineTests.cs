using System;
using System.IO;
using System.Linq;
using System.Threading;
using NetGen.GradientLab;
using NetGen.GradientLab.Report;
using Spectre.Console;
using Xunit;

namespace NetGen.Tests.GradientLab;

/// <summary>Gradient Lab's command line: options, one-line errors with exit code 2, nothing written on bad arguments.</summary>
[Collection(GradientLabCollection.Name)]
public sealed class CommandLineTests
{
    [Fact]
    public void No_arguments_run_every_variant_with_the_defaults()
    {
        var options = Parse([]);
        Assert.Equal(LabOptions.DefaultEpochs, options.Epochs);
        Assert.Equal(LabOptions.DefaultSeed, options.Seed);
        Assert.Equal(LabOptions.DefaultOutput, options.Output);
        Assert.Equal(Environment.ProcessorCount, options.Threads);
        Assert.Equal(14, options.Variants.Count);
        Assert.Null(options.MnistFolder);
    }

    [Fact]
    public void Options_are_read_in_both_spellings_and_variants_keep_catalogue_order()
    {
        var options = Parse(["--epochs", "3", "--variants=relu-bn,SIGMOID", "-o", "out", "--seed=-5", "--threads", "1"]);
        Assert.Equal(3, options.Epochs);
        Assert.True(options.EpochsGiven);
        Assert.Equal(["sigmoid", "relu-bn"], options.Variants.Select(v => v.Id));
        Assert.Equal("out", options.Output);
        Assert.Equal(-5, options.Seed);
        Assert.Equal(1, options.Threads);
    }

    [Theory]
    [InlineData("unknown variant 'softplus'", "--variants", "sigmoid,softplus")]
    [InlineData("--epochs must be at least 1, got -3", "--epochs", "-3")]
    [InlineData("--epochs must be at least 1, got 0", "--epochs", "0")]
    [InlineData("--epochs must be a whole number, got 'ten'", "--epochs", "ten")]
    [InlineData("--seed must be a whole number, got '1.5'", "--seed=1.5")]
    [InlineData("--threads must be at least 1, got 0", "--threads", "0")]
    [InlineData("unknown option '--learning-rate'", "--learning-rate", "1")]
    [InlineData("unknown option '-x'", "-x")]
    [InlineData("--seed needs a value", "--seed")]
    [InlineData("--output needs a value", "--output", "--epochs", "1")]
    [InlineData("--output needs a non-empty value", "--output", "")]
    [InlineData("unexpected argument 'sigmoid'", "sigmoid")]
    public void Bad_arguments_give_a_one_line_error_and_exit_code_2(string expected, params string[] args)
    {
        var (code, output) = Run(args);
        Assert.Equal(LabProgram.UsageError, code);
        Assert.StartsWith("error: ", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', output);
    }

    [Fact]
    public void An_output_path_that_cannot_be_written_fails_before_training_and_leaves_nothing()
    {
        var parent = Directory.CreateTempSubdirectory("gradient-lab-cli-");
        try
        {
            var file = Path.Combine(parent.FullName, "a-file");
            File.WriteAllText(file, "not a folder");
            var foreign = Directory.CreateDirectory(Path.Combine(parent.FullName, "someone-elses"));
            File.WriteAllText(Path.Combine(foreign.FullName, "notes.txt"), "keep me");

            // /proc refuses new folders even to root, so it stands for any place the user cannot write.
            var cases = new (string Output, string Expected)[]
            {
                (file, "is a file, not a folder"),
                (Path.Combine(file, "report"), "does not exist"),
                (Path.Combine(parent.FullName, "missing", "report"), "does not exist"),
                (foreign.FullName, "exists and is not a Gradient Lab report"),
                ("/proc/gradient-lab-report", "cannot write output folder"),
            };
            foreach (var (output, expected) in cases)
            {
                var (code, text) = Run(["--epochs", "1", "--variants", "sigmoid", "--output", output]);
                Assert.Equal(LabProgram.UsageError, code);
                Assert.Contains(expected, text, StringComparison.Ordinal);
                Assert.DoesNotContain('\n', text);
            }

            Assert.Equal(["a-file", "someone-elses"], Directory.EnumerateFileSystemEntries(parent.FullName).Select(Path.GetFileName).Order());
            Assert.Equal("keep me", File.ReadAllText(Path.Combine(foreign.FullName, "notes.txt")));
            Assert.False(Directory.Exists("/proc/gradient-lab-report"));
        }
        finally
        {
            parent.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_report_that_is_not_committed_leaves_no_folder_behind()
    {
        var parent = Directory.CreateTempSubdirectory("gradient-lab-cli-");
        try
        {
            var target = Path.Combine(parent.FullName, "report");
            using (var folder = ReportFolder.Prepare(target))
            {
                File.WriteAllText(folder.PathOf("half-written.png"), "...");
                Assert.StartsWith(parent.FullName, folder.Staging, StringComparison.Ordinal);
            }

            Assert.Empty(Directory.EnumerateFileSystemEntries(parent.FullName));
        }
        finally
        {
            parent.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_previous_report_is_replaced_as_a_whole()
    {
        var parent = Directory.CreateTempSubdirectory("gradient-lab-cli-");
        try
        {
            var target = Path.Combine(parent.FullName, "report");
            foreach (var name in new[] { "first.txt", "second.txt" })
            {
                using var folder = ReportFolder.Prepare(target);
                File.WriteAllText(folder.PathOf(name), name);
                folder.Commit();
            }

            Assert.Equal([".gradient-lab-report", "second.txt"], Directory.EnumerateFiles(target).Select(Path.GetFileName).Order());
            Assert.Equal(["report"], Directory.EnumerateFileSystemEntries(parent.FullName).Select(Path.GetFileName));
        }
        finally
        {
            parent.Delete(recursive: true);
        }
    }

    [Fact]
    public void Help_lists_every_option_and_variant()
    {
        var (code, output) = Run(["--help"]);
        Assert.Equal(LabProgram.Success, code);
        foreach (var option in new[] { "--epochs", "--variants", "--output", "--seed", "--threads", "--mnist", "--help" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }

        Assert.All(LabVariant.All, v => Assert.Contains(v.Id, output, StringComparison.Ordinal));
    }

    [Fact]
    public void Help_is_not_a_run()
    {
        Assert.Null(LabCommandLine.Parse(["--help"], PlainConsole(new StringWriter())));
        Assert.Null(LabCommandLine.Parse(["-h"], PlainConsole(new StringWriter())));
    }

    private static LabOptions Parse(string[] args) =>
        LabCommandLine.Parse(args, PlainConsole(new StringWriter())) ?? throw new InvalidOperationException("help was shown");

    private static IAnsiConsole PlainConsole(StringWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 100;
        return console;
    }

    /// <summary>Runs the program in process on a plain-text console 100 columns wide; returns its exit code and output and errors.</summary>
    internal static (int Code, string Output) Run(string[] args)
    {
        var writer = new StringWriter();
        var console = PlainConsole(writer);
        var error = new StringWriter();
        var code = LabProgram.Run(args, console, error, CancellationToken.None);
        return (code, (writer.ToString() + error.ToString()).Trim());
    }
}
