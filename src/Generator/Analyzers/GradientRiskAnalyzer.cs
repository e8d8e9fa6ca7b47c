using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NetGen.Generator.Analyzers.Rules;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Analyzers
{
    /// <summary>
    /// Reports NG00xx gradient-risk and design warnings on networks that declare validly (a class with an
    /// NG01xx error is left to <see cref="NetworkDeclarationAnalyzer"/>). Each rule is a
    /// <see cref="NetworkRule"/>; adding one is a class in Rules/ and a line in <see cref="AllRules"/>.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GradientRiskAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly ImmutableArray<NetworkRule> AllRules = ImmutableArray.Create<NetworkRule>(
            new VanishingGradientRule(),
            new ExplodingGradientRule(),
            new UnprotectedDepthRule(),
            new BiasBeforeBatchNormRule(),
            new ConsecutiveActivationsRule(),
            new ConsecutiveLinearRule(),
            new DropoutBeforeBatchNormRule(),
            new HighDropoutRateRule(),
            new InitializationMismatchRule(),
            new OutputLossRule(),
            new UnclippedRecurrentRule());

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            AllRules.SelectMany(r => r.Descriptors).Append(DiagnosticDescriptors.InvalidOption).ToImmutableArray();

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                // Resolved once per compilation: nothing to do where NetGen's attributes are not referenced.
                if (start.Compilation.GetTypeByMetadataName("NetGen.LayerAttribute") is not { } layerAttribute)
                {
                    return;
                }

                start.RegisterSymbolAction(c => AnalyzeType(c, layerAttribute), SymbolKind.NamedType);
            });
        }

        private static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol layerAttribute)
        {
            if (context.Symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type || !HasNetGenAttribute(type, layerAttribute))
            {
                return;
            }

            var parsed = NetworkParser.Parse(type, context.CancellationToken);
            // Every rule reads declaration order as the data flow, which a user-written forward replaces.
            if (parsed?.Model is null || parsed.UserForward)
            {
                return;
            }

            var network = new NetworkRuleContext(type, parsed, context);
            foreach (var rule in AllRules)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                rule.Analyze(network);
            }
        }

        /// <summary>A cheap symbol-only filter before the full parse.</summary>
        private static bool HasNetGenAttribute(INamedTypeSymbol type, INamedTypeSymbol layerAttribute)
        {
            foreach (var attribute in type.GetAttributes())
            {
                var cls = attribute.AttributeClass;
                if (cls is null)
                {
                    continue;
                }

                if (NetGen.Generator.Catalog.NetworkOptionCatalog.Find(NetworkParser.MetadataName(cls)) is not null)
                {
                    return true;
                }

                for (var b = cls.BaseType; b is not null; b = b.BaseType)
                {
                    if (SymbolEqualityComparer.Default.Equals(b, layerAttribute))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
