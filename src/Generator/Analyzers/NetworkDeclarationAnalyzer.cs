using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Analyzers
{
    /// <summary>
    /// Reports NG01xx declaration errors at the attribute that caused them. It runs the same parser as
    /// the generator, so a class the generator skips always carries an error saying why.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class NetworkDeclarationAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.LayerSizeMismatch,
            DiagnosticDescriptors.ClassNotPartial,
            DiagnosticDescriptors.NoLayers,
            DiagnosticDescriptors.NonPositiveSize,
            DiagnosticDescriptors.SizeNotInferable,
            DiagnosticDescriptors.InvalidArgument,
            DiagnosticDescriptors.DuplicateLayerName,
            DiagnosticDescriptors.InvalidLayerName,
            DiagnosticDescriptors.UnsupportedClass,
            DiagnosticDescriptors.ClassHasBaseType,
            DiagnosticDescriptors.LayersSplitAcrossDeclarations,
            DiagnosticDescriptors.MemberNameClash,
            DiagnosticDescriptors.ConstructorWithoutThis);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                // Nothing to do in a compilation that does not reference NetGen's attributes.
                if (start.Compilation.GetTypeByMetadataName("NetGen.LayerAttribute") is null)
                {
                    return;
                }

                start.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
            });
        }

        private static void AnalyzeType(SymbolAnalysisContext context)
        {
            if (context.Symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type)
            {
                return;
            }

            var parsed = NetworkParser.Parse(type, context.CancellationToken);
            if (parsed is null)
            {
                return;
            }

            foreach (var diagnostic in parsed.Diagnostics)
            {
                context.ReportDiagnostic(diagnostic);
            }
        }
    }
}
