using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// Decides whether a class whose declaration has an error gets a shell, and reads what the shell holds.
    /// Without one, every use of the class in the user's code is CS0117/CS1061 ("no definition for 'Summary'"), and
    /// editors that run no analyzers (csharp-ls and OmniSharp by default) show only those: the shell turns each use
    /// into CS0619 carrying the NG message instead (docs/editors.md).
    /// </summary>
    internal static class NetworkShellReader
    {
        // Problems with the class itself, where the shell's partial declaration or its members could not compile:
        // not partial, nested/generic/static, another base type, layers split across declarations, a member that
        // takes a generated name, a constructor that does not chain to this() (it would now call the module's base()), a
        // forward(Tensor) of the user's that is no override (next to the shell's it would be CS0111 or hide it).
        private static readonly HashSet<string> ClassProblems = new() { "NG0102", "NG0109", "NG0110", "NG0111", "NG0112", "NG0120", "NG0121" };

        // The shell's own member names: a layer named like one of them (allowed when the option it would clash with is
        // itself invalid) gets no field.
        private static readonly HashSet<string> ShellMembers = new()
        {
            "Summary", "Trainer", "TrainStep", "forward", "ClipGradients", "ClipGradientValues", "Loss", "Monitor", Emit.ShellEmitter.ErrorConstant,
        };

        public static NetworkShellModel? Read(INamedTypeSymbol type, ParsedNetwork parsed, IReadOnlyList<AttributeData> attributes, CancellationToken cancellationToken)
        {
            var error = parsed.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("NG01", System.StringComparison.Ordinal));
            if (error is null ||
                parsed.Diagnostics.Any(d => ClassProblems.Contains(d.Id)) ||
                type.TypeKind != TypeKind.Class || type.ContainingType is not null || type.IsGenericType || type.IsStatic ||
                !type.GetMembers(Emit.ShellEmitter.ErrorConstant).IsEmpty ||
                // A second [Obsolete] would not compile (CS0579); the shell's own, seen when the generator's output is
                // fed back as source (as tests do), starts with the NG id.
                type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute" &&
                                              !(a.ConstructorArguments.FirstOrDefault().Value is string text && text.StartsWith("NG01", System.StringComparison.Ordinal))))
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var fields = new List<ShellField>();
            foreach (var layer in parsed.Layers)
            {
                if (layer.Model is { FieldName: { } name, ModuleType: { } moduleType } &&
                    SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None &&
                    name != type.Name && !ShellMembers.Contains(name) && fields.All(f => f.Name != name))
                {
                    fields.Add(new ShellField(name, moduleType));
                }
            }

            var options = new HashSet<string>(attributes.Select(a => a.AttributeClass?.Name ?? string.Empty));
            var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
            return new NetworkShellModel(
                ns,
                type.Name,
                (ns is null ? string.Empty : ns + ".") + type.Name + ".g.cs",
                Describe(error),
                fields.ToEquatableArray(),
                HasClip: options.Contains("ClipGradNormAttribute") && IsFree(type, "ClipGradients", parameters: 0),
                HasClipValue: options.Contains("ClipGradValueAttribute") && IsFree(type, "ClipGradientValues", parameters: 0),
                HasLoss: options.Contains("LossAttribute") && IsFree(type, "Loss", parameters: 2),
                HasMonitor: options.Contains("GradientMonitorAttribute") && type.GetMembers("Monitor").IsEmpty)
            {
                HasUserForward = parsed.UserForward,
            };
        }

        /// <summary>
        /// Whether the class leaves room for the option's member. With an invalid option (<c>[ClipGradNorm(double.NaN)]</c>)
        /// NG0112 does not guard its name, since the valid network would not have it, but the shell declares it anyway.
        /// </summary>
        private static bool IsFree(INamedTypeSymbol type, string name, int parameters) =>
            type.GetMembers(name).All(m => m is IMethodSymbol method && method.Parameters.Length != parameters);

        /// <summary>"NG0101: fc2 (Linear) expects 62 input features, ... (Program.cs, line 17)".</summary>
        private static string Describe(Diagnostic error)
        {
            var text = error.Id + ": " + error.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            if (error.Location.IsInSource)
            {
                var span = error.Location.GetLineSpan();
                var line = (span.StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                text += string.IsNullOrEmpty(span.Path) ? $" (line {line})" : $" ({Path.GetFileName(span.Path)}, line {line})";
            }

            return text;
        }
    }
}
