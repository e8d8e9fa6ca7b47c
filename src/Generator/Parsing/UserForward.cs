using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Finds the escape hatch: a <c>public override Tensor forward(Tensor input)</c> the user wrote in the class. With
    /// one, NetGen generates everything but <c>forward</c> (fields, registration, summary, monitoring, training step),
    /// and the layers' shapes are checked one by one as declared, since NetGen cannot follow the user's data flow.
    /// A one-parameter <c>forward</c> with another signature is NG0121 at the method.
    /// </summary>
    internal static class UserForward
    {
        private const string TensorType = "TorchSharp.torch.Tensor";

        /// <summary>Whether the class declares a usable forward of its own; reports NG0121 for a one-parameter forward that is not one.</summary>
        public static bool Find(INamedTypeSymbol type, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var found = false;
            foreach (var member in type.GetMembers("forward"))
            {
                if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary, Parameters.Length: 1 } method ||
                    member.IsImplicitlyDeclared || !MemberClashes.IsDeclaredByUser(member, cancellationToken))
                {
                    continue;
                }

                if (Problem(method) is { } problem)
                {
                    var at = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration
                        ? declaration.Identifier.GetLocation()
                        : method.Locations.FirstOrDefault();
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.UserForwardSignature, at, type.Name, problem));
                }
                else
                {
                    found = true;
                }
            }

            return found;
        }

        private static string? Problem(IMethodSymbol method)
        {
            var parameter = method.Parameters[0];
            if (parameter.Type.ToDisplayString() != TensorType || parameter.RefKind != RefKind.None || parameter.IsParams)
            {
                return $"its parameter is '{parameter.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}', not a Tensor";
            }

            if (method.ReturnType.ToDisplayString() != TensorType || method.RefKind != RefKind.None)
            {
                return $"it returns '{method.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}', not a Tensor";
            }

            if (method.IsStatic || method.IsGenericMethod)
            {
                return method.IsStatic ? "it is static" : "it is generic";
            }

            if (!method.IsOverride)
            {
                return "it is not declared 'override', so TorchSharp's call() would not reach it";
            }

            return method.DeclaredAccessibility != Accessibility.Public ? "it is not public" : null;
        }
    }
}
