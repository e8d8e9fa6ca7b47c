using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Diagnostics
{
    /// <summary>
    /// Every diagnostic NetGen reports, in one place. <c>NG00xx</c> is kept for gradient-risk
    /// warnings; <c>NG01xx</c> are declaration errors: the generator writes no network (at most a shell, Emit/ShellEmitter) for a class
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
            "{0} expects {1}, but the previous layer {2} outputs {3}; {4}",
            "Consecutive layers must agree on sizes: a Linear layer's inFeatures must equal the previous layer's output size, and a block's input shape the shape arriving at it. At run time the mismatch would fail with 'mat1 and mat2 shapes cannot be multiplied'.");

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
            "NetGen adds fields named after the layers (fc1, bn1, ...), forward, Summary, Trainer, TrainStep, and as declared ClipGradients, ClipGradientValues, Loss and Monitor, plus a parameterless constructor; a user member of the same name would not compile.");

        public static readonly DiagnosticDescriptor ConstructorWithoutThis = Error(
            "NG0120",
            "A constructor of a network must call this()",
            "'{0}' does not call this(), so the layers would never be created (and Module<Tensor, Tensor> has no parameterless base constructor); write '{0} : this()'",
            "NetGen generates the parameterless constructor that creates and registers the layers; any other constructor must chain to it.");

        public static readonly DiagnosticDescriptor UserForwardSignature = Error(
            "NG0121",
            "A network's own forward must override forward(Tensor)",
            "'{0}' declares forward with one parameter, so NetGen leaves forward to it, but {1}; write 'public override Tensor forward(Tensor input)' or rename the method",
            "A network may replace the generated forward with its own (docs/architectures.md, \"Anything else: your own forward\"): NetGen then generates every other member and leaves forward to the user. TorchSharp's call(), TrainStep and hooks reach it only as an override of Module<Tensor, Tensor>.forward.");

        // ---- NG00xx: gradient-risk and design warnings (Analyzers/GradientRiskAnalyzer.cs) ----

        private const string GradientCategory = "NetGen.GradientRisk";
        private const string DesignCategory = "NetGen.Design";

        public static readonly DiagnosticDescriptor VanishingGradient = new(
            "NG0001",
            "Gradients are predicted to vanish at initialisation",
            "{0}: {1} is predicted to be {2} of {3} at initialisation, below the vanishing threshold {4} ({5}); {6}",
            GradientCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Mean-field signal propagation over the declared layers, sizes and initialisation predicts the ratio of the first to the last affine (Linear or convolution) layer's weight-gradient norm at initialisation, for inputs of unit variance; for recurrent layers, the ratio of the gradient reaching the first time step to the one reaching the last. Below the threshold (default 1e-3, AUTOTRAINER's definition of vanishing; set netgen.NG0001.threshold in .editorconfig) the first layers barely learn.",
            helpLinkUri: HelpLinkBase + "NG0001.md");

        public static readonly DiagnosticDescriptor ExplodingGradient = new(
            "NG0002",
            "Gradients are predicted to explode at initialisation",
            "{0}: {1} at initialisation, above the exploding limit {2} ({3}); {4}",
            GradientCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "The exploding side of NG0001's prediction: the first affine layer's weight gradient predicted more than 70 times the last one's at initialisation (AUTOTRAINER's definition of exploding; netgen.NG0002.threshold in .editorconfig), the forward signal's variance predicted to grow more than 1000-fold from the first affine layer to the last, or a recurrent layer's gradient predicted to grow back through time beyond the reciprocal of NG0001's threshold.",
            helpLinkUri: HelpLinkBase + "NG0002.md");

        public static readonly DiagnosticDescriptor UnprotectedDeepNetwork = new(
            "NG0011",
            "Deep network without normalisation, residual connections or gradient clipping",
            "'{0}' has {1} Linear layers and no normalisation, residual connection or gradient clipping; its gradients are predicted to neither vanish nor explode at initialisation, but past {2} layers nothing keeps them in range once training moves the weights: consider [ClipGradNorm(1.0)], BatchNorm, or a residual connection",
            GradientCategory,
            DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "A suggestion, not a prediction: every extra layer multiplies the gradient by another factor that training changes; normalisation, residual connections and clipping are the standard safeguards. Silent where NG0001 or NG0002 already explain the network. The depth limit is netgen.NG0011.max_depth in .editorconfig (default 10 Linear layers).",
            helpLinkUri: HelpLinkBase + "NG0011.md");

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

        public static readonly DiagnosticDescriptor DropoutBeforeBatchNorm = new(
            "NG0006",
            "Dropout directly before BatchNorm",
            "{0} comes directly before {1}: in training {1} normalises dropped-out activations, whose second moment dropout scales by 1/(1 − p) = {2}, but eval() turns dropout off, so the running variance {1} learned no longer fits its input ('variance shift'); put the Dropout after {1}",
            DesignCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Dropout changes the variance of its output between training and evaluation; a BatchNorm right after it learns running statistics in the first regime and applies them in the second, which shifts every feature at inference (Li et al., CVPR 2019; NeuraLint f006). Dropout after the last BatchNorm keeps its regularising effect without the shift.",
            helpLinkUri: HelpLinkBase + "NG0006.md");

        public static readonly DiagnosticDescriptor HighDropoutRate = new(
            "NG0007",
            "Dropout probability above 0.5",
            "{0} zeroes {1} of its inputs (p = {2}, above {3}): the {4} that survive are scaled by {5}, so the layer's output is mostly noise and training slows down; use p ≤ 0.5 (the dropout paper used 0.5 for hidden units and 0.2 for inputs)",
            DesignCategory,
            DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "A dropout probability is the share of units removed, not kept; values above 0.5 are usually a slip for 1 − p (UMLAUT). The limit is netgen.NG0007.max_p in .editorconfig (default 0.5).",
            helpLinkUri: HelpLinkBase + "NG0007.md");

        public static readonly DiagnosticDescriptor InitializationMismatch = new(
            "NG0008",
            "Initialisation does not match the activation",
            "{0} is initialised with {1}{2}, a scheme derived for {3}, but {4} follows it; {5} is derived for {4}: Var(W) = {6} for this layer, where {1} gives {7}; set Init = Init.{8}",
            DesignCategory,
            DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "Kaiming initialisation (He et al., 2015) keeps the forward variance of ReLU-family layers, which zero part of their input; Xavier initialisation (Glorot and Bengio, 2010) balances forward and backward variance for symmetric, saturating activations such as Sigmoid and Tanh. NetGen applies the activation's gain either way, so the two differ through the fans: a layer that widens or narrows gets the wrong variance from the other scheme.",
            helpLinkUri: HelpLinkBase + "NG0008.md");

        public static readonly DiagnosticDescriptor OutputDoesNotFitLoss = new(
            "NG0009",
            "The output layer does not fit the declared loss",
            "{0} is the output layer, but [Loss(LossFunction.{1})] expects {2}: {3}; {4}",
            DesignCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "PyTorch's cross_entropy and binary_cross_entropy_with_logits apply softmax or sigmoid themselves and expect raw logits; nll_loss expects log-probabilities (LogSoftmax) and binary_cross_entropy probabilities (Sigmoid). An output layer that does not produce what the loss expects trains badly or not at all, and the mistake raises no error.",
            helpLinkUri: HelpLinkBase + "NG0009.md");

        public static readonly DiagnosticDescriptor UnclippedRecurrentStack = new(
            "NG0010",
            "Deep recurrent stack without gradient clipping",
            "'{0}' stacks {1} recurrent layers ({2}){3} and clips no gradient: backpropagation through time multiplies the gradient by one recurrent Jacobian per layer and step{4}{5}, and such a product explodes as soon as their norms exceed 1 (Pascanu et al., 2013); add [ClipGradNorm(1.0)]",
            GradientCategory,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Recurrent networks are where exploding gradients were first described; clipping the gradient norm is the standard cure (Pascanu, Mikolov and Bengio, 2013). LSTM and GRU gates ease vanishing, not exploding, gradients. The depth limit is netgen.NG0010.max_depth in .editorconfig (default 1 recurrent layer). Where NetGen predicts the gradient through time, a stack whose gradient is predicted to vanish is NG0001's finding instead.",
            helpLinkUri: HelpLinkBase + "NG0010.md");

        public static readonly DiagnosticDescriptor InvalidOption = new(
            "NG0099",
            "Invalid NetGen option in .editorconfig",
            "'{0} = {1}' is not valid: {2}; using the default {3}",
            "NetGen.Configuration",
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A netgen.* option in .editorconfig has a value NetGen cannot use; the analyzer falls back to the default.",
            helpLinkUri: HelpLinkBase + "NG0099.md");

        public static readonly DiagnosticDescriptor InputNotFirst = Error(
            "NG0113",
            "Input must be the first layer",
            "[Input] declares the shape entering the network, so it must come before every layer; move it to the front",
            "Input fixes the shape of one sample as it enters the network; anywhere else it would contradict the layers before it.");

        public static readonly DiagnosticDescriptor KernelLargerThanInput = Error(
            "NG0114",
            "Kernel larger than its input",
            "{0}: the kernel of size {1} does not fit in the input of size {2} (with padding {3}); use a smaller kernel, add padding, or remove a pooling layer before it",
            "A convolution or pooling window must fit inside the (padded) input at least once.");

        public static readonly DiagnosticDescriptor FlattenMissing = Error(
            "NG0115",
            "Flatten missing before Linear",
            "{0} receives samples of shape {1} from {2}; add [Flatten] before it to turn each sample into a vector of {3} features",
            "A Linear layer acts on the last dimension only; after a convolution or pooling layer, directly or through activations, normalisation or dropout, that is almost never what was meant.");

        public static readonly DiagnosticDescriptor OutputBelowOne = Error(
            "NG0116",
            "Layer output would be empty",
            "{0} would reduce the input of shape {1} to {2}; every output size must be at least 1, so use a smaller kernel or stride, or remove a pooling layer",
            "Pooling and strided convolutions shrink their input; a stack of them can shrink it below 1x1.");

        public static readonly DiagnosticDescriptor WrongRank = Error(
            "NG0117",
            "Layer needs a different input shape",
            "{0} needs samples shaped {1}, but {2} outputs {3}; {4}",
            "Each layer kind expects a particular number of dimensions per sample: Conv2d [channels, height, width], Conv1d and recurrent layers [channels or steps, features].");

        public static readonly DiagnosticDescriptor NotANetwork = Error(
            "NG0118",
            "Block is not a usable network",
            "{0}: '{1}' {2}",
            "Block and Residual take another NetGen network class: a partial class with valid layer attributes, not the class itself.");

        public static readonly DiagnosticDescriptor ResidualChangesShape = Error(
            "NG0119",
            "Residual block changes the shape",
            "{0}: '{1}' maps {2} to {3}, but a residual connection adds the block's output to its input, so both must have the same shape",
            "x + Block(x) needs Block(x) to have the shape of x.");

        public static readonly DiagnosticDescriptor InternalError = new(
            "NG0199",
            "NetGen failed to generate a network",
            "NetGen failed to generate '{0}' ({1}: {2}); the rest of the project's generated code is unaffected. Please report this with the declaration.",
            "NetGen.Internal",
            DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            description: "A bug in NetGen's emitter. Instead of failing the whole generator (CS8785), NetGen skips this one class.",
            helpLinkUri: HelpLinkBase + "NG0199.md");

        /// <summary>Every declaration error, for the analyzer that reports them.</summary>
        public static readonly System.Collections.Immutable.ImmutableArray<DiagnosticDescriptor> DeclarationErrors = System.Collections.Immutable.ImmutableArray.Create(
            LayerSizeMismatch, ClassNotPartial, NoLayers, NonPositiveSize, SizeNotInferable, InvalidArgument, DuplicateLayerName,
            InvalidLayerName, UnsupportedClass, ClassHasBaseType, LayersSplitAcrossDeclarations, InputNotFirst, KernelLargerThanInput,
            FlattenMissing, OutputBelowOne, WrongRank, NotANetwork, ResidualChangesShape, MemberNameClash, ConstructorWithoutThis, UserForwardSignature);

        private static DiagnosticDescriptor Error(string id, string title, string message, string description) =>
            new(id, title, message, DeclarationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true,
                description: description, helpLinkUri: HelpLinkBase + id + ".md");
    }
}
