using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Stage 5 of parsing: the names NetGen generates (layer fields, <c>forward</c>, <c>Summary</c>, ...) must not
    /// collide with each other or with what the user declared in the class, and a user constructor must chain to
    /// the generated one.
    /// </summary>
    internal static class MemberClashes
    {
        /// <summary>
        /// NG0112: a name NetGen generates (a layer field, forward, Summary, Trainer, TrainStep, PyTorchSource, the declared
        /// ClipGradients, ClipGradientValues, Loss and Monitor, the parameterless constructor) is also taken by a member the user declared, by the
        /// class itself, or by another generated member. Reported at the layer attribute that makes the
        /// field, else at the first attribute (at [ClipGradNorm] for ClipGradients).
        /// </summary>
        public static void Check(
            INamedTypeSymbol type,
            List<ParsedLayer> layers,
            AttributeData? clipAttribute,
            NetworkOptions options,
            Location? location,
            List<Diagnostic> diagnostics,
            CancellationToken cancellationToken)
        {
            foreach (var layer in layers)
            {
                if (layer.Model.FieldName is not { } field)
                {
                    continue;
                }

                var taken = field == type.Name ? "by the class itself"
                    : GeneratedMember(field, options, layerField: true) is { } generated ? "by " + generated
                    : null;
                if (taken is not null)
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MemberNameClash, layer.Location, field, type.Name,
                        $"{taken} and by the field NetGen generates for the layer {field} ({layer.Definition.AttributeName})", "give the layer another Name"));
                }
            }

            foreach (var member in type.GetMembers())
            {
                if (member.IsImplicitlyDeclared || !IsDeclaredByUser(member, cancellationToken))
                {
                    continue;
                }

                var layer = layers.FirstOrDefault(l => l.Model.FieldName == member.Name);
                var shortcutOwner = layers.FirstOrDefault(l => l.Model.Shortcut?.FieldName == member.Name);
                if (shortcutOwner is not null)
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MemberNameClash, shortcutOwner.Location, member.Name, type.Name,
                        $"by a member declared in the class and by the field NetGen generates for the shortcut of {shortcutOwner.Model.FieldName} (Residual)",
                        "rename the member or give the residual layer another Name"));
                }
                else if (layer is not null)
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MemberNameClash, layer.Location, member.Name, type.Name,
                        $"by a member declared in the class and by the field NetGen generates for the layer {member.Name} ({layer.Definition.AttributeName})",
                        "rename the member or give the layer another Name"));
                }
                else if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false, Parameters.Length: > 0 } constructor &&
                         constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is ConstructorDeclarationSyntax
                         {
                             Initializer: null or { ThisOrBaseKeyword.RawKind: (int)SyntaxKind.BaseKeyword },
                         } declaration)
                {
                    // NG0120: without : this(), the generated constructor that creates the layers never runs.
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.ConstructorWithoutThis, declaration.Identifier.GetLocation(),
                        $"{type.Name}({string.Join(", ", constructor.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " " + p.Name))})"));
                }
                else if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false, Parameters.Length: 0 })
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MemberNameClash, location, type.Name + "()", type.Name,
                        "by a parameterless constructor declared in the class and by the one NetGen generates to create and register the layers",
                        "remove yours and initialise your own state in field initialisers"));
                }
                else if (GeneratedMember(member.Name, options) is { } generated &&
                         member is not IMethodSymbol { MethodKind: not MethodKind.Ordinary } &&
                         // Overloads of the generated methods are fine: only their own signatures clash. A forward(Tensor) is the
                         // user's own forward, which replaces the generated one (Parsing/UserForward; NG0121 when its signature is wrong).
                         !(member is IMethodSymbol method &&
                           (member.Name == "forward" || (member.Name is "ClipGradients" or "ClipGradientValues" && method.Parameters.Length != 0))))
                {
                    var at = member.Name == "ClipGradients" && clipAttribute is not null ? AttributeReader.Location(clipAttribute, cancellationToken) : location;
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.MemberNameClash, at, member.Name, type.Name,
                        "by a member declared in the class and by " + generated, "rename the member"));
                }
            }
        }

        private static string? GeneratedMember(string name, NetworkOptions options, bool layerField = false) => name switch
        {
            // forward's parameter and its locals x1, x2, ... would hide a layer field of the same name inside forward.
            "input" or "observeLayer" when layerField => "a parameter of the forward method NetGen generates",
            "output" when layerField => "a local variable of the forward method NetGen generates",
            _ when layerField && name.Length > 1 && name[0] == 'x' && name.Skip(1).All(char.IsDigit) => "a local variable of the forward method NetGen generates",
            "forward" => "the forward method NetGen generates",
            "Summary" => "the Summary property NetGen generates",
            "Trainer" => "the Trainer property NetGen generates",
            "PyTorchSource" => "the PyTorchSource property NetGen generates (the network's PyTorch twin)",
            "TrainStep" => "the TrainStep methods NetGen generates",
            "ClipGradients" when options.Clip is not null => "the ClipGradients method NetGen generates for [ClipGradNorm]",
            "ClipGradientValues" when options.ClipValue is not null => "the ClipGradientValues method NetGen generates for [ClipGradValue]",
            "Loss" when options.Loss is not null => "the Loss method NetGen generates for [Loss]",
            "Monitor" when options.Monitor is not null => "the Monitor property NetGen generates for [GradientMonitor]",
            _ => null,
        };

        /// <summary>Members of NetGen's own generated declaration (marked [GeneratedCode("NetGen", ...)]) are not the user's.</summary>
        internal static bool IsDeclaredByUser(ISymbol member, CancellationToken cancellationToken)
        {
            foreach (var reference in member.DeclaringSyntaxReferences)
            {
                var declaration = reference.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();
                var generated = declaration is not null && declaration.AttributeLists.SelectMany(l => l.Attributes).Any(a =>
                    a.Name.ToString().EndsWith("GeneratedCode", System.StringComparison.Ordinal) &&
                    a.ArgumentList?.Arguments.FirstOrDefault()?.Expression is LiteralExpressionSyntax { Token.ValueText: "NetGen" });
                if (!generated)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
