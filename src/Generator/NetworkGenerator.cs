using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator
{
    /// <summary>
    /// Turns a partial class annotated with NetGen layer attributes into a TorchSharp module.
    /// Flow: attribute syntax → <see cref="NetworkParser"/> (catalogue + shape inference) →
    /// <see cref="NetworkModel"/> → <see cref="NetworkEmitter"/>. Invalid declarations produce no code;
    /// <see cref="Analyzers.NetworkDeclarationAnalyzer"/> explains why.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // A network has no marker attribute: any of ~35 NetGen attributes makes a class one. The first
            // design ran one ForAttributeWithMetadataName pipeline per attribute kind: every syntax tree was
            // searched 35 times, and a network was read semantically once per attribute kind it uses
            // (docs/performance.md has the cost). Here one syntax provider takes each file once, finds its
            // attributed classes syntactically, and resolves their attributes semantically (so aliases and
            // qualified names work as before); like any syntax provider it re-runs only for edited files.
            // An edited file comes back as a new entry, so to keep "edit one network, regenerate one" the
            // files' model lists are collected and unrolled again: SelectMany compares its outputs with the
            // previous run's by position, first per file (an unedited file is Unchanged and not unrolled
            // again), then per network within an edited file. Files without networks are dropped first, so
            // adding or editing them changes nothing at all.
            var networks = context.SyntaxProvider
                .CreateSyntaxProvider(
                    static (node, _) => node is CompilationUnitSyntax,
                    static (ctx, ct) => ReadNetworks(ctx, ct))
                .WithTrackingName(TrackingNames.File)
                .Where(static models => models.Count > 0)
                .Collect()
                .SelectMany(static (files, _) => files)
                .SelectMany(static (models, _) => models)
                .WithTrackingName(TrackingNames.Network);

            context.RegisterSourceOutput(networks, static (spc, model) => Emit(spc, model));
        }

        private static void Emit(SourceProductionContext context, NetworkModel model)
        {
            string source;
            try
            {
                source = NetworkEmitter.Emit(model);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken network must not become CS8785 and take every other generated file with it.
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.InternalError, null, model.ClassName, e.GetType().Name, e.Message));
                return;
            }

            context.AddSource(model.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
        }

        private static EquatableArray<NetworkModel> ReadNetworks(GeneratorSyntaxContext context, CancellationToken cancellationToken)
        {
            // Classes live only in namespaces and other types, so method bodies are never entered.
            var candidates = context.Node
                .DescendantNodes(static node => node is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax)
                .OfType<ClassDeclarationSyntax>()
                .Where(static declaration => declaration.AttributeLists.Count > 0);
            var models = new System.Collections.Generic.List<NetworkModel>();
            foreach (var declaration in candidates)
            {
                if (ReadNetwork(context.SemanticModel, declaration, cancellationToken) is { } model)
                {
                    models.Add(model);
                }
            }

            return models.ToEquatableArray();
        }

        private static NetworkModel? ReadNetwork(SemanticModel semanticModel, ClassDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            try
            {
                if (semanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type)
                {
                    return null;
                }

                // A partial class can be declared several times; it is generated once, from the declaration
                // that carries its first NetGen attribute.
                var attributes = NetworkParser.NetGenAttributes(type, cancellationToken);
                if (attributes.Count == 0 ||
                    attributes[0].ApplicationSyntaxReference is not { } first ||
                    first.SyntaxTree != declaration.SyntaxTree ||
                    !declaration.AttributeLists.FullSpan.Contains(first.Span))
                {
                    return null;
                }

                return NetworkParser.Parse(type, attributes, cancellationToken).Model;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Never let a bug here become CS8785 and take the user's other generated code with it;
                // the analyzer runs the same parser and surfaces the failure as a diagnostic.
                return null;
            }
        }
    }
}
