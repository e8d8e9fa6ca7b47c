using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Shipping;

/// <summary>
/// The code fixes as an IDE gets them: the analyzer assemblies are loaded from the packed package's
/// <c>analyzers/dotnet/cs</c> folder into their own load context (Roslyn itself stays the host's), the analyzers
/// and code-fix providers are found by reflection, and one fix is applied to a real document in a workspace.
/// </summary>
[Collection(PackedNetGenCollection.Name)]
public sealed class PackedCodeFixTests
{
    private readonly PackedNetGen package;

    public PackedCodeFixTests(PackedNetGen package) => this.package = package;

    [Fact]
    public async Task An_IDE_loading_the_packed_analyzer_folder_finds_NetGens_code_fixes_and_applies_one()
    {
        var context = new AnalyzerFolderLoadContext(package.AnalyzerFolder);
        var generator = context.LoadFromAssemblyPath(Path.Combine(package.AnalyzerFolder, "NetGen.Generator.dll"));
        var codeFixes = context.LoadFromAssemblyPath(Path.Combine(package.AnalyzerFolder, "NetGen.CodeFixes.dll"));

        // Loaded from the package, not the copies this test project references.
        Assert.NotSame(typeof(NetGen.Generator.NetworkGenerator).Assembly, generator);
        Assert.StartsWith(package.AnalyzerFolder, codeFixes.Location, StringComparison.Ordinal);
        Assert.Same(typeof(CodeFixProvider).Assembly, codeFixes.GetReferencedAssemblies()
            .Where(a => a.Name == "Microsoft.CodeAnalysis.Workspaces").Select(context.LoadFromAssemblyName).Single());

        var analyzers = Instances<DiagnosticAnalyzer>(generator, typeof(DiagnosticAnalyzerAttribute));
        var providers = Instances<CodeFixProvider>(codeFixes, typeof(ExportCodeFixProviderAttribute));
        Assert.Equal(new[] { "GradientRiskAnalyzer", "NetworkDeclarationAnalyzer" }, analyzers.Select(a => a.GetType().Name).Order(StringComparer.Ordinal));
        var fixable = providers.SelectMany(p => p.FixableDiagnosticIds).ToHashSet(StringComparer.Ordinal);
        foreach (var id in ExpectedFixableIds)
        {
            Assert.Contains(id, fixable);
        }

        // A document in a workspace, as the IDE has it; the analyzers from the package report, the fix from the package edits.
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "App", "App", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary),
            parseOptions: GeneratorHarness.ParseOptions,
            metadataReferences: GeneratorHarness.References));
        var document = workspace.AddDocument(project.Id, "Net.cs", SourceText.From(Broken));
        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(analyzers.ToImmutableArray()).GetAnalyzerDiagnosticsAsync();
        var diagnostic = Assert.Single(diagnostics, d => d.Id == FixedId);

        var provider = Assert.Single(providers, p => p.FixableDiagnosticIds.Contains(FixedId));
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        var action = Assert.Single(actions);
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        var changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution.GetDocument(document.Id)!;
        Assert.Equal(Fixed, (await changed.GetTextAsync()).ToString());
        Assert.NotNull(provider.GetFixAllProvider());
    }

    private const string FixedId = "NG0101";

    /// <summary>Diagnostics with a code fix in the package.</summary>
    private static readonly string[] ExpectedFixableIds = { "NG0001", "NG0002", "NG0003", "NG0006", "NG0008", "NG0101", "NG0102", "NG0115" };

    private const string Broken = """
        using NetGen;
        namespace App;
        [Linear(4, 64), ReLU, Linear(62, 3)]
        public partial class Classifier;
        """;

    private const string Fixed = """
        using NetGen;
        namespace App;
        [Linear(4, 64), ReLU, Linear(64, 3)]
        public partial class Classifier;
        """;

    private static List<T> Instances<T>(Assembly assembly, Type exportAttribute) =>
        assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(T).IsAssignableFrom(t) && t.GetCustomAttributes(exportAttribute, inherit: false).Length > 0)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToList();

    /// <summary>
    /// What an IDE's analyzer loader does: the package's own assemblies come from its folder; Roslyn and the framework
    /// resolve to the host's copies (falling back to the default context), so their types are the host's types.
    /// </summary>
    private sealed class AnalyzerFolderLoadContext(string folder) : AssemblyLoadContext("NetGen analyzers " + folder)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
