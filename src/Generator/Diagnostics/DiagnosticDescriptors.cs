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

        // NG0112 is a declaration error like the ones above, added with the gradient-risk analyzers.
        public static readonly DiagnosticDescriptor MemberNameClash = Error(
            "NG0112",
            "A name in the class is also the name of a generated member",
            "The name '{0}' in '{1}' is used twice: {2}; {3}",
            "NetGen adds fields named after the layers (fc1, bn1, ...), the forward method, InputShape, TrainableParameterCount, ClipGradients and a parameterless constructor; a user member of the same name would not compile.");

        public static readonly DiagnosticDescriptor ConstructorWithoutThis = Error(
            "NG0113",
            "A constructor of a network must call this()",
            "'{0}' does not call this(), so the layers would never be created (and Module<Tensor, Tensor> has no parameterless base constructor); write '{0} : this()'",
            "NetGen generates the parameterless constructor that creates and registers the layers; any other constructor must chain to it.");

        // ---- NG00xx: gradient-risk and design warnings (Analyzers/GradientRiskAnalyzer.cs) ----
        // NG0006–NG0010 are reserved for rules that need layers the catalogue does not have yet
        // (Dropout, initialisation attributes, a loss declaration, recurrent layers).

        private const string GradientCategory = "NetGen.GradientRisk";
        private const string DesignCategory = "NetGen.Design";

        public static readonly DiagnosticDescriptor VanishingGradient = new(
            "NG0001",
            "Gradients are predicted to vanish at initialisation",
            "{0}: the first layer's weight gradient is predicted to be {1} of the last layer's at initialisation, below the vanishing threshold {2} ({3}); {4}",
            GradientCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Mean-field signal propagation over the declared layers, sizes and PyTorch's default initialisation predicts the ratio of the first to the last Linear layer's weight-gradient norm at initialisation, for inputs of unit variance. Below the threshold (default 1e-3, AUTOTRAINER's definition of vanishing; set netgen.NG0001.threshold in .editorconfig) the first layers barely learn.",
            helpLinkUri: HelpLinkBase + "NG0001.md");

        public static readonly DiagnosticDescriptor UnprotectedDeepNetwork = new(
            "NG0002",
            "Deep network without normalisation, residual connections or gradient clipping",
            "'{0}' has {1} Linear layers and no normalisation, residual connection or gradient clipping; past {2} layers gradients can vanish or explode unchecked: add [ClipGradNorm(1.0)], BatchNorm, or a residual connection",
            GradientCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Every extra layer multiplies the gradient by another random factor; normalisation, residual connections and clipping are the standard safeguards. The depth limit is netgen.NG0002.max_depth in .editorconfig (default 10 Linear layers).",
            helpLinkUri: HelpLinkBase + "NG0002.md");

        public static readonly DiagnosticDescriptor BiasBeforeBatchNorm = new(
            "NG0003",
            "Bias before BatchNorm is redundant",
            "{0} has a bias, but {1} right after it subtracts the batch mean, which removes the bias again: its {2} bias parameters never change the output; set Bias = false",
            DesignCategory,
            DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "BatchNorm subtracts each feature's batch mean, so a constant added just before it cancels, and BatchNorm's own shift β takes its role (NeuraLint f005).",
            helpLinkUri: HelpLinkBase + "NG0003.md");

        public static readonly DiagnosticDescriptor ConsecutiveActivations = new(
            "NG0004",
            "Two activations in a row",
            "{0} directly follows the activation {1}; two activations in a row are almost always a slip{2}: remove one, or put a Linear layer between them",
            DesignCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "An activation applied to another activation's output adds no capacity; it either changes nothing (ReLU after ReLU) or squashes the signal and its gradient again (NeuraLint f003).",
            helpLinkUri: HelpLinkBase + "NG0004.md");

        public static readonly DiagnosticDescriptor ConsecutiveLinearLayers = new(
            "NG0005",
            "Two Linear layers without a non-linearity between them",
            "{0} follows {1} with no activation between them, so together they compute one linear map {2} → {3} ({4} parameters, where a single Linear({2}, {3}) has {5}); put an activation such as ReLU between them, or merge them",
            DesignCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "The composition of two affine maps is affine: without a non-linearity between them the second Linear layer adds parameters but no expressive power (NeuraLint f009).",
            helpLinkUri: HelpLinkBase + "NG0005.md");

        public static readonly DiagnosticDescriptor InvalidOption = new(
            "NG0099",
            "Invalid NetGen option in .editorconfig",
            "'{0} = {1}' is not valid: {2}; using the default {3}",
            "NetGen.Configuration",
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A netgen.* option in .editorconfig has a value NetGen cannot use; the analyzer falls back to the default.",
            helpLinkUri: HelpLinkBase + "NG0099.md");

        private static DiagnosticDescriptor Error(string id, string title, string message, string description) =>
            new(id, title, message, DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true,
                description: description, helpLinkUri: HelpLinkBase + id + ".md");
    }
}
