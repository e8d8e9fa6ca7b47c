using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Diagnostics
{
    /// <summary>
    /// Every diagnostic NetGen reports, in one place. <c>NG00xx</c> is kept for gradient-risk
    /// warnings; <c>NG01xx</c> are declaration errors: the generator writes no code for a class
    /// that has one, and the analyzer reports it at the attribute that caused it.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string DeclarationCategory = "NetGen.Declaration";

        /// <summary>Each id's page lives in the repository under docs/diagnostics/.</summary>
        private const string HelpLinkBase = "docs/diagnostics/";

        public static readonly DiagnosticDescriptor LayerSizeMismatch = Error(
            "NG0101",
            "Layer input size does not match the previous layer's output",
            "{0} expects {1} input features, but the previous layer {2} outputs {3}; write [{4}] or change the previous layer",
            "Consecutive layers must agree on sizes: a Linear layer's inFeatures must equal the previous layer's output size. At run time the mismatch would fail with 'mat1 and mat2 shapes cannot be multiplied'.");

        public static readonly DiagnosticDescriptor ClassNotPartial = Error(
            "NG0102",
            "Network class must be partial",
            "'{0}' has NetGen layer attributes but is not partial; declare it 'partial class {0}' so NetGen can generate its module",
            "NetGen adds the module's fields, constructor and forward method to the class in a second partial declaration.");

        public static readonly DiagnosticDescriptor NoLayers = Error(
            "NG0103",
            "Network declares no layers",
            "'{0}' has [{1}] but no layer attributes; add layers such as [Linear(784, 300), ReLU]",
            "A network needs at least one layer attribute for NetGen to generate a module.");

        public static readonly DiagnosticDescriptor NonPositiveSize = Error(
            "NG0104",
            "Layer size must be positive",
            "{0}: '{1}' is {2}, but a size must be at least 1",
            "Feature counts and other sizes must be positive whole numbers.");

        public static readonly DiagnosticDescriptor SizeNotInferable = Error(
            "NG0105",
            "Layer size cannot be inferred",
            "{0} cannot be the first layer: it takes its size from the previous layer's output; put a layer with explicit sizes such as [Linear(in, out)] before it",
            "Some layers (BatchNorm, Linear(out)) infer their input size from the layer before them, so something before them must fix the size.");

        public static readonly DiagnosticDescriptor InvalidArgument = Error(
            "NG0106",
            "Invalid layer argument",
            "{0}: {1}",
            "An attribute argument has a value NetGen cannot use; the message says which and what to write instead.");

        public static readonly DiagnosticDescriptor DuplicateLayerName = Error(
            "NG0107",
            "Duplicate layer name",
            "The layer name '{0}' is used twice in '{1}'; give each layer a distinct Name",
            "Layer names become field names and state_dict() prefixes, so they must be unique within a network.");

        public static readonly DiagnosticDescriptor InvalidLayerName = Error(
            "NG0108",
            "Invalid layer name",
            "'{0}' is not a valid layer name; use a C# identifier without dots, such as \"encoder1\"",
            "Layer names become C# field names and state_dict() prefixes, so they must be identifiers.");

        public static readonly DiagnosticDescriptor UnsupportedClass = Error(
            "NG0109",
            "NetGen cannot complete this class",
            "'{0}' is {1}; NetGen generates networks only for non-generic, non-static classes declared directly in a namespace",
            "The generated partial declaration must be able to complete the class and derive it from Module<Tensor, Tensor>.");

        public static readonly DiagnosticDescriptor ClassHasBaseType = Error(
            "NG0110",
            "Network class must not declare a base class",
            "'{0}' derives from '{1}'; NetGen derives it from torch.nn.Module<Tensor, Tensor>, so remove the base class",
            "A C# class has one base class, and NetGen's generated declaration provides it.");

        public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = Error(
            "NG0111",
            "Layer attributes are split over several partial declarations",
            "The NetGen attributes of '{0}' are spread over {1} partial declarations, so their order is undefined; keep them on one declaration",
            "Layer order is source order, which is only defined within one declaration.");

        private static DiagnosticDescriptor Error(string id, string title, string message, string description) =>
            new(id, title, message, DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true,
                description: description, helpLinkUri: HelpLinkBase + id + ".md");
    }
}
