using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Catalog;
using NetGen.Generator.Emit;
using NetGen.Generator.Emit.Onnx;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator
{
    /// <summary>
    /// Turns a partial class annotated with NetGen layer attributes into a TorchSharp module.
    /// Flow: attribute syntax → <see cref="NetworkParser"/> (catalogue + shape inference) →
    /// <see cref="NetworkModel"/> → <see cref="NetworkEmitter"/>. An invalid declaration gets a shell instead
    /// (<see cref="NetworkShellReader"/> → <see cref="ShellEmitter"/>): its uses become CS0619 errors carrying the NG
    /// message, which <see cref="Analyzers.NetworkDeclarationAnalyzer"/> reports at the attribute.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // A network has no marker attribute: any NetGen attribute makes a class one. One syntax provider takes
            // the attributed classes whose attribute names could be NetGen's (AttributeCandidates: a catalogue name,
            // with or without the suffix, qualified or not, or a using alias), and resolves them semantically, so
            // aliases and qualified names work and only NetGen's own attributes count. One
            // ForAttributeWithMetadataName pipeline per attribute kind (58) would search every file 58 times and
            // would re-read every network after any edit just as this provider does (its semantic step is combined
            // with the compilation), so the single provider costs the IDE nothing more. docs/performance.md has
            // the numbers.
            // What the compilation can run, reduced to booleans so the network pipelines stay cached, and whether the
            // project wants the PyTorch twin (the NetGenPyTorchTwin build property).
            var targets = context.CompilationProvider
                .Select(static (compilation, _) => Targets.Of(compilation))
                .Combine(context.AnalyzerConfigOptionsProvider.Select(static (options, _) => Targets.WantsPyTorchTwin(options.GlobalOptions)))
                .Select(static (pair, _) => pair.Left with { PyTorchTwin = pair.Right })
                .WithTrackingName(TrackingNames.Targets);

            // Global using aliases (`global using Dense = NetGen.LinearAttribute;`) may sit in any file.
            var globalAliases = context.SyntaxProvider
                .CreateSyntaxProvider(
                    static (node, _) => node is UsingDirectiveSyntax { Alias: not null } directive && directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword),
                    static (ctx, _) => ((UsingDirectiveSyntax)ctx.Node).Alias!.Name.Identifier.ValueText)
                .Collect()
                .Select(static (names, _) => names.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray());

            var networks = context.SyntaxProvider
                .CreateSyntaxProvider(
                    static (node, _) => node is ClassDeclarationSyntax { AttributeLists.Count: > 0 },
                    static (ctx, _) => new ClassCandidate((ClassDeclarationSyntax)ctx.Node, ctx.SemanticModel))
                .Combine(globalAliases)
                .Select(static (pair, ct) => AttributeCandidates.MayBeNetwork(pair.Left.Declaration, pair.Right) ? ReadNetwork(pair.Left.SemanticModel, pair.Left.Declaration, ct) : null)
                .WithTrackingName(TrackingNames.Read)
                .Where(static model => model is not null)
                .WithTrackingName(TrackingNames.Network);

            context.RegisterSourceOutput(networks.Combine(targets), static (spc, pair) => Emit(spc, pair.Left!, pair.Right));
        }

        private static void Emit(SourceProductionContext context, GeneratedNetwork network, Targets targets)
        {
            if (network.Shell is { } shell)
            {
                EmitShell(context, shell, targets);
                return;
            }

            var model = network.Network!;
            string source;
            string? onnx = null;
            try
            {
                if (targets.OnnxInference && !targets.TorchSharp && model.UserForward)
                {
                    // The class's own forward is TorchSharp code: there is no graph to run without TorchSharp.
                    return;
                }

                if (targets.OnnxInference && !targets.TorchSharp)
                {
                    // An app that ships with ONNX Runtime and no TorchSharp: the declaration becomes the typed inference class.
                    source = InferenceEmitter.Emit(model);
                }
                else
                {
                    source = NetworkEmitter.Emit(model, targets.PyTorchTwin);
                    onnx = targets.OnnxExport && OnnxEmitter.Supports(model) ? OnnxEmitter.Emit(model) : null;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken network must not become CS8785 and take every other generated file with it.
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.InternalError, null, model.ClassName, e.GetType().Name, e.Message));
                return;
            }

            context.AddSource(model.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
            if (onnx is not null)
            {
                context.AddSource(OnnxEmitter.HintName(model), SourceText.From(onnx, System.Text.Encoding.UTF8));
            }
        }

        private static void EmitShell(SourceProductionContext context, NetworkShellModel shell, Targets targets)
        {
            // The shell derives from TorchSharp's Module: an app with ONNX Runtime and no TorchSharp gets none.
            if (!targets.TorchSharp)
            {
                return;
            }

            string source;
            try
            {
                source = ShellEmitter.Emit(shell);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.InternalError, null, shell.ClassName, e.GetType().Name, e.Message));
                return;
            }

            context.AddSource(shell.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
        }

        private static GeneratedNetwork? ReadNetwork(SemanticModel semanticModel, ClassDeclarationSyntax declaration, System.Threading.CancellationToken cancellationToken)
        {
            try
            {
                if (semanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type)
                {
                    return null;
                }

                // A partial class may be declared several times; it is generated once, from the declaration that
                // carries its first NetGen attribute.
                var attributes = NetworkParser.NetGenAttributes(type, cancellationToken);
                if (attributes.Count == 0 ||
                    attributes[0].ApplicationSyntaxReference is not { } first ||
                    first.SyntaxTree != declaration.SyntaxTree ||
                    !declaration.AttributeLists.FullSpan.Contains(first.Span))
                {
                    return null;
                }

                var parsed = NetworkParser.Parse(type, attributes, cancellationToken);
                if (GradientFlow.GradientScales.Attach(parsed) is { } model)
                {
                    return new GeneratedNetwork(model, null);
                }

                // An invalid declaration: a shell keeps the user's uses of the class from cascading into unrelated errors.
                return NetworkShellReader.Read(type, parsed, attributes, cancellationToken) is { } shell ? new GeneratedNetwork(null, shell) : null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Never let a bug here become CS8785 and take the user's other generated code with it;
                // the analyzer runs the same parser and surfaces the failure as a diagnostic.
                return null;
            }
        }
    }

    /// <summary>An attributed class and the semantic model of its file, for the step that resolves its attributes.</summary>
    internal readonly record struct ClassCandidate(ClassDeclarationSyntax Declaration, SemanticModel SemanticModel);

    /// <summary>
    /// Which engines the compilation references: TorchSharp (the module), NetGen.Onnx (the module's ONNX graph)
    /// and NetGen.Inference (the ONNX Runtime class), selected from the compilation as plain booleans; and whether the
    /// module carries its PyTorch twin (<c>PyTorchSource</c>; on unless the project sets <c>NetGenPyTorchTwin</c> to false).
    /// </summary>
    internal sealed record Targets(bool TorchSharp, bool OnnxExport, bool OnnxInference)
    {
        /// <summary>The build property that turns the PyTorch twin off, as the compiler sees it (CompilerVisibleProperty).</summary>
        public const string PyTorchTwinProperty = "build_property.NetGenPyTorchTwin";

        public bool PyTorchTwin { get; init; } = true;

        /// <summary>False only when the project sets <c>NetGenPyTorchTwin</c> to <c>false</c>.</summary>
        public static bool WantsPyTorchTwin(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options) =>
            !(options.TryGetValue(PyTorchTwinProperty, out var value) && string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase));

        public static Targets Of(Compilation compilation) => new(
            compilation.GetTypeByMetadataName("TorchSharp.torch") is not null,
            compilation.GetTypeByMetadataName("NetGen.Onnx.IOnnxExportable") is not null,
            compilation.GetTypeByMetadataName("NetGen.Inference.OnnxNetwork") is not null);
    }
}
