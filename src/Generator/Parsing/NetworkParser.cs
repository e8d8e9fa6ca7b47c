using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Catalog;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing
{
    /// <summary>
    /// The result of reading one class: a model when the declaration is valid, every problem found, and
    /// for analyzers the layers that resolved with their catalogue entry, attribute and location.
    /// </summary>
    internal sealed class ParsedNetwork
    {
        public ParsedNetwork(NetworkModel? model, IReadOnlyList<Diagnostic> diagnostics, IReadOnlyList<ParsedLayer> layers, AttributeData? clipAttribute)
        {
            Model = model;
            Diagnostics = diagnostics;
            Layers = layers;
            ClipAttribute = clipAttribute;
        }

        public NetworkModel? Model { get; }

        public IReadOnlyList<Diagnostic> Diagnostics { get; }

        /// <summary>The layers that resolved, in declaration order (all of them when <see cref="Model"/> is set).</summary>
        public IReadOnlyList<ParsedLayer> Layers { get; }

        /// <summary>The <c>[ClipGradNorm]</c> attribute, when declared.</summary>
        public AttributeData? ClipAttribute { get; }

        /// <summary>The class's own <c>[XavierInit]</c>/<c>[KaimingInit]</c> attribute, when declared.</summary>
        public AttributeData? InitAttribute { get; init; }

        /// <summary>The <c>[Loss]</c> attribute, when declared.</summary>
        public AttributeData? LossAttribute { get; init; }
    }

    /// <summary>One resolved layer with what analyzers need to report at it. Not for pipeline models: it holds symbols.</summary>
    internal sealed record ParsedLayer(LayerModel Model, LayerDefinition Definition, AttributeData Attribute, Location? Location)
    {
        /// <summary>The Xavier or Kaiming initialisation the generated constructor applies to this layer, if any.</summary>
        public LayerInit? Init { get; init; }

        /// <summary>For <c>[Block]</c> and <c>[Residual]</c>: the network used as the block, parsed.</summary>
        public ParsedNetwork? Block { get; init; }
    }

    /// <summary>
    /// A layer's initialisation as declared: the scheme (a member of <c>NetGen.Init</c>), the gain's nonlinearity
    /// (a member of <c>NetGen.Training.Nonlinearity</c>) with its slope, and whether it came from the layer's own
    /// <c>Init</c> or from the class's <c>[XavierInit]</c>/<c>[KaimingInit]</c>.
    /// </summary>
    internal sealed record LayerInit(string Scheme, string Gain, double? NegativeSlope, bool FanOut, bool ZeroBias, bool FromClass)
    {
        public bool IsXavier => Scheme.StartsWith("Xavier", System.StringComparison.Ordinal);

        public bool IsKaiming => Scheme.StartsWith("Kaiming", System.StringComparison.Ordinal);
    }

    /// <summary>
    /// Reads a class's NetGen attributes in source order, resolves each layer through the
    /// catalogue while the shape flows down the stack, and checks the class can be completed.
    /// Shared by the generator (which keeps the model) and the analyzer (which reports the
    /// diagnostics), so both always agree on what is valid.
    /// </summary>
    internal static class NetworkParser
    {
        /// <summary>The class's NetGen attributes in source order, or an empty list when it has none.</summary>
        public static List<AttributeData> NetGenAttributes(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var attributes = new List<AttributeData>();
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass is { } cls && IsNetGenAttribute(cls))
                {
                    attributes.Add(attribute);
                }
            }

            // GetAttributes() follows source order within one declaration; sorting by position also
            // makes the order explicit when (invalidly) several declarations carry attributes.
            // Attributes read from metadata (a network in a referenced assembly) have no syntax and keep their order.
            if (attributes.Any(a => a.ApplicationSyntaxReference is null))
            {
                return attributes;
            }

            attributes.Sort((a, b) =>
            {
                var ra = a.ApplicationSyntaxReference!;
                var rb = b.ApplicationSyntaxReference!;
                var byTree = string.CompareOrdinal(ra.SyntaxTree.FilePath, rb.SyntaxTree.FilePath);
                return byTree != 0 ? byTree : ra.Span.Start.CompareTo(rb.Span.Start);
            });
            cancellationToken.ThrowIfCancellationRequested();
            return attributes;
        }

        public static string MetadataName(INamedTypeSymbol attributeClass) =>
            // NetGen's own attributes are the common case and need no display string of their namespace
            // (this runs for every attribute of every candidate class, in several pipelines).
            attributeClass.ContainingNamespace is { Name: "NetGen", ContainingNamespace.IsGlobalNamespace: true }
                ? "NetGen." + attributeClass.MetadataName
                : attributeClass.ContainingNamespace?.ToDisplayString() + "." + attributeClass.MetadataName;

        private static bool IsNetGenAttribute(INamedTypeSymbol cls) =>
            cls.ContainingNamespace is { Name: "NetGen", ContainingNamespace.IsGlobalNamespace: true } &&
            (LayerCatalog.Find(MetadataName(cls)) is not null || NetworkOptionCatalog.Find(MetadataName(cls)) is not null);

        public static ParsedNetwork? Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var attributes = NetGenAttributes(type, cancellationToken);
            return attributes.Count == 0 ? null : Parse(type, attributes, cancellationToken);
        }

        public static ParsedNetwork Parse(INamedTypeSymbol type, List<AttributeData> attributes, CancellationToken cancellationToken) =>
            Parse(type, attributes, ImmutableHashSet<INamedTypeSymbol>.Empty.WithComparer(SymbolEqualityComparer.Default), cancellationToken);

        private static ParsedNetwork Parse(
            INamedTypeSymbol type,
            List<AttributeData> attributes,
            ImmutableHashSet<INamedTypeSymbol> enclosing,
            CancellationToken cancellationToken)
        {
            var diagnostics = new List<Diagnostic>();
            var classLocation = type.Locations.FirstOrDefault();
            var firstAttribute = Location(attributes[0], cancellationToken);
            var classIsValid = CheckClass(type, attributes, firstAttribute ?? classLocation, diagnostics, cancellationToken);
            var visiting = enclosing.Add(type);

            var layers = new List<LayerModel>();
            var parsedLayers = new List<ParsedLayer>();
            var counts = new Dictionary<string, int>();
            var names = new HashSet<string>();
            AttributeData? clipAttribute = null;
            AttributeData? initAttribute = null;
            AttributeData? lossAttribute = null;
            var options = new NetworkOptions();
            var seenOptions = new HashSet<string>();
            Shape? shape = null;
            Shape? inputShape = null;
            LayerRole? shapeSourceRole = null;
            var previousName = "the input";
            var shapeSourceName = previousName;
            var afterError = false;
            var isFirst = true;

            var resolved = new Dictionary<INamedTypeSymbol, NetworkResolution>(SymbolEqualityComparer.Default);
            NetworkResolution Resolve(INamedTypeSymbol block)
            {
                if (!resolved.TryGetValue(block, out var resolution))
                {
                    resolution = ResolveBlock(block, visiting, cancellationToken);
                    resolved[block] = resolution;
                }

                return resolution;
            }

            foreach (var attribute in attributes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var location = Location(attribute, cancellationToken);
                var metadataName = MetadataName(attribute.AttributeClass!);
                if (!ArgumentsAreReadable(attribute, location, diagnostics, cancellationToken))
                {
                    afterError = true;
                    shape = null;
                    isFirst = false;
                    continue;
                }

                if (NetworkOptionCatalog.Find(metadataName) is { } option)
                {
                    // AllowMultiple = false makes the compiler reject a repeat too (CS0579); NetGen says which option.
                    if (!seenOptions.Add(option.AttributeName))
                    {
                        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, option.AttributeName, "it is declared more than once; keep one"));
                        continue;
                    }

                    option.Read(new OptionContext(LayerArguments.From(attribute), options, location, diagnostics));
                    clipAttribute = option.AttributeName == "ClipGradNorm" ? attribute : clipAttribute;
                    initAttribute = option.AttributeName is "XavierInit" or "KaimingInit" ? attribute : initAttribute;
                    lossAttribute = option.AttributeName == "Loss" ? attribute : lossAttribute;
                    continue;
                }

                var definition = LayerCatalog.Find(metadataName)!;
                var arguments = LayerArguments.From(attribute);
                var repeat = definition.RepeatArgument is { } repeatArgument ? arguments.Long(repeatArgument) ?? 1 : 1;
                if (repeat < 1)
                {
                    diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NonPositiveSize, location, definition.AttributeName, definition.RepeatArgument!, repeat));
                    afterError = true;
                    shape = null;
                    continue;
                }

                for (var copy = 0; copy < repeat; copy++)
                {
                    counts[definition.NamePrefix] = counts.TryGetValue(definition.NamePrefix, out var n) ? n + 1 : 1;
                    var defaultName = definition.NamePrefix + counts[definition.NamePrefix].ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var customName = arguments.String("Name");
                    var name = customName is null ? defaultName : repeat == 1 ? customName : customName + (copy + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (!SyntaxFacts.IsValidIdentifier(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
                    {
                        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidLayerName, location, name));
                        afterError = true;
                    }
                    else if (!names.Add(name))
                    {
                        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.DuplicateLayerName, location, name, type.Name));
                        afterError = true;
                    }

                    var context = new LayerContext(arguments, shape, name, previousName, shapeSourceRole, shapeSourceName, isFirst, afterError, Resolve, location, diagnostics);
                    isFirst = false;
                    var reported = diagnostics.Count;
                    LayerSpec? spec;
                    try
                    {
                        spec = definition.Infer(context);
                    }
                    catch (System.OverflowException)
                    {
                        // The catalogue computes sizes and parameter counts with checked arithmetic.
                        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, definition.AttributeName,
                            "its output size or parameter count overflows a 64-bit integer; no tensor that large can be allocated"));
                        spec = null;
                    }

                    if (spec is null)
                    {
                        // A layer that fails must say why, unless an earlier failure explains it: a silent
                        // failure would otherwise look like a valid network with the layer missing.
                        if (diagnostics.Count == reported && !afterError)
                        {
                            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, definition.AttributeName, "NetGen could not resolve this layer's arguments"));
                        }

                        afterError = true;
                        shape = null;
                        previousName = name;
                        break;
                    }

                    if (spec.Parameters < 0 || spec.TrainableParameters < 0)
                    {
                        diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, definition.AttributeName,
                            "its parameter count overflows a 64-bit integer; no tensor that large can be allocated"));
                        afterError = true;
                        shape = null;
                        previousName = name;
                        break;
                    }

                    // The first layer that fixes a shape also fixes the network's input shape.
                    inputShape ??= shape ?? spec.FixesInput;
                    shape = spec.OutputShape;
                    (shapeSourceRole, shapeSourceName) = definition.PreservesShape ? (shapeSourceRole, shapeSourceName) : (definition.Role, name);
                    if (definition.Role == LayerRole.Input)
                    {
                        continue;
                    }

                    previousName = name;
                    var layer = new LayerModel(
                        definition.AttributeName,
                        name,
                        definition.OwnsModule ? name : null,
                        spec.ModuleType,
                        spec.Construction,
                        spec.ForwardTemplate,
                        spec.Description,
                        spec.OutputShape,
                        spec.Parameters,
                        spec.TrainableParameters,
                        definition.MonitorKind,
                        InitCall: null);
                    layers.Add(layer);
                    parsedLayers.Add(new ParsedLayer(layer, definition, attribute, location)
                    {
                        Block = (arguments.Type("network") ?? arguments.Type("block")) is { } blockType && resolved.TryGetValue(blockType, out var blockResolution) ? blockResolution.Parsed as ParsedNetwork : null,
                    });
                }
            }

            CheckMemberClashes(type, parsedLayers, clipAttribute, options, firstAttribute ?? classLocation, diagnostics, cancellationToken);

            if (layers.Count == 0 && !afterError)
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.NoLayers, firstAttribute ?? classLocation, type.Name, MetadataShortName(attributes[0])));
            }

            var hasErrors = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            if (!classIsValid || hasErrors || afterError || layers.Count == 0 || inputShape is null)
            {
                return new ParsedNetwork(null, diagnostics, parsedLayers, clipAttribute) { InitAttribute = initAttribute, LossAttribute = lossAttribute };
            }

            if (!TryTotal(layers, out var total, out var trainable))
            {
                diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, firstAttribute ?? classLocation, type.Name,
                    "its total parameter count overflows a 64-bit integer; no network that large can be allocated"));
                return new ParsedNetwork(null, diagnostics, parsedLayers, clipAttribute) { InitAttribute = initAttribute, LossAttribute = lossAttribute };
            }

            AddInitialisation(layers, parsedLayers, options.ClassInit);
            var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
            var model = new NetworkModel(
                ns,
                type.Name,
                (ns is null ? string.Empty : ns + ".") + type.Name + ".g.cs",
                inputShape.Value,
                layers.ToEquatableArray(),
                options.Clip,
                options.Loss,
                options.ClipValue,
                options.Monitor,
                total,
                trainable);
            return new ParsedNetwork(model, diagnostics, parsedLayers, clipAttribute) { InitAttribute = initAttribute, LossAttribute = lossAttribute };
        }

        /// <summary>
        /// NG0112: a name NetGen generates (a layer field, forward, Summary, Trainer, TrainStep, the declared
        /// ClipGradients, ClipGradientValues, Loss and Monitor, the parameterless constructor) is also taken by a member the user declared, by the
        /// class itself, or by another generated member. Reported at the layer attribute that makes the
        /// field, else at the first attribute (at [ClipGradNorm] for ClipGradients).
        /// </summary>
        private static void CheckMemberClashes(
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
                if (layer is not null)
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
                         // Overloads of the generated methods are fine: only their own signatures clash.
                         !(member is IMethodSymbol method && member.Name is "forward" or "ClipGradients" or "ClipGradientValues" &&
                           method.Parameters.Length != (member.Name == "forward" ? 1 : 0)))
                {
                    var at = member.Name == "ClipGradients" && clipAttribute is not null ? Location(clipAttribute, cancellationToken) : location;
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
            "TrainStep" => "the TrainStep methods NetGen generates",
            "ClipGradients" when options.Clip is not null => "the ClipGradients method NetGen generates for [ClipGradNorm]",
            "ClipGradientValues" when options.ClipValue is not null => "the ClipGradientValues method NetGen generates for [ClipGradValue]",
            "Loss" when options.Loss is not null => "the Loss method NetGen generates for [Loss]",
            "Monitor" when options.Monitor is not null => "the Monitor property NetGen generates for [GradientMonitor]",
            _ => null,
        };

        /// <summary>Members of NetGen's own generated declaration (marked [GeneratedCode("NetGen", ...)]) are not the user's.</summary>
        private static bool IsDeclaredByUser(ISymbol member, CancellationToken cancellationToken)
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

        private static bool TryTotal(List<LayerModel> layers, out long total, out long trainable)
        {
            total = trainable = 0;
            try
            {
                foreach (var layer in layers)
                {
                    total = checked(total + layer.Parameters);
                    trainable = checked(trainable + layer.TrainableParameters);
                }

                return true;
            }
            catch (System.OverflowException)
            {
                return false;
            }
        }

        // The NetGen.Init enum's members by value.
        private static readonly string[] InitSchemes = { "None", "Default", "XavierUniform", "XavierNormal", "KaimingUniform", "KaimingNormal" };

        /// <summary>
        /// Xavier/Kaiming initialisation for each Linear and convolution: the layer's own <c>Init</c>, else the class's
        /// attribute, with the gain of the activation that follows (looking through normalisation, dropout,
        /// pooling and reshaping), as PyTorch's <c>calculate_gain</c>.
        /// </summary>
        private static void AddInitialisation(List<LayerModel> layers, List<ParsedLayer> parsed, ClassInit? classInit)
        {
            for (var i = 0; i < parsed.Count; i++)
            {
                if (!parsed[i].Definition.IsInitialisable)
                {
                    continue;
                }

                var own = LayerArguments.From(parsed[i].Attribute).Long("Init") ?? 0;
                var scheme = own > 1 && own < InitSchemes.Length ? InitSchemes[own] : own == 0 ? classInit?.Scheme : null;
                if (scheme is null)
                {
                    continue;
                }

                var gain = "Identity";
                double? slope = null;
                for (var j = i + 1; j < parsed.Count; j++)
                {
                    var next = parsed[j].Definition;
                    if (next.IsTransparentToInit)
                    {
                        continue;
                    }

                    if (next.Role == LayerRole.Activation && next.InitGain is { } g)
                    {
                        gain = g;
                        var arguments = LayerArguments.From(parsed[j].Attribute);
                        slope = next.AttributeName == "PReLU" ? arguments.Double("InitialSlope") ?? 0.25
                            : next.AttributeName == "LeakyReLU" ? arguments.Double("negativeSlope") ?? 0.01
                            : null;
                    }

                    break;
                }

                var init = new LayerInit(
                    scheme,
                    gain,
                    slope,
                    FanOut: own == 0 && classInit is { FanOut: true },
                    ZeroBias: own != 0 || classInit is not { ZeroBias: false },
                    FromClass: own == 0);
                var call = $"global::NetGen.Training.WeightInit.Apply({layers[i].FieldName}, global::NetGen.Init.{scheme}, global::NetGen.Training.Nonlinearity.{gain}"
                    + (slope is { } s ? ", negativeSlope: " + LayerCatalog.Literal(s) : string.Empty)
                    + (init.FanOut ? ", mode: global::NetGen.FanMode.FanOut" : string.Empty)
                    + (init.ZeroBias ? string.Empty : ", zeroBias: false")
                    + ");";
                layers[i] = layers[i] with { InitCall = call };
                parsed[i] = parsed[i] with { Model = layers[i], Init = init };
            }
        }

        /// <summary>Reads a network used as a block; a block that (indirectly) contains itself is rejected.</summary>
        private static NetworkResolution ResolveBlock(INamedTypeSymbol block, ImmutableHashSet<INamedTypeSymbol> visiting, CancellationToken cancellationToken)
        {
            if (visiting.Contains(block))
            {
                return new NetworkResolution(null, "contains itself, directly or through its blocks");
            }

            var attributes = NetGenAttributes(block, cancellationToken);
            if (attributes.Count == 0)
            {
                return new NetworkResolution(null, "is not a NetGen network: it has no layer attributes");
            }

            var parsed = Parse(block, attributes, visiting, cancellationToken);
            return parsed.Model is null
                ? new NetworkResolution(null, "has declaration errors of its own; fix those first")
                : new NetworkResolution(parsed.Model, null) { Parsed = parsed };
        }

        private static string MetadataShortName(AttributeData attribute)
        {
            var name = attribute.AttributeClass!.Name;
            return name.EndsWith("Attribute", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
        }

        private static bool CheckClass(
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

        /// <summary>Once generated, the class's base type is the module NetGen declared; that is not a user's base class.</summary>
        private static bool IsGeneratedBase(INamedTypeSymbol baseType) =>
            baseType.OriginalDefinition.ToDisplayString() == "TorchSharp.torch.nn.Module<T, TResult>";

        /// <summary>
        /// Attribute arguments the compiler could not bind (an unknown named argument, no matching
        /// constructor) produce a compiler error too, but NetGen says what it expected.
        /// </summary>
        private static bool ArgumentsAreReadable(AttributeData attribute, Location? location, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var name = attribute.AttributeClass!.Name;
            var shortName = name.EndsWith("Attribute") ? name.Substring(0, name.Length - "Attribute".Length) : name;
            string? problem = null;
            if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
            {
                problem = "these arguments match none of its forms; " + Forms(attribute.AttributeClass!, shortName);
            }
            else if (attribute.NamedArguments.FirstOrDefault(a => a.Value.Kind == TypedConstantKind.Error) is { Key: { } wrongType })
            {
                problem = $"the value given for '{wrongType}' has the wrong type; " + Forms(attribute.AttributeClass!, shortName);
            }
            else if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list })
            {
                var unknown = list.Arguments
                    .Where(a => a.NameEquals is not null)
                    .Select(a => a.NameEquals!.Name.Identifier.ValueText)
                    .FirstOrDefault(n => !attribute.NamedArguments.Any(k => k.Key == n));
                if (unknown is not null)
                {
                    problem = $"it has no argument named '{unknown}'; " + Forms(attribute.AttributeClass!, shortName);
                }
            }

            if (problem is null)
            {
                return true;
            }

            diagnostics.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidArgument, location, shortName, problem));
            return false;
        }

        private static string Forms(INamedTypeSymbol attributeClass, string shortName)
        {
            var forms = attributeClass.InstanceConstructors
                .Where(c => c.DeclaredAccessibility == Accessibility.Public)
                .Select(c => c.Parameters.Length == 0 ? shortName : $"{shortName}({string.Join(", ", c.Parameters.Select(p => p.Name))})");
            var named = attributeClass.GetMembers().OfType<IPropertySymbol>()
                .Concat(attributeClass.BaseType?.GetMembers().OfType<IPropertySymbol>() ?? Enumerable.Empty<IPropertySymbol>())
                .Where(p => p.SetMethod is { DeclaredAccessibility: Accessibility.Public })
                .Select(p => p.Name);
            var text = "write " + string.Join(" or ", forms);
            var namedList = string.Join(", ", named);
            return namedList.Length == 0 ? text : text + " with optional " + namedList;
        }

        private static Location? Location(AttributeData attribute, CancellationToken cancellationToken) =>
            attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
    }
}
