using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Stage 2 of parsing: whether NetGen can complete the class at all (partial, top-level, not generic or
    /// static, no base class of its own, layers on one declaration). These errors do not stop the later
    /// stages, so a user sees every problem of a declaration at once.
    /// </summary>
    internal static class ClassChecks
    {
        public static bool Check(
            INamedTypeSymbol type,
            List<AttributeData> attributes,
            Location? location,
            List<Diagnostic> diagnostics,
            CancellationToken cancellationToken)
        {
            var declarations = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<ClassDeclarationSyntax>()
                .ToList();
            var valid = true;

            if (!declarations.Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ClassNotPartial, type.Locations.FirstOrDefault(), type.Name));
                valid = false;
            }

            var problem = type.ContainingType is not null ? "nested in another type"
                : type.IsGenericType ? "generic"
                : type.IsStatic ? "static"
                : null;
            if (problem is not null)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name, problem));
                valid = false;
            }

            if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType && !IsGeneratedBase(baseType))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ClassHasBaseType, location, type.Name, baseType.ToDisplayString()));
                valid = false;
            }

            var carriers = attributes
                .Where(a => a.ApplicationSyntaxReference is not null)
                .Select(a => a.ApplicationSyntaxReference!.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>())
                .Distinct()
                .Count();
            if (carriers > 1)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.LayersSplitAcrossDeclarations, location, type.Name, carriers));
                valid = false;
            }

            return valid;
        }

        /// <summary>
        /// Once generated, the class's base type is the one NetGen declared (the runtime's <c>NetworkModule</c>, the TorchSharp
        /// module for a shell, or ONNX Runtime's <c>OnnxNetwork</c> in an app without TorchSharp); that is not a user's base class.
        /// </summary>
        private static bool IsGeneratedBase(INamedTypeSymbol baseType) =>
            baseType.OriginalDefinition.ToDisplayString() is "NetGen.NetworkModule" or "TorchSharp.torch.nn.Module<T, TResult>" or "NetGen.Inference.OnnxNetwork";
    }
}
