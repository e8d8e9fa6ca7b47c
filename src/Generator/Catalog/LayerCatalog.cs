using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;
using static NetGen.Generator.Catalog.LayerContext;

namespace NetGen.Generator.Catalog
{
    /// <summary>
    /// The one table of layers NetGen understands. The parser, the emitter, the summary and the
    /// analyzers all read it; adding a layer is one entry here, its attribute in src/Attributes,
    /// a row in the README's layer table, and tests.
    /// </summary>
    /// <remarks>
    /// Shapes are per sample, without the batch dimension: [features], [channels, length],
    /// [channels, height, width], or [steps, features] for batch-first sequences.
    /// In forward templates, <c>{x}</c> stands for the layer's input tensor.
    /// </remarks>
    internal static class LayerCatalog
    {
        private const string Functional = "global::TorchSharp.torch.nn.functional.";
        private const string Nn = "global::TorchSharp.torch.nn.";
        private const string Modules = "global::TorchSharp.Modules.";

        public static readonly IReadOnlyList<LayerDefinition> All = new[]
        {
            new LayerDefinition("Input", LayerRole.Input, "input", ownsModule: false, InferInput),

            // Affine, convolution and pooling.
            new LayerDefinition("Linear", LayerRole.Affine, "fc", ownsModule: true, InferLinear),
            new LayerDefinition("Conv2d", LayerRole.Convolution, "conv", ownsModule: true, c => InferConvolution(c, "Conv2d", spatialDims: 2)),
            new LayerDefinition("Conv1d", LayerRole.Convolution, "conv", ownsModule: true, c => InferConvolution(c, "Conv1d", spatialDims: 1)),
            new LayerDefinition("MaxPool2d", LayerRole.Pooling, "maxpool", ownsModule: false, c => InferPooling(c, "MaxPool2d", "max_pool2d")),
            new LayerDefinition("AvgPool2d", LayerRole.Pooling, "avgpool", ownsModule: false, c => InferPooling(c, "AvgPool2d", "avg_pool2d")),
            new LayerDefinition("AdaptiveAvgPool2d", LayerRole.Pooling, "avgpool", ownsModule: false, InferAdaptivePooling),

            // Normalisation.
            new LayerDefinition("BatchNorm", LayerRole.Normalization, "bn", ownsModule: true, InferBatchNorm),
            new LayerDefinition("LayerNorm", LayerRole.Normalization, "ln", ownsModule: true, InferLayerNorm),

            // Activations. MaxDerivative marks the saturating ones (sup of |φ'|).
            Activation("ReLU", "relu", initGain: "ReLU", inPlace: "{x}.relu_()"),
            Activation("ReLU6", "relu6", initGain: "ReLU"),
            Activation("Sigmoid", "sigmoid", maxDerivative: 0.25, initGain: "Sigmoid"),
            Activation("Tanh", "tanh", maxDerivative: 1.0, initGain: "Tanh"),
            Activation("SELU", "selu", initGain: "SELU"),
            Activation("GELU", "gelu"),
            new LayerDefinition("LeakyReLU", LayerRole.Activation, "leakyrelu", ownsModule: false, InferLeakyReLU, initGain: "LeakyReLU"),
            new LayerDefinition("ELU", LayerRole.Activation, "elu", ownsModule: false, InferElu),
            new LayerDefinition("PReLU", LayerRole.Activation, "prelu", ownsModule: true, InferPReLU, initGain: "LeakyReLU"),
            new LayerDefinition("Softmax", LayerRole.Activation, "softmax", ownsModule: false, c => InferSoftmax(c, "Softmax", "softmax"), maxDerivative: 0.25),
            new LayerDefinition("LogSoftmax", LayerRole.Activation, "logsoftmax", ownsModule: false, c => InferSoftmax(c, "LogSoftmax", "log_softmax")),

            // Regularisation and reshaping.
            new LayerDefinition("Dropout", LayerRole.Regularization, "dropout", ownsModule: false, InferDropout),
            new LayerDefinition("Flatten", LayerRole.Reshape, "flatten", ownsModule: false, InferFlatten),

            // Recurrent layers over batch-first sequences.
            new LayerDefinition("LSTM", LayerRole.Recurrent, "lstm", ownsModule: true, c => InferRecurrent(c, "LSTM", gates: 4)),
            new LayerDefinition("GRU", LayerRole.Recurrent, "gru", ownsModule: true, c => InferRecurrent(c, "GRU", gates: 3)),
            new LayerDefinition("RNN", LayerRole.Recurrent, "rnn", ownsModule: true, c => InferRecurrent(c, "RNN", gates: 1)),
            new LayerDefinition("LastStep", LayerRole.Reshape, "laststep", ownsModule: false, InferLastStep),

            // Text: token ids, positions, attention over batch-first [steps, features] sequences.
            new LayerDefinition("Embedding", LayerRole.Embedding, "emb", ownsModule: true, InferEmbedding),
            new LayerDefinition("PositionalEmbedding", LayerRole.Embedding, "pos", ownsModule: true, InferPositionalEmbedding),
            new LayerDefinition("MultiheadAttention", LayerRole.Attention, "attn", ownsModule: true, InferMultiheadAttention),
            new LayerDefinition("TransformerEncoderLayer", LayerRole.Attention, "enc", ownsModule: true, InferTransformerEncoderLayer),
            new LayerDefinition("MeanPool", LayerRole.Pooling, "meanpool", ownsModule: false, InferMeanPool),

            // Composition: other NetGen networks as layers.
            new LayerDefinition("Block", LayerRole.Block, "block", ownsModule: true, InferBlock),
            new LayerDefinition("Residual", LayerRole.Residual, "res", ownsModule: true, InferResidual, repeatArgument: "Repeat"),
            new LayerDefinition("Branches", LayerRole.Block, "branch", ownsModule: true, InferBranches),
        };

        private static readonly Dictionary<string, LayerDefinition> ByMetadataName = All.ToDictionary(d => d.MetadataName);

        private static readonly Dictionary<string, LayerDefinition> ByAttributeName = All.ToDictionary(d => d.AttributeName);

        public static LayerDefinition? Find(string metadataName) =>
            ByMetadataName.TryGetValue(metadataName, out var definition) ? definition : null;

        /// <summary>The entry for a <see cref="LayerModel.Kind"/> such as <c>Linear</c>.</summary>
        public static LayerDefinition? FindByAttributeName(string attributeName) =>
            ByAttributeName.TryGetValue(attributeName, out var definition) ? definition : null;

        private static LayerSpec? InferInput(LayerContext c)
        {
            var dims = c.Arguments.Longs("shape");
            // With the user's own forward, a later [Input] states the shape the user's code hands the next layer.
            if (!c.IsFirst && !c.UserForward)
            {
                c.Report(DiagnosticDescriptors.InputNotFirst);
                return null;
            }

            if (dims is null || dims.Length == 0)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Input", "it needs the size of every dimension of one sample, such as [Input(784)] or [Input(1, 28, 28)]");
                return null;
            }

            for (var i = 0; i < dims.Length; i++)
            {
                if (dims[i] < 1)
                {
                    c.Report(DiagnosticDescriptors.NonPositiveSize, "Input", $"shape[{i}]", dims[i]);
                    return null;
                }
            }

            var shape = new Shape(dims);
            return new LayerSpec(shape, "Input" + shape, null, null, "{x}", 0, 0) { FixesInput = shape };
        }

        private static LayerSpec? InferLinear(LayerContext c)
        {
            var explicitIn = c.Arguments.Has("inFeatures");
            var outFeatures = c.Size("outFeatures", "Linear");
            var inFeatures = explicitIn ? c.Size("inFeatures", "Linear") : c.Input?.Last;
            if (outFeatures is null || (explicitIn && inFeatures is null))
            {
                return null;
            }

            if (inFeatures is null)
            {
                return c.NeedsInput($"Linear({Number(outFeatures.Value)})");
            }

            var input = c.Input ?? new Shape(inFeatures.Value);
            // Activations, normalisation and dropout in between keep the convolution's [C, H, W] samples.
            if (input.Rank >= 2 && c.ShapeSourceRole is LayerRole.Convolution or LayerRole.Pooling)
            {
                c.Report(DiagnosticDescriptors.FlattenMissing, $"{c.Name} (Linear)", input.ToString(), c.ShapeSourceName, input.Elements);
                return null;
            }

            if (input.Last != inFeatures)
            {
                c.Report(
                    DiagnosticDescriptors.LayerSizeMismatch,
                    ImmutableDictionary<string, string?>.Empty.Add(Analyzers.Rules.DiagnosticProperties.InFeatures, Number(input.Last)),
                    $"{c.Name} (Linear)",
                    $"{Number(inFeatures.Value)} input features",
                    c.PreviousName,
                    Number(input.Last),
                    $"write [Linear({Number(input.Last)}, {Number(outFeatures.Value)})] or change the previous layer");
                return null;
            }

            var bias = c.Arguments.Bool("Bias", true);
            var parameters = checked((inFeatures.Value * outFeatures.Value) + (bias ? outFeatures.Value : 0));
            var inText = Number(inFeatures.Value);
            var outText = Number(outFeatures.Value);
            return new LayerSpec(
                input.WithLast(outFeatures.Value),
                $"Linear({inText} → {outText}{(bias ? string.Empty : ", no bias")})",
                Modules + "Linear",
                $"{Nn}Linear({inText}, {outText}, hasBias: {Bool(bias)})",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                FixesInput = explicitIn ? new Shape(inFeatures.Value) : null,
                Settings = Settings(("inFeatures", inFeatures.Value), ("outFeatures", outFeatures.Value), ("Bias", bias)),
                Tensors = bias
                    ? Tensors(Parameter("weight", outFeatures.Value, inFeatures.Value), Parameter("bias", outFeatures.Value))
                    : Tensors(Parameter("weight", outFeatures.Value, inFeatures.Value)),
            };
        }

        private static LayerSpec? InferConvolution(LayerContext c, string kind, int spatialDims)
        {
            var outChannels = c.Size("outChannels", kind);
            var kernel = c.Size("kernelSize", kind);
            var stride = c.Size("stride", kind);
            var padding = c.Size("padding", kind, minimum: 0);
            if (outChannels is null || kernel is null || stride is null || padding is null)
            {
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput(kind);
            }

            if (input.Rank != spatialDims + 1)
            {
                return c.WrongRank(
                    $"{c.Name} ({kind})",
                    spatialDims == 2 ? "[channels, height, width]" : "[channels, length]",
                    spatialDims == 2 ? "declare [Input(channels, height, width)] first" : "declare [Input(channels, length)] first");
            }

            var dims = new long[spatialDims + 1];
            dims[0] = outChannels.Value;
            for (var d = 1; d <= spatialDims; d++)
            {
                if (checked(input.Dims[d] + (2 * padding.Value)) < kernel.Value)
                {
                    c.Report(DiagnosticDescriptors.KernelLargerThanInput, $"{c.Name} ({kind})", kernel.Value, input.Dims[d], padding.Value);
                    return null;
                }

                dims[d] = checked(((input.Dims[d] + (2 * padding.Value) - kernel.Value) / stride.Value) + 1);
            }

            var inChannels = input.Dims[0];
            var bias = c.Arguments.Bool("Bias", true);
            var weights = checked(outChannels.Value * inChannels * (long)Math.Pow(kernel.Value, spatialDims));
            var parameters = checked(weights + (bias ? outChannels.Value : 0));
            return new LayerSpec(
                new Shape(dims),
                $"{kind}({Number(inChannels)} → {Number(outChannels.Value)}, kernel {Number(kernel.Value)}, stride {Number(stride.Value)}, padding {Number(padding.Value)})",
                Modules + kind,
                // stride and padding only when not the default: a literal 0 would also convert to TorchSharp's
                // Padding enum and make the overloads ambiguous.
                $"{Nn}{kind}({Number(inChannels)}, {Number(outChannels.Value)}, {Number(kernel.Value)}"
                    + (stride.Value != 1 ? $", stride: {Number(stride.Value)}" : string.Empty)
                    + (padding.Value != 0 ? $", padding: {Number(padding.Value)}" : string.Empty)
                    + $", bias: {Bool(bias)})",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                Settings = Settings(("inChannels", inChannels), ("outChannels", outChannels.Value), ("kernelSize", kernel.Value), ("stride", stride.Value), ("padding", padding.Value), ("Bias", bias)),
                Tensors = Tensors(
                    bias
                        ? new[] { Parameter("weight", ConvWeight(outChannels.Value, inChannels, kernel.Value, spatialDims)), Parameter("bias", outChannels.Value) }
                        : new[] { Parameter("weight", ConvWeight(outChannels.Value, inChannels, kernel.Value, spatialDims)) }),
            };
        }

        private static LayerSpec? InferPooling(LayerContext c, string kind, string function)
        {
            var kernel = c.Size("kernelSize", kind);
            var strideArgument = c.Size("stride", kind, minimum: 0);
            var padding = c.Size("padding", kind, minimum: 0);
            if (kernel is null || strideArgument is null || padding is null)
            {
                return null;
            }

            var stride = strideArgument.Value == 0 ? kernel.Value : strideArgument.Value;
            if (checked(padding.Value * 2) > kernel.Value)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind, $"padding {Number(padding.Value)} is more than half the kernel size {Number(kernel.Value)}; PyTorch rejects it at run time");
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput(kind);
            }

            if (input.Rank != 3)
            {
                return c.WrongRank($"{c.Name} ({kind})", "[channels, height, width]", "pool only after 2-D convolutions or an [Input(channels, height, width)]");
            }

            var h = checked(((input.Dims[1] + (2 * padding.Value) - kernel.Value) / stride) + 1);
            var w = checked(((input.Dims[2] + (2 * padding.Value) - kernel.Value) / stride) + 1);
            if (input.Dims[1] + (2 * padding.Value) < kernel.Value || input.Dims[2] + (2 * padding.Value) < kernel.Value || h < 1 || w < 1)
            {
                c.Report(DiagnosticDescriptors.OutputBelowOne, $"{c.Name} ({kind}({Number(kernel.Value)}))", input.ToString(), $"[{Number(input.Dims[0])}, {Number(Math.Max(h, 0))}, {Number(Math.Max(w, 0))}]");
                return null;
            }

            var args = $"{Number(kernel.Value)}, stride: {Number(stride)}, padding: {Number(padding.Value)}";
            return new LayerSpec(
                new Shape(input.Dims[0], h, w),
                $"{kind}(kernel {Number(kernel.Value)}, stride {Number(stride)}, padding {Number(padding.Value)})",
                null,
                null,
                $"{Functional}{function}({{x}}, {args})",
                0,
                0)
            {
                Settings = Settings(("kernelSize", kernel.Value), ("stride", stride), ("padding", padding.Value)),
            };
        }

        private static LayerSpec? InferAdaptivePooling(LayerContext c)
        {
            var square = c.Arguments.Has("outputSize");
            var h = c.Size(square ? "outputSize" : "outputHeight", "AdaptiveAvgPool2d");
            var w = square ? h : c.Size("outputWidth", "AdaptiveAvgPool2d");
            if (h is null || w is null)
            {
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("AdaptiveAvgPool2d");
            }

            if (input.Rank != 3)
            {
                return c.WrongRank($"{c.Name} (AdaptiveAvgPool2d)", "[channels, height, width]", "pool only after 2-D convolutions or an [Input(channels, height, width)]");
            }

            return new LayerSpec(
                new Shape(input.Dims[0], h.Value, w.Value),
                $"AdaptiveAvgPool2d({Number(h.Value)} x {Number(w.Value)})",
                null,
                null,
                $"{Functional}adaptive_avg_pool2d({{x}}, new long[] {{ {Number(h.Value)}, {Number(w.Value)} }})",
                0,
                0)
            {
                Settings = Settings(("outputHeight", h.Value), ("outputWidth", w.Value)),
            };
        }

        private static LayerSpec? InferBatchNorm(LayerContext c)
        {
            if (c.Input is not { } input)
            {
                return c.NeedsInput("BatchNorm");
            }

            // PyTorch picks the variant from the rank with the batch dimension: (N, C) and (N, C, L) are 1d,
            // (N, C, H, W) is 2d, (N, C, D, H, W) is 3d. Features are the channel dimension.
            var variant = input.Rank switch
            {
                1 or 2 => "BatchNorm1d",
                3 => "BatchNorm2d",
                4 => "BatchNorm3d",
                _ => null,
            };
            if (variant is null)
            {
                return c.WrongRank($"{c.Name} (BatchNorm)", "of 1 to 4 dimensions", "BatchNorm1d/2d/3d cover at most [channels, depth, height, width]");
            }

            var features = Number(input.Dims[0]);
            return new LayerSpec(
                input,
                $"{variant}({features})",
                Modules + variant,
                $"{Nn}{variant}({features})",
                c.Name + ".call({x})",
                checked(2 * input.Dims[0]),
                checked(2 * input.Dims[0]))
            {
                // TorchSharp's and PyTorch's defaults: eps 1e-5, momentum 0.1.
                Settings = Settings(("numFeatures", input.Dims[0]), ("spatialDims", Math.Max(input.Rank - 1, 1)), ("eps", 1e-5), ("momentum", 0.1)),
                Tensors = Tensors(
                    Parameter("weight", input.Dims[0]),
                    Parameter("bias", input.Dims[0]),
                    Buffer("running_mean", input.Dims[0]),
                    Buffer("running_var", input.Dims[0]),
                    Buffer("num_batches_tracked")),
            };
        }

        private static LayerSpec? InferLayerNorm(LayerContext c)
        {
            if (c.Input is not { } input)
            {
                return c.NeedsInput("LayerNorm");
            }

            var features = Number(input.Last);
            return new LayerSpec(
                input,
                $"LayerNorm({features})",
                Modules + "LayerNorm",
                $"{Nn}LayerNorm({features})",
                c.Name + ".call({x})",
                checked(2 * input.Last),
                checked(2 * input.Last))
            {
                Settings = Settings(("normalizedShape", input.Last), ("eps", 1e-5)),
                Tensors = Tensors(Parameter("weight", input.Last), Parameter("bias", input.Last)),
            };
        }

        private static LayerDefinition Activation(string attributeName, string function, double? maxDerivative = null, string? initGain = null, string? inPlace = null) =>
            new(
                attributeName,
                LayerRole.Activation,
                function,
                ownsModule: false,
                c => c.Input is { } input
                    ? new LayerSpec(input, attributeName, null, null, Functional + function + "({x})", 0, 0) { InPlaceForwardTemplate = inPlace }
                    : c.NeedsInput(attributeName),
                maxDerivative,
                initGain: initGain);

        private static LayerSpec? InferLeakyReLU(LayerContext c)
        {
            var slope = c.Arguments.Double("negativeSlope") ?? 0.01;
            if (!(slope >= 0) || double.IsInfinity(slope))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "LeakyReLU", $"negativeSlope is {Number(slope)}, but it must be a finite number of at least 0 (PyTorch's default is 0.01)");
                return null;
            }

            return c.Input is { } input
                ? new LayerSpec(input, $"LeakyReLU({Number(slope)})", null, null, $"{Functional}leaky_relu({{x}}, {Literal(slope)})", 0, 0) { Settings = Settings(("negativeSlope", slope)) }
                : c.NeedsInput("LeakyReLU");
        }

        private static LayerSpec? InferElu(LayerContext c)
        {
            var alpha = c.Arguments.Double("alpha") ?? 1.0;
            if (!(alpha > 0) || double.IsInfinity(alpha))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "ELU", $"alpha is {Number(alpha)}, but it must be a positive finite number (the default is 1.0)");
                return null;
            }

            return c.Input is { } input
                ? new LayerSpec(input, $"ELU({Number(alpha)})", null, null, $"{Functional}elu({{x}}, {Literal(alpha)})", 0, 0) { Settings = Settings(("alpha", alpha)) }
                : c.NeedsInput("ELU");
        }

        private static LayerSpec? InferPReLU(LayerContext c)
        {
            var count = c.Size("NumParameters", "PReLU") ?? (c.Arguments.Has("NumParameters") ? (long?)null : 1);
            var init = c.Arguments.Double("InitialSlope") ?? 0.25;
            if (count is null)
            {
                return null;
            }

            if (double.IsNaN(init) || double.IsInfinity(init))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "PReLU", $"InitialSlope is {Number(init)}, but it must be a finite number (the default is 0.25)");
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("PReLU");
            }

            if (count.Value != 1 && count.Value != input.Dims[0])
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "PReLU", $"NumParameters is {Number(count.Value)}, but it must be 1 or the number of channels, {Number(input.Dims[0])}");
                return null;
            }

            return new LayerSpec(
                input,
                $"PReLU({Number(count.Value)} slope{(count.Value == 1 ? string.Empty : "s")}, initially {Number(init)})",
                Modules + "PReLU",
                $"{Nn}PReLU({Number(count.Value)}, {Literal(init)})",
                c.Name + ".call({x})",
                count.Value,
                count.Value)
            {
                Settings = Settings(("NumParameters", count.Value), ("InitialSlope", init)),
                Tensors = Tensors(Parameter("weight", count.Value)),
            };
        }

        private static LayerSpec? InferSoftmax(LayerContext c, string kind, string function)
        {
            var dim = c.Arguments.Long("dim") ?? 1;
            if (c.Input is not { } input)
            {
                return c.NeedsInput(kind);
            }

            // dim counts the batch dimension as 0, as in PyTorch; negative dims count from the end.
            var rank = input.Rank + 1;
            if (dim < -rank || dim >= rank || dim == 0 || dim == -rank)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind,
                    $"dim is {Number(dim)}, but for samples of shape {input} it must be between 1 and {Number(rank - 1)} (or -1 to {Number(1 - rank)}); dim 0 is the batch");
                return null;
            }

            return new LayerSpec(input, $"{kind}(dim {Number(dim)})", null, null, $"{Functional}{function}({{x}}, {Number(dim)})", 0, 0)
            {
                // dim as written (batch = 0, negative from the end) and as a positive axis of the batched tensor.
                Settings = Settings(("dim", dim), ("axis", dim < 0 ? dim + rank : dim)),
            };
        }

        private static LayerSpec? InferDropout(LayerContext c)
        {
            var p = c.Arguments.Double("p") ?? 0.5;
            if (!(p >= 0 && p < 1))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Dropout", $"p is {Number(p)}, but it is a probability of dropping and must be at least 0 and below 1 (0.5 is common)");
                return null;
            }

            return c.Input is { } input
                ? new LayerSpec(input, $"Dropout(p {Number(p)})", null, null, $"{Functional}dropout({{x}}, {Literal(p)}, training)", 0, 0) { Settings = Settings(("p", p)) }
                : c.NeedsInput("Dropout");
        }

        private static LayerSpec? InferFlatten(LayerContext c) =>
            c.Input is { } input
                ? new LayerSpec(new Shape(input.Elements), "Flatten", null, null, "{x}.flatten(1)", 0, 0)
                : c.NeedsInput("Flatten");

        private static LayerSpec? InferRecurrent(LayerContext c, string kind, int gates)
        {
            var hidden = c.Size("hiddenSize", kind);
            var layers = c.Size("numLayers", kind);
            if (hidden is null || layers is null)
            {
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput(kind);
            }

            if (input.Rank != 2)
            {
                return c.WrongRank($"{c.Name} ({kind})", "[steps, features]", "declare [Input(steps, features)] first; sequences are batch-first");
            }

            // PyTorch's parameter layout per layer: weight_ih (gates·h × in), weight_hh (gates·h × h), bias_ih and bias_hh (gates·h each).
            var h = hidden.Value;
            long parameters = 0;
            var tensors = new List<TensorModel>();
            for (var layer = 0; layer < layers.Value; layer++)
            {
                var layerInput = layer == 0 ? input.Last : h;
                parameters = checked(parameters + (gates * h * (layerInput + h + 2)));
                var suffix = "_l" + Number(layer);
                tensors.Add(Parameter("weight_ih" + suffix, checked(gates * h), layerInput));
                tensors.Add(Parameter("weight_hh" + suffix, checked(gates * h), h));
                tensors.Add(Parameter("bias_ih" + suffix, checked(gates * h)));
                tensors.Add(Parameter("bias_hh" + suffix, checked(gates * h)));
            }

            var arguments = $"{Number(input.Last)}, {Number(h)}, numLayers: {Number(layers.Value)}, batchFirst: true";
            return new LayerSpec(
                new Shape(input.Dims[0], h),
                $"{kind}({Number(input.Last)} → {Number(h)}{(layers.Value == 1 ? string.Empty : $", {Number(layers.Value)} layers")})",
                Modules + kind,
                $"{Nn}{kind}({arguments})",
                $"global::NetGen.GeneratedLayers.SequenceOutput({c.Name}.call({{x}}, null))",
                parameters,
                parameters)
            {
                Settings = Settings(("inputSize", input.Last), ("hiddenSize", h), ("numLayers", layers.Value), ("steps", input.Dims[0])),
                Tensors = Tensors(tensors.ToArray()),
            };
        }

        private static LayerSpec? InferLastStep(LayerContext c)
        {
            if (c.Input is not { } input)
            {
                return c.NeedsInput("LastStep");
            }

            return input.Rank != 2
                ? c.WrongRank($"{c.Name} (LastStep)", "[steps, features]", "put it after a recurrent layer")
                : new LayerSpec(new Shape(input.Last), "LastStep", null, null, "{x}.select(1, -1)", 0, 0);
        }

        private const string NetGenLayers = "global::NetGen.Layers.";

        private static LayerSpec? InferEmbedding(LayerContext c)
        {
            var count = c.Size("numEmbeddings", "Embedding");
            var dim = c.Size("dim", "Embedding");
            if (count is null || dim is null)
            {
                return null;
            }

            var padding = c.Arguments.Long("PaddingIdx") ?? -1;
            if (padding != -1 && (padding < 0 || padding >= count.Value))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Embedding", $"PaddingIdx is {Number(padding)}, but it must be a token id from 0 to {Number(count.Value - 1)} (or -1 for none)");
                return null;
            }

            if (c.Input is not { } input || c.ShapeSourceRole is not (null or LayerRole.Input))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Embedding", "it takes token ids, so it must come right after [Input(steps)]");
                return null;
            }

            if (input.Rank != 1)
            {
                return c.WrongRank($"{c.Name} (Embedding)", "[steps] of token ids", "declare [Input(steps)] before it");
            }

            var parameters = checked(count.Value * dim.Value);
            return new LayerSpec(
                new Shape(input.Dims[0], dim.Value),
                $"Embedding({Number(count.Value)} tokens → {Number(dim.Value)}{(padding >= 0 ? $", padding {Number(padding)}" : string.Empty)})",
                Modules + "Embedding",
                $"{Nn}Embedding({Number(count.Value)}, {Number(dim.Value)}{(padding >= 0 ? $", padding_idx: {Number(padding)}" : string.Empty)})",
                $"global::NetGen.GeneratedLayers.Embed({{x}}, {c.Name}, \"{c.Name}\")",
                parameters,
                parameters)
            {
                Settings = Settings(("numEmbeddings", count.Value), ("dim", dim.Value), ("PaddingIdx", padding)),
                Tensors = Tensors(Parameter("weight", count.Value, dim.Value)),
            };
        }

        private static LayerSpec? InferPositionalEmbedding(LayerContext c)
        {
            if (c.Input is not { } input)
            {
                return c.NeedsInput("PositionalEmbedding");
            }

            if (input.Rank != 2)
            {
                return c.WrongRank($"{c.Name} (PositionalEmbedding)", "[steps, features]", "put it after an Embedding");
            }

            var (steps, features) = (input.Dims[0], input.Dims[1]);
            var parameters = checked(steps * features);
            return new LayerSpec(
                input,
                $"PositionalEmbedding({Number(steps)} steps × {Number(features)})",
                NetGenLayers + "PositionalEmbedding",
                $"new {NetGenLayers}PositionalEmbedding({Number(steps)}, {Number(features)})",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                Settings = Settings(("steps", steps), ("features", features)),
                Tensors = Tensors(Parameter("weight", steps, features)),
            };
        }

        private static LayerSpec? InferMultiheadAttention(LayerContext c)
        {
            var heads = c.Size("heads", "MultiheadAttention");
            var dropout = c.Arguments.Double("Dropout") ?? 0.0;
            var causal = c.Arguments.Bool("Causal", false);
            if (heads is null || !CheckDropout(c, "MultiheadAttention", dropout) || AttentionInput(c, "MultiheadAttention", heads.Value) is not { } input)
            {
                return null;
            }

            var e = input.Last;
            var parameters = checked((4 * e * e) + (4 * e));
            return new LayerSpec(
                input,
                $"MultiheadAttention({Number(e)}, {Number(heads.Value)} heads{(causal ? ", causal" : string.Empty)})",
                NetGenLayers + "SelfAttention",
                $"new {NetGenLayers}SelfAttention({Number(e)}, {Number(heads.Value)}, {Literal(dropout)}, {Bool(causal)})",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                Settings = Settings(("features", e), ("heads", heads.Value), ("Causal", causal), ("Dropout", dropout)),
                Tensors = Tensors(AttentionTensors(string.Empty, e)),
            };
        }

        private static LayerSpec? InferTransformerEncoderLayer(LayerContext c)
        {
            var heads = c.Size("heads", "TransformerEncoderLayer");
            var feedForward = c.Size("feedForward", "TransformerEncoderLayer");
            var dropout = c.Arguments.Double("Dropout") ?? 0.1;
            var normFirst = c.Arguments.Bool("NormFirst", false);
            if (heads is null || feedForward is null || !CheckDropout(c, "TransformerEncoderLayer", dropout)
                || AttentionInput(c, "TransformerEncoderLayer", heads.Value) is not { } input)
            {
                return null;
            }

            var (e, f) = (input.Last, feedForward.Value);
            var parameters = checked((4 * e * e) + (2 * e * f) + (9 * e) + f);
            var tensors = new List<TensorModel>(AttentionTensors("self_attn.", e))
            {
                Parameter("linear1.weight", f, e),
                Parameter("linear1.bias", f),
                Parameter("linear2.weight", e, f),
                Parameter("linear2.bias", e),
                Parameter("norm1.weight", e),
                Parameter("norm1.bias", e),
                Parameter("norm2.weight", e),
                Parameter("norm2.bias", e),
            };
            return new LayerSpec(
                input,
                $"TransformerEncoderLayer({Number(e)}, {Number(heads.Value)} heads, feed-forward {Number(f)}{(normFirst ? ", norm first" : string.Empty)})",
                NetGenLayers + "TransformerEncoderLayer",
                $"new {NetGenLayers}TransformerEncoderLayer({Number(e)}, {Number(heads.Value)}, {Number(f)}, {Literal(dropout)}, {Bool(normFirst)})",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                Settings = Settings(("features", e), ("heads", heads.Value), ("feedForward", f), ("Dropout", dropout), ("NormFirst", normFirst), ("eps", 1e-5)),
                Tensors = Tensors(tensors.ToArray()),
            };
        }

        private static bool CheckDropout(LayerContext c, string kind, double p)
        {
            if (p >= 0 && p < 1)
            {
                return true;
            }

            c.Report(DiagnosticDescriptors.InvalidArgument, kind, $"Dropout is {Number(p)}, but it is a probability of dropping and must be at least 0 and below 1");
            return false;
        }

        /// <summary>The [steps, features] input of an attention layer whose features split evenly into heads; null after reporting.</summary>
        private static Shape? AttentionInput(LayerContext c, string kind, long heads)
        {
            if (c.Input is not { } input)
            {
                c.NeedsInput(kind);
                return null;
            }

            if (input.Rank != 2)
            {
                c.WrongRank($"{c.Name} ({kind})", "[steps, features]", "put it after an Embedding or another sequence layer");
                return null;
            }

            if (input.Last % heads != 0)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind, $"{Number(heads)} heads do not divide the {Number(input.Last)} features; each head gets features / heads of them");
                return null;
            }

            return input;
        }

        private static TensorModel[] AttentionTensors(string prefix, long e) => new[]
        {
            Parameter(prefix + "in_proj_weight", checked(3 * e), e),
            Parameter(prefix + "in_proj_bias", checked(3 * e)),
            Parameter(prefix + "out_proj.weight", e, e),
            Parameter(prefix + "out_proj.bias", e),
        };

        private static LayerSpec? InferMeanPool(LayerContext c)
        {
            if (c.Input is not { } input)
            {
                return c.NeedsInput("MeanPool");
            }

            return input.Rank != 2
                ? c.WrongRank($"{c.Name} (MeanPool)", "[steps, features]", "put it after a sequence layer")
                : new LayerSpec(new Shape(input.Last), "MeanPool(over steps)", null, null, "{x}.mean(new long[] { 1 })", 0, 0);
        }

        private static LayerSpec? InferBlock(LayerContext c) => InferComposite(c, "Block", "network", residual: false);

        private static LayerSpec? InferResidual(LayerContext c) => InferComposite(c, "Residual", "block", residual: true);

        private static LayerSpec? InferComposite(LayerContext c, string kind, string argument, bool residual)
        {
            var type = c.Arguments.Type(argument);
            if (type is null)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind, $"write [{kind}(typeof(MyNetwork))] with a NetGen network class");
                return null;
            }

            var resolution = c.ResolveNetwork(type);
            if (resolution.Model is not { } block)
            {
                c.Report(DiagnosticDescriptors.NotANetwork, kind, type.Name, resolution.Problem ?? "is not a NetGen network");
                return null;
            }

            var blockOutput = block.Layers[block.Layers.Count - 1].OutputShape;
            var shortcutType = residual ? c.Arguments.Type("Shortcut") : null;
            NetworkModel? shortcut = null;
            if (shortcutType is not null)
            {
                if (ResolveShortcut(c, type, block, blockOutput, shortcutType) is not { } resolved)
                {
                    return null;
                }

                shortcut = resolved;
            }
            else if (residual && !blockOutput.Equals(block.InputShape))
            {
                c.Report(DiagnosticDescriptors.ResidualChangesShape, kind, type.Name, block.InputShape.ToString(), blockOutput.ToString());
                return null;
            }

            var input = c.Input ?? block.InputShape;
            if (!input.Equals(block.InputShape))
            {
                c.Report(
                    DiagnosticDescriptors.LayerSizeMismatch,
                    $"{c.Name} ({kind} {type.Name})",
                    "input of shape " + block.InputShape,
                    c.PreviousName,
                    input.ToString(),
                    $"change the previous layer or {type.Name}'s first layer");
                return null;
            }

            var typeName = "global::" + type.ToDisplayString();
            var shortcutField = c.Name + "_" + ShortcutChildName;
            var forward = !residual ? c.Name + ".call({x})"
                : shortcut is null ? $"global::NetGen.GeneratedLayers.ResidualAdd({{x}}, {c.Name})"
                : $"global::NetGen.GeneratedLayers.ResidualAdd({{x}}, {c.Name}, {shortcutField})";
            var parameters = checked(block.TotalParameters + (shortcut?.TotalParameters ?? 0));
            var trainable = checked(block.TrainableParameters + (shortcut?.TrainableParameters ?? 0));
            return new LayerSpec(
                blockOutput,
                !residual ? type.Name : shortcut is null ? $"x + {type.Name}(x)" : $"{shortcutType!.Name}(x) + {type.Name}(x)",
                typeName,
                $"new {typeName}()",
                forward,
                parameters,
                trainable)
            {
                FixesInput = c.Input is null ? block.InputShape : null,
                Block = block,
                BlockType = type.ToDisplayString(),
                Shortcut = shortcut is null ? null : new ShortcutModel(shortcutField, ShortcutChildName, shortcutType!.ToDisplayString(), shortcut),
            };
        }

        /// <summary>The name the projection shortcut is registered under inside its block, as in torchvision's ResNet.</summary>
        public const string ShortcutChildName = "downsample";

        /// <summary>
        /// Reads a residual connection's projection shortcut: a NetGen network from the block's input shape to its
        /// output shape, registered inside the block as <see cref="ShortcutChildName"/>.
        /// </summary>
        private static NetworkModel? ResolveShortcut(LayerContext c, INamedTypeSymbol blockType, NetworkModel block, Shape blockOutput, INamedTypeSymbol shortcutType)
        {
            var resolution = c.ResolveNetwork(shortcutType);
            if (resolution.Model is not { } shortcut)
            {
                c.Report(DiagnosticDescriptors.NotANetwork, "Residual Shortcut", shortcutType.Name, resolution.Problem ?? "is not a NetGen network");
                return null;
            }

            var shortcutOutput = shortcut.Layers[shortcut.Layers.Count - 1].OutputShape;
            if (!shortcut.InputShape.Equals(block.InputShape) || !shortcutOutput.Equals(blockOutput))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Residual",
                    $"the shortcut '{shortcutType.Name}' maps {shortcut.InputShape} to {shortcutOutput}, but the block '{blockType.Name}' maps {block.InputShape} to {blockOutput}; "
                    + "the shortcut must take the block's input shape to its output shape");
                return null;
            }

            if (block.Layers.Any(l => l.FieldName == ShortcutChildName))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Residual",
                    $"the block '{blockType.Name}' has a layer named '{ShortcutChildName}', the name its shortcut is registered under; rename that layer");
                return null;
            }

            return shortcut;
        }

        private static LayerSpec? InferBranches(LayerContext c)
        {
            var types = c.Arguments.Types("networks");
            if (types is null || types.Length < 2 || types.Any(t => t is null))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Branches", "write [Branches(typeof(A), typeof(B))] with two or more NetGen network classes");
                return null;
            }

            var mergeValue = c.Arguments.Long("Merge") ?? 0;
            if (mergeValue is not (0 or 1))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Branches", $"Merge is {Number(mergeValue)}, which is not a BranchMerge member (Concat or Add)");
                return null;
            }

            var concat = mergeValue == 0;
            var branches = new List<BranchModel>();
            foreach (var type in types)
            {
                var resolution = c.ResolveNetwork(type!);
                if (resolution.Model is not { } network)
                {
                    c.Report(DiagnosticDescriptors.NotANetwork, "Branches", type!.Name, resolution.Problem ?? "is not a NetGen network");
                    return null;
                }

                branches.Add(new BranchModel(Number(branches.Count), type!.ToDisplayString(), network));
            }

            var input = c.Input ?? branches[0].Network.InputShape;
            var outputs = branches.Select(b => b.Network.Layers[b.Network.Layers.Count - 1].OutputShape).ToList();
            for (var i = 0; i < branches.Count; i++)
            {
                if (!branches[i].Network.InputShape.Equals(input))
                {
                    c.Report(DiagnosticDescriptors.LayerSizeMismatch, $"{c.Name} (Branches {types[i]!.Name})", "input of shape " + branches[i].Network.InputShape,
                        c.PreviousName, input.ToString(), $"change the previous layer or {types[i]!.Name}'s first layer");
                    return null;
                }

                var fits = concat
                    ? outputs[i].Rank == outputs[0].Rank && outputs[i].Dims.Skip(1).SequenceEqual(outputs[0].Dims.Skip(1))
                    : outputs[i].Equals(outputs[0]);
                if (!fits)
                {
                    c.Report(DiagnosticDescriptors.InvalidArgument, "Branches",
                        concat
                            ? $"'{types[i]!.Name}' outputs {outputs[i]} and '{types[0]!.Name}' {outputs[0]}; concatenation joins the first dimension, so every other dimension must agree"
                            : $"'{types[i]!.Name}' outputs {outputs[i]} and '{types[0]!.Name}' {outputs[0]}; adding needs the same shape from every branch");
                    return null;
                }
            }

            var dims = outputs[0].Dims.ToArray();
            if (concat)
            {
                dims[0] = outputs.Aggregate(0L, (sum, o) => checked(sum + o.Dims[0]));
            }

            var parameters = branches.Aggregate(0L, (sum, b) => checked(sum + b.Network.TotalParameters));
            var trainable = branches.Aggregate(0L, (sum, b) => checked(sum + b.Network.TrainableParameters));
            var merge = concat ? "Concat" : "Add";
            var names = string.Join(", ", types.Select(t => t!.Name));
            return new LayerSpec(
                new Shape(dims),
                $"{(concat ? "concat" : "sum")}({names})",
                NetGenLayers + "Branches",
                $"new {NetGenLayers}Branches(global::NetGen.BranchMerge.{merge}, {string.Join(", ", branches.Select(b => $"new global::{b.Type}()"))})",
                c.Name + ".call({x})",
                parameters,
                trainable)
            {
                FixesInput = c.Input is null ? input : null,
                Settings = Settings(("Merge", merge), ("branches", branches.Count)),
                Branches = branches.ToEquatableArray(),
            };
        }

        private static string Bool(bool value) => value ? "true" : "false";

        private static EquatableArray<LayerSetting> Settings(params (string Name, object Value)[] settings) =>
            settings.Select(s => new LayerSetting(s.Name, s.Value switch
            {
                bool b => Bool(b),
                long l => Number(l),
                int i => Number(i),
                double d => Number(d),
                _ => Convert.ToString(s.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
            })).ToEquatableArray();

        private static EquatableArray<TensorModel> Tensors(params TensorModel[] tensors) => tensors.ToEquatableArray();

        private static TensorModel Parameter(string name, params long[] dims) => new(name, new Shape(dims), IsParameter: true);

        private static TensorModel Buffer(string name, params long[] dims) => new(name, new Shape(dims), IsParameter: false);

        private static long[] ConvWeight(long outChannels, long inChannels, long kernel, int spatialDims)
        {
            var dims = new long[2 + spatialDims];
            dims[0] = outChannels;
            dims[1] = inChannels;
            for (var d = 0; d < spatialDims; d++)
            {
                dims[2 + d] = kernel;
            }

            return dims;
        }

        /// <summary>A double as a C# literal that round-trips: 0.01, 1.0, 1E-05.</summary>
        public static string Literal(double value)
        {
            var text = Number(value);
            return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
        }
    }
}
