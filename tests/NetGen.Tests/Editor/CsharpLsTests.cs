using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using NetGen.Tests.Shipping;
using Xunit;
using Xunit.Abstractions;
using static NetGen.Tests.Shipping.ShippingFiles;

namespace NetGen.Tests.Editor;

/// <summary>
/// What an editor shows of NetGen, checked with a real language server: csharp-ls 0.28.0 (the server Neovim, Emacs and
/// Helix users run), installed as a dotnet tool into a scratch folder, on a fresh console app that references the packed
/// NetGen from a folder feed. With analyzers off (csharp-ls's default) the wrong declaration shows as errors carrying
/// NG0101 and nothing about missing members; with analyzers on, NG0101 is at the attribute; once fixed, hover on the
/// class shows the layer table. docs/editors.md has what other editors show.
/// </summary>
[Collection(PackedNetGenCollection.Name)]
public sealed class CsharpLsTests
{
    private const string CsharpLsVersion = "0.28.0";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private readonly PackedNetGen package;
    private readonly ITestOutputHelper output;

    public CsharpLsTests(PackedNetGen package, ITestOutputHelper output)
    {
        this.package = package;
        this.output = output;
    }

    private const string WrongSource = """
        using System;
        using NetGen;
        using TorchSharp;

        namespace EditorCheck;

        [Linear(784, 64), ReLU]
        [Linear(62, 3)]
        public partial class Classifier;

        public static class Program
        {
            public static void Main()
            {
                Console.WriteLine(Classifier.Summary);
                using var model = new Classifier();
                using var optimizer = torch.optim.Adam(model.parameters());
                var result = model.TrainStep(optimizer, (o, t) => torch.nn.functional.cross_entropy(o, t), torch.randn(8, 784), torch.zeros(8, torch.int64));
                Console.WriteLine(result.Loss);
            }
        }
        """;

    private const int AttributeLine = 7;     // [Linear(62, 3)], 0-based as LSP counts
    private const int ClassLine = 8;         // public partial class Classifier;

    [Fact]
    public async Task csharp_ls_shows_NG0101_without_analyzers_at_the_attribute_with_them_and_the_layer_table_on_hover()
    {
        var total = Stopwatch.StartNew();
        var scratch = NewScratchDirectory("csharp-ls");
        try
        {
            var tools = Path.Combine(scratch, "tools");
            Step(DotnetCli.Succeed(scratch, "tool", "install", "--tool-path", tools, "csharp-ls", "--version", CsharpLsVersion));
            var server = Path.Combine(tools, OperatingSystem.IsWindows() ? "csharp-ls.exe" : "csharp-ls");

            var app = Directory.CreateDirectory(Path.Combine(scratch, "app")).FullName;
            File.WriteAllText(Path.Combine(app, "EditorCheck.csproj"), Project(package.Version));
            File.WriteAllText(Path.Combine(app, "nuget.config"), PackageConsumerTests.NuGetConfig(package.Feed, Path.Combine(scratch, "packages"), PackageConsumerTests.MachinePackagesFolder()));
            var program = Path.Combine(app, "Program.cs");
            File.WriteAllText(program, WrongSource);
            Step(DotnetCli.Succeed(app, "restore"));
            var uri = new Uri(program).AbsoluteUri;

            // 1. Analyzers off, as csharp-ls starts: only the compiler's errors in Program.cs reach the editor.
            var watch = Stopwatch.StartNew();
            using (var client = await Start(server, app, analyzers: false, uri, WrongSource))
            {
                var items = await PollDiagnostics(client, uri, d => d.Any(i => Code(i) == "CS0619"));
                output.WriteLine($"analyzers off, {watch.Elapsed.TotalSeconds:F1} s:\n{Describe(items)}");
                var errors = items.Where(i => (int?)i["severity"] == 1).ToList();
                Assert.NotEmpty(errors);
                Assert.All(errors, e => Assert.Contains("NG0101: fc2 (Linear) expects 62 input features", (string)e["message"]!, StringComparison.Ordinal));
                Assert.DoesNotContain(items, i => Code(i) is "CS0117" or "CS1061");
                Assert.DoesNotContain(items, i => Code(i) == "NG0101"); // the analyzer does not run here
            }

            // 2. Analyzers on: NG0101 at the attribute; then the fix, and hover shows the generated layer table.
            watch.Restart();
            using (var client = await Start(server, app, analyzers: true, uri, WrongSource))
            {
                var items = await PollDiagnostics(client, uri, d => d.Any(i => Code(i) == "NG0101"));
                output.WriteLine($"analyzers on, {watch.Elapsed.TotalSeconds:F1} s:\n{Describe(items)}");
                var ng0101 = Assert.Single(items, i => Code(i) == "NG0101");
                Assert.Equal(AttributeLine, (int)ng0101["range"]!["start"]!["line"]!);
                Assert.Equal("Linear(62, 3)", WrongSource.Split('\n')[AttributeLine].Substring((int)ng0101["range"]!["start"]!["character"]!, "Linear(62, 3)".Length));
                Assert.DoesNotContain(items, i => Code(i) is "CS0117" or "CS1061");

                watch.Restart();
                var fixedSource = WrongSource.Replace("[Linear(62, 3)]", "[Linear(64, 3)]", StringComparison.Ordinal);
                client.Notify("textDocument/didChange", new JsonObject
                {
                    ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = 2 },
                    ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = fixedSource }),
                });
                var hover = await Poll(
                    async () => (await client.RequestAsync("textDocument/hover", Position(uri, ClassLine, 22), Patience))?["contents"]?["value"]?.ToString() ?? string.Empty,
                    text => text.Contains("Total params", StringComparison.Ordinal));
                output.WriteLine($"hover after the fix, {watch.Elapsed.TotalSeconds:F1} s:\n{hover}");
                var table = hover.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), " +", " ")).ToList();
                // The last column is the gradient scale predicted at initialisation (docs/analyzers.md, "The summary column").
                Assert.Contains("fc1 (Linear) (-1, 64) 50,240 3.1", table);
                Assert.Contains("fc2 (Linear) (-1, 3) 195 1", table);
                Assert.Contains("Total params: 50,435", table);
                var after = await PollDiagnostics(client, uri, d => !d.Any(i => (int?)i["severity"] == 1));
                Assert.DoesNotContain(after, i => (int?)i["severity"] == 1);
            }

            output.WriteLine($"total (tool install, restore, two server sessions): {total.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            DeleteDirectory(scratch);
        }
    }

    private static string Project(string netGenVersion) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="NetGen" Version="{netGenVersion}" />
            <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
          </ItemGroup>
        </Project>
        """;

    private static async Task<LanguageServerClient> Start(string server, string root, bool analyzers, string uri, string text)
    {
        var client = new LanguageServerClient(server, root, new JsonObject { ["analyzersEnabled"] = analyzers });
        var rootUri = new Uri(root + Path.DirectorySeparatorChar).AbsoluteUri;
        await client.RequestAsync("initialize", new JsonObject
        {
            ["processId"] = Environment.ProcessId,
            ["rootUri"] = rootUri,
            ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = rootUri, ["name"] = "app" }),
            ["capabilities"] = new JsonObject
            {
                ["workspace"] = new JsonObject { ["configuration"] = true, ["workspaceFolders"] = true },
                ["textDocument"] = new JsonObject
                {
                    ["diagnostic"] = new JsonObject { ["dynamicRegistration"] = false },
                    ["hover"] = new JsonObject { ["contentFormat"] = new JsonArray("markdown", "plaintext") },
                    ["codeAction"] = new JsonObject(),
                    ["synchronization"] = new JsonObject { ["didSave"] = true },
                },
            },
        }, Patience);
        client.Notify("initialized", new JsonObject());
        client.Notify("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "csharp", ["version"] = 1, ["text"] = text },
        });
        return client;
    }

    /// <summary>Pulls the document's diagnostics every two seconds until <paramref name="done"/> holds (the project loads in the background).</summary>
    private static Task<List<JsonNode>> PollDiagnostics(LanguageServerClient client, string uri, Func<List<JsonNode>, bool> done) =>
        Poll(
            async () => ((await client.RequestAsync("textDocument/diagnostic", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } }, Patience))?["items"]?.AsArray()
                ?? new JsonArray()).Select(i => i!.DeepClone()).ToList(),
            done,
            client);

    private static async Task<T> Poll<T>(Func<Task<T>> read, Func<T, bool> done, LanguageServerClient? client = null)
    {
        var deadline = Stopwatch.StartNew();
        var last = await read();
        while (!done(last))
        {
            if (deadline.Elapsed > Patience)
            {
                Assert.Fail($"the language server did not get there within {Patience}; last answer: {(last is List<JsonNode> l ? Describe(l) : last)}\n{client?.Log()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            last = await read();
        }

        return last;
    }

    private static JsonObject Position(string uri, int line, int character) => new()
    {
        ["textDocument"] = new JsonObject { ["uri"] = uri },
        ["position"] = new JsonObject { ["line"] = line, ["character"] = character },
    };

    private static string? Code(JsonNode item) => item["code"]?.ToString();

    private static string Describe(IEnumerable<JsonNode> items) =>
        string.Join("\n", items.Select(i => $"  {Code(i)} (severity {i["severity"]}) line {(int)i["range"]!["start"]!["line"]! + 1}: {i["message"]}"));

    private void Step(string log) => output.WriteLine(log);
}
