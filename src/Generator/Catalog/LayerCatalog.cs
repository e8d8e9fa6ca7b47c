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
            new LayerDefinition("Conv2d", LayerRole.Convolution, "conv", ownsModule: true, c => InferConvolutionNd(c, "Conv2d", spatialDims: 2, transposed: false)),
            new LayerDefinition("Conv1d", LayerRole.Convolution, "conv", ownsModule: true, c => InferConvolutionNd(c, "Conv1d", spatialDims: 1, transposed: false)),
            new LayerDefinition("MaxPool2d", LayerRole.Pooling, "maxpool", ownsModule: false, c => InferPooling(c, "MaxPool2d", "max_pool2d", average: false)),
            new LayerDefinition("AvgPool2d", LayerRole.Pooling, "avgpool", ownsModule: false, c => InferPooling(c, "AvgPool2d", "avg_pool2d", average: true)),
            new LayerDefinition("AdaptiveAvgPool2d", LayerRole.Pooling, "avgpool", ownsModule: false, InferAdaptivePooling),
            new LayerDefinition("Conv3d", LayerRole.Convolution, "conv", ownsModule: true, c => InferConvolutionNd(c, "Conv3d", spatialDims: 3, transposed: false)),
            new LayerDefinition("ConvTranspose1d", LayerRole.Convolution, "deconv", ownsModule: true, c => InferConvolutionNd(c, "ConvTranspose1d", spatialDims: 1, transposed: true)),
            new LayerDefinition("ConvTranspose2d", LayerRole.Convolution, "deconv", ownsModule: true, c => InferConvolutionNd(c, "ConvTranspose2d", spatialDims: 2, transposed: true)),
            new LayerDefinition("MaxPool1d", LayerRole.Pooling, "maxpool", ownsModule: false, c => InferPooling1d(c, "MaxPool1d", "max_pool1d", average: false)),
            new LayerDefinition("AvgPool1d", LayerRole.Pooling, "avgpool", ownsModule: false, c => InferPooling1d(c, "AvgPool1d", "avg_pool1d", average: true)),
            new LayerDefinition("AdaptiveAvgPool1d", LayerRole.Pooling, "avgpool", ownsModule: false, InferAdaptivePooling1d),
            new LayerDefinition("Upsample", LayerRole.Pooling, "upsample", ownsModule: false, InferUpsample),

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

            // More normalisation, regularisation and reshaping (issue 15): GroupNorm, InstanceNorm, channel dropout,
            // Identity, Unflatten/Reshape and Transpose.
            new LayerDefinition("GroupNorm", LayerRole.Normalization, "gn", ownsModule: true, InferGroupNorm),
            new LayerDefinition("InstanceNorm1d", LayerRole.Normalization, "inorm", ownsModule: true, c => InferInstanceNorm(c, "InstanceNorm1d", spatialDims: 1)),
            new LayerDefinition("InstanceNorm2d", LayerRole.Normalization, "inorm", ownsModule: true, c => InferInstanceNorm(c, "InstanceNorm2d", spatialDims: 2)),
            new LayerDefinition("Dropout2d", LayerRole.Regularization, "dropout", ownsModule: false, InferDropout2d),
            new LayerDefinition("Identity", LayerRole.Reshape, "identity", ownsModule: false, InferIdentity),
            new LayerDefinition("Unflatten", LayerRole.Reshape, "unflatten", ownsModule: false, InferUnflatten),
            new LayerDefinition("Reshape", LayerRole.Reshape, "reshape", ownsModule: false, InferReshape),
            new LayerDefinition("Transpose", LayerRole.Reshape, "transpose", ownsModule: false, InferTranspose),
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

        private static LayerSpec? InferPooling(LayerContext c, string kind, string function, bool average)
        {
            if (PoolingWindow.Read(c, kind, average) is not { } window)
            {
                return null;
            }

            var (kernel, stride, padding) = (window.Kernel, window.Stride, window.Padding);
            if (c.Input is not { } input)
            {
                return c.NeedsInput(kind);
            }

            if (input.Rank != 3)
            {
                return c.WrongRank($"{c.Name} ({kind})", "[channels, height, width]", "pool only after 2-D convolutions or an [Input(channels, height, width)]");
            }

            if (input.Dims[1] + (2 * padding) < kernel || input.Dims[2] + (2 * padding) < kernel)
            {
                var (h0, w0) = (Math.Max(window.Output(input.Dims[1]), 0), Math.Max(window.Output(input.Dims[2]), 0));
                c.Report(DiagnosticDescriptors.OutputBelowOne, $"{c.Name} ({kind}({Number(kernel)}))", input.ToString(), $"[{Number(input.Dims[0])}, {Number(h0)}, {Number(w0)}]");
                return null;
            }

            var h = window.Output(input.Dims[1]);
            var w = window.Output(input.Dims[2]);
            var args = $"{Number(kernel)}, stride: {Number(stride)}, padding: {Number(padding)}" + window.TorchSharpOptions;
            return new LayerSpec(
                new Shape(input.Dims[0], h, w),
                $"{kind}(kernel {Number(kernel)}, stride {Number(stride)}, padding {Number(padding)}{window.Description})",
                null,
                null,
                $"{Functional}{function}({{x}}, {args})",
                0,
                0)
            {
                Settings = window.Settings(),
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

        /// <summary>
        /// Conv1d/2d/3d and ConvTranspose1d/2d, with PyTorch's dilation and groups (Groups = input channels: depthwise). A convolution's output per side is
        /// ⌊(size + 2·padding - dilation·(kernel - 1) - 1) / stride⌋ + 1; a transposed convolution's is
        /// (size - 1)·stride - 2·padding + dilation·(kernel - 1) + outputPadding + 1, and its weight is [in, out / groups, kernel...].
        /// </summary>
        private static LayerSpec? InferConvolutionNd(LayerContext c, string kind, int spatialDims, bool transposed)
        {
            var outChannels = c.Size("outChannels", kind);
            var kernel = c.Size("kernelSize", kind);
            var stride = c.Size("stride", kind);
            var padding = c.Size("padding", kind, minimum: 0);
            var outputPadding = transposed ? c.Size("outputPadding", kind, minimum: 0) : 0;
            var dilation = c.Arguments.Has("Dilation") ? c.Size("Dilation", kind) : 1;
            var groups = c.Arguments.Has("Groups") ? c.Size("Groups", kind) : 1;
            if (outChannels is null || kernel is null || stride is null || padding is null || outputPadding is null || dilation is null || groups is null)
            {
                return null;
            }

            if (transposed && outputPadding.Value >= Math.Max(stride.Value, dilation.Value))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind,
                    $"outputPadding is {Number(outputPadding.Value)}, but it must be smaller than the stride ({Number(stride.Value)}) or the dilation ({Number(dilation.Value)}); PyTorch rejects it at run time");
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput(kind);
            }

            if (input.Rank != spatialDims + 1)
            {
                var expected = spatialDims switch { 1 => "[channels, length]", 2 => "[channels, height, width]", _ => "[channels, depth, height, width]" };
                return c.WrongRank($"{c.Name} ({kind})", expected, $"declare [Input{expected.Replace("[", "(").Replace("]", ")")}] first");
            }

            var inChannels = input.Dims[0];
            if (inChannels % groups.Value != 0 || outChannels.Value % groups.Value != 0)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind,
                    $"Groups is {Number(groups.Value)}, but it must divide both the {Number(inChannels)} input channels and the {Number(outChannels.Value)} output channels");
                return null;
            }

            var span = checked((dilation.Value * (kernel.Value - 1)) + 1);
            var dims = new long[spatialDims + 1];
            dims[0] = outChannels.Value;
            for (var d = 1; d <= spatialDims; d++)
            {
                if (transposed)
                {
                    dims[d] = checked(((input.Dims[d] - 1) * stride.Value) - (2 * padding.Value) + span - 1 + outputPadding.Value + 1);
                    if (dims[d] < 1)
                    {
                        var shown = input.Dims.ToArray();
                        shown[d] = dims[d];
                        c.Report(DiagnosticDescriptors.OutputBelowOne, $"{c.Name} ({kind}({Number(outChannels.Value)}, {Number(kernel.Value)}, padding: {Number(padding.Value)}))",
                            input.ToString(), new Shape(shown).ToString());
                        return null;
                    }

                    continue;
                }

                if (checked(input.Dims[d] + (2 * padding.Value)) < span)
                {
                    c.Report(DiagnosticDescriptors.KernelLargerThanInput, $"{c.Name} ({kind})", span, input.Dims[d], padding.Value);
                    return null;
                }

                dims[d] = checked(((input.Dims[d] + (2 * padding.Value) - span) / stride.Value) + 1);
            }

            var bias = c.Arguments.Bool("Bias", true);
            var kernelElements = checked((long)Math.Pow(kernel.Value, spatialDims));
            var weightShape = new long[2 + spatialDims];
            weightShape[0] = transposed ? inChannels : outChannels.Value;
            weightShape[1] = transposed ? outChannels.Value / groups.Value : inChannels / groups.Value;
            for (var d = 0; d < spatialDims; d++)
            {
                weightShape[2 + d] = kernel.Value;
            }

            var weights = checked(weightShape[0] * weightShape[1] * kernelElements);
            var parameters = checked(weights + (bias ? outChannels.Value : 0));
            var description = $"{kind}({Number(inChannels)} → {Number(outChannels.Value)}, kernel {Number(kernel.Value)}, stride {Number(stride.Value)}, padding {Number(padding.Value)}"
                + (transposed && outputPadding.Value != 0 ? $", output padding {Number(outputPadding.Value)}" : string.Empty)
                + (dilation.Value != 1 ? $", dilation {Number(dilation.Value)}" : string.Empty)
                + (groups.Value != 1 ? $", groups {Number(groups.Value)}" : string.Empty)
                + ")";
            return new LayerSpec(
                new Shape(dims),
                description,
                Modules + kind,
                // Only the arguments that differ from the defaults: a literal 0 padding would also convert to TorchSharp's
                // Padding enum (Conv3d) and make the overloads ambiguous.
                $"{Nn}{kind}({Number(inChannels)}, {Number(outChannels.Value)}, {Number(kernel.Value)}"
                    + (stride.Value != 1 ? $", stride: {Number(stride.Value)}" : string.Empty)
                    + (padding.Value != 0 ? $", padding: {Number(padding.Value)}" : string.Empty)
                    + (outputPadding.Value != 0 ? $", output_padding: {Number(outputPadding.Value)}" : string.Empty)
                    + (dilation.Value != 1 ? $", dilation: {Number(dilation.Value)}" : string.Empty)
                    + (groups.Value != 1 ? $", groups: {Number(groups.Value)}" : string.Empty)
                    + $", bias: {Bool(bias)})",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                Settings = Settings(
                    ("inChannels", inChannels), ("outChannels", outChannels.Value), ("kernelSize", kernel.Value), ("stride", stride.Value), ("padding", padding.Value),
                    ("outputPadding", outputPadding.Value), ("dilation", dilation.Value), ("groups", groups.Value), ("Bias", bias)),
                Tensors = bias
                    ? Tensors(Parameter("weight", weightShape), Parameter("bias", outChannels.Value))
                    : Tensors(Parameter("weight", weightShape)),
            };
        }

        /// <summary>MaxPool1d and AvgPool1d over [channels, length]: PyTorch's ⌊(length + 2·padding - kernel) / stride⌋ + 1 (see <see cref="PoolingWindow.Output"/> for ceil mode).</summary>
        private static LayerSpec? InferPooling1d(LayerContext c, string kind, string function, bool average)
        {
            if (PoolingWindow.Read(c, kind, average) is not { } window)
            {
                return null;
            }

            var (kernel, stride, padding) = (window.Kernel, window.Stride, window.Padding);
            if (c.Input is not { } input)
            {
                return c.NeedsInput(kind);
            }

            if (input.Rank != 2)
            {
                return c.WrongRank($"{c.Name} ({kind})", "[channels, length]", "pool only after 1-D convolutions or an [Input(channels, length)]");
            }

            if (checked(input.Dims[1] + (2 * padding)) < kernel)
            {
                c.Report(DiagnosticDescriptors.KernelLargerThanInput, $"{c.Name} ({kind})", kernel, input.Dims[1], padding);
                return null;
            }

            var length = window.Output(input.Dims[1]);
            return new LayerSpec(
                new Shape(input.Dims[0], length),
                $"{kind}(kernel {Number(kernel)}, stride {Number(stride)}, padding {Number(padding)}{window.Description})",
                null,
                null,
                $"{Functional}{function}({{x}}, {Number(kernel)}, stride: {Number(stride)}, padding: {Number(padding)}{window.TorchSharpOptions})",
                0,
                0)
            {
                Settings = window.Settings(),
            };
        }

        /// <summary>A pooling window's kernel, stride (0 means the kernel, as PyTorch's default), padding, ceil mode and (average
        /// pooling) whether padding counts in the divisor, checked once for every pooling kind: padding at most half the kernel,
        /// as PyTorch requires at run time.</summary>
        private readonly struct PoolingWindow
        {
            private PoolingWindow(long kernel, long stride, long padding, bool ceilMode, bool? countIncludePad) =>
                (Kernel, Stride, Padding, CeilMode, CountIncludePad) = (kernel, stride, padding, ceilMode, countIncludePad);

            public long Kernel { get; }

            public long Stride { get; }

            public long Padding { get; }

            public bool CeilMode { get; }

            /// <summary>Null for max pooling, which has no divisor.</summary>
            public bool? CountIncludePad { get; }

            /// <summary>The non-default options as TorchSharp named arguments (nothing when both are PyTorch's defaults).</summary>
            public string TorchSharpOptions =>
                (CeilMode ? ", ceil_mode: true" : string.Empty) + (CountIncludePad == false ? ", count_include_pad: false" : string.Empty);

            /// <summary>The non-default options for the summary's description.</summary>
            public string Description =>
                (CeilMode ? ", ceil mode" : string.Empty) + (CountIncludePad == false ? ", padding not counted" : string.Empty);

            /// <summary>
            /// PyTorch's output length (pooling_output_shape): ⌊(length + 2·padding - kernel) / stride⌋ + 1, or with ceil mode
            /// rounded up, less one when that last window would start past the input and the left padding.
            /// </summary>
            public long Output(long length)
            {
                var span = checked(length + (2 * Padding) - Kernel);
                if (span < 0)
                {
                    return 0;
                }

                var output = checked(((span + (CeilMode ? Stride - 1 : 0)) / Stride) + 1);
                if (CeilMode && checked((output - 1) * Stride) >= length + Padding)
                {
                    output--;
                }

                return output;
            }

            public EquatableArray<LayerSetting> Settings() => CountIncludePad is { } counted
                ? LayerCatalog.Settings(("kernelSize", Kernel), ("stride", Stride), ("padding", Padding), ("CeilMode", CeilMode), ("CountIncludePad", counted))
                : LayerCatalog.Settings(("kernelSize", Kernel), ("stride", Stride), ("padding", Padding), ("CeilMode", CeilMode));

            public static PoolingWindow? Read(LayerContext c, string kind, bool average)
            {
                var kernel = c.Size("kernelSize", kind);
                var stride = c.Size("stride", kind, minimum: 0);
                var padding = c.Size("padding", kind, minimum: 0);
                if (kernel is null || stride is null || padding is null)
                {
                    return null;
                }

                if (checked(padding.Value * 2) > kernel.Value)
                {
                    c.Report(DiagnosticDescriptors.InvalidArgument, kind, $"padding {Number(padding.Value)} is more than half the kernel size {Number(kernel.Value)}; PyTorch rejects it at run time");
                    return null;
                }

                return new PoolingWindow(
                    kernel.Value,
                    stride.Value == 0 ? kernel.Value : stride.Value,
                    padding.Value,
                    c.Arguments.Bool("CeilMode", false),
                    average ? c.Arguments.Bool("CountIncludePad", true) : null);
            }
        }

        private static LayerSpec? InferAdaptivePooling1d(LayerContext c)
        {
            var size = c.Size("outputSize", "AdaptiveAvgPool1d");
            if (size is null)
            {
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("AdaptiveAvgPool1d");
            }

            if (input.Rank != 2)
            {
                return c.WrongRank($"{c.Name} (AdaptiveAvgPool1d)", "[channels, length]", "pool only after 1-D convolutions or an [Input(channels, length)]");
            }

            return new LayerSpec(
                new Shape(input.Dims[0], size.Value),
                $"AdaptiveAvgPool1d({Number(size.Value)})",
                null,
                null,
                $"{Functional}adaptive_avg_pool1d({{x}}, {Number(size.Value)})",
                0,
                0)
            {
                Settings = Settings(("outputSize", size.Value)),
            };
        }

        // The NetGen.Interpolation members by value, with the rank (channels included) each linear mode needs.
        private static readonly string[] InterpolationModes = { "nearest", "linear", "bilinear" };

        /// <summary>
        /// Upsample, as torch.nn.Upsample: by a scale factor (output ⌊size · factor⌋ per spatial side, and the factor itself
        /// used for the coordinates, as PyTorch without recompute_scale_factor) or to a declared size.
        /// </summary>
        private static LayerSpec? InferUpsample(LayerContext c)
        {
            var scale = c.Arguments.Double("scaleFactor") ?? 0;
            var size = c.Arguments.Longs("Size");
            var modeValue = c.Arguments.Long("Mode") ?? 0;
            var alignCorners = c.Arguments.Bool("AlignCorners", false);
            if (modeValue < 0 || modeValue >= InterpolationModes.Length)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Upsample", $"Mode is {Number(modeValue)}, which is not an Interpolation member (Nearest, Linear or Bilinear)");
                return null;
            }

            var mode = InterpolationModes[modeValue];
            if (c.Arguments.Has("scaleFactor") == (size is not null))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Upsample",
                    size is null
                        ? "it needs a scale factor or an output size, such as [Upsample(2)] or [Upsample(Size = new long[] { 14, 14 })]"
                        : "it has both a scale factor and a Size; PyTorch takes only one of them, so keep one");
                return null;
            }

            if (size is null && !(scale > 0 && !double.IsInfinity(scale)))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Upsample", $"the scale factor is {Number(scale)}, but it must be a positive finite number");
                return null;
            }

            if (size is not null)
            {
                if (size.Length == 0)
                {
                    c.Report(DiagnosticDescriptors.InvalidArgument, "Upsample", "Size is empty; give one size per spatial dimension, or one for all of them");
                    return null;
                }

                for (var i = 0; i < size.Length; i++)
                {
                    if (size[i] < 1)
                    {
                        c.Report(DiagnosticDescriptors.NonPositiveSize, "Upsample", $"Size[{i}]", size[i]);
                        return null;
                    }
                }
            }

            if (alignCorners && mode == "nearest")
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Upsample", "AlignCorners applies only to the Linear and Bilinear modes; PyTorch rejects it with Nearest");
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("Upsample");
            }

            var (rank, expected) = mode switch
            {
                "linear" => (2, "[channels, length]"),
                "bilinear" => (3, "[channels, height, width]"),
                _ => (0, "[channels, length], [channels, height, width] or [channels, depth, height, width]"),
            };
            if (rank == 0 ? input.Rank is < 2 or > 4 : input.Rank != rank)
            {
                return c.WrongRank($"{c.Name} (Upsample, {mode})", expected, "upsample feature maps, after a convolution or an [Input(channels, ...)]");
            }

            var spatial = input.Rank - 1;
            if (size is not null && size.Length != 1 && size.Length != spatial)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Upsample",
                    $"Size has {Number(size.Length)} entries, but samples of shape {input} have {Number(spatial)} spatial dimensions; give one size per spatial dimension, or one for all of them");
                return null;
            }

            var dims = input.Dims.ToArray();
            for (var d = 1; d <= spatial; d++)
            {
                var product = input.Dims[d] * scale;
                dims[d] = size is not null ? size[size.Length == 1 ? 0 : d - 1]
                    : product >= long.MaxValue ? throw new OverflowException()
                    : (long)Math.Floor(product);
                if (dims[d] < 1)
                {
                    c.Report(DiagnosticDescriptors.OutputBelowOne, $"{c.Name} (Upsample({Number(scale)}))", input.ToString(), new Shape(dims).ToString());
                    return null;
                }
            }

            var output = new Shape(dims);
            var spatialSizes = string.Join(", ", dims.Skip(1).Select(Number));
            var scales = string.Join(", ", Enumerable.Repeat(Literal(scale), spatial));
            var sizeText = size is not null ? $"size {string.Join(" x ", dims.Skip(1).Select(Number))}" : $"scale {Number(scale)}";
            return new LayerSpec(
                output,
                $"Upsample({sizeText}, {mode}{(alignCorners ? ", align corners" : string.Empty)})",
                null,
                null,
                $"{Functional}interpolate({{x}}, "
                    + (size is not null ? $"size: new long[] {{ {spatialSizes} }}" : $"scale_factor: new double[] {{ {scales} }}")
                    + $", mode: global::TorchSharp.torch.InterpolationMode.{char.ToUpperInvariant(mode[0])}{mode.Substring(1)}"
                    + (mode == "nearest" ? string.Empty : $", align_corners: {Bool(alignCorners)}")
                    + ")",
                0,
                0)
            {
                Settings = Settings(("mode", mode), ("scaleFactor", size is null ? scale : 0.0), ("AlignCorners", alignCorners)),
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

            // PyTorch's parameter layout per layer and direction: weight_ih (gates·h × in), weight_hh (gates·h × h), bias_ih
            // and bias_hh (gates·h each); a bidirectional layer adds the same four with the suffix _reverse, and the layers
            // above the first read both directions' outputs, 2·h features.
            var h = hidden.Value;
            var bidirectional = c.Arguments.Bool("Bidirectional", false);
            var directions = bidirectional ? 2 : 1;
            long parameters = 0;
            var tensors = new List<TensorModel>();
            for (var layer = 0; layer < layers.Value; layer++)
            {
                var layerInput = layer == 0 ? input.Last : checked(directions * h);
                foreach (var direction in bidirectional ? new[] { string.Empty, "_reverse" } : new[] { string.Empty })
                {
                    parameters = checked(parameters + (gates * h * (layerInput + h + 2)));
                    var suffix = "_l" + Number(layer) + direction;
                    tensors.Add(Parameter("weight_ih" + suffix, checked(gates * h), layerInput));
                    tensors.Add(Parameter("weight_hh" + suffix, checked(gates * h), h));
                    tensors.Add(Parameter("bias_ih" + suffix, checked(gates * h)));
                    tensors.Add(Parameter("bias_hh" + suffix, checked(gates * h)));
                }
            }

            var arguments = $"{Number(input.Last)}, {Number(h)}, numLayers: {Number(layers.Value)}, batchFirst: true{(bidirectional ? ", bidirectional: true" : string.Empty)}";
            var output = checked(directions * h);
            return new LayerSpec(
                new Shape(input.Dims[0], output),
                $"{kind}({Number(input.Last)} → {Number(h)}{(layers.Value == 1 ? string.Empty : $", {Number(layers.Value)} layers")}{(bidirectional ? ", bidirectional" : string.Empty)})",
                Modules + kind,
                $"{Nn}{kind}({arguments})",
                $"global::NetGen.GeneratedLayers.SequenceOutput({c.Name}.call({{x}}, null))",
                parameters,
                parameters)
            {
                Settings = bidirectional
                    ? Settings(("inputSize", input.Last), ("hiddenSize", h), ("numLayers", layers.Value), ("steps", input.Dims[0]), ("Bidirectional", true))
                    : Settings(("inputSize", input.Last), ("hiddenSize", h), ("numLayers", layers.Value), ("steps", input.Dims[0])),
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

        /// <summary>Reads <c>Eps</c> (default 1e-5); null after reporting a negative or non-finite one.</summary>
        private static double? Epsilon(LayerContext c, string kind)
        {
            var eps = c.Arguments.Double("Eps") ?? 1e-5;
            if (eps >= 0 && !double.IsInfinity(eps))
            {
                return eps;
            }

            c.Report(DiagnosticDescriptors.InvalidArgument, kind, $"Eps is {Number(eps)}, but it is added to the variance and must be a finite number of at least 0 (the default is 1e-5)");
            return null;
        }

        private static LayerSpec? InferGroupNorm(LayerContext c)
        {
            var groups = c.Size("numGroups", "GroupNorm");
            var eps = Epsilon(c, "GroupNorm");
            if (groups is null || eps is null)
            {
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("GroupNorm");
            }

            // TorchSharp's GroupNorm takes [batch, channels, ...] only, so samples need a channel dimension and at least one more.
            if (input.Rank < 2)
            {
                return c.WrongRank($"{c.Name} (GroupNorm)", "[channels, ...] (at least two dimensions)", "put it after a convolution, or on [channels, length] sequences");
            }

            var channels = input.Dims[0];
            if (channels % groups.Value != 0)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "GroupNorm",
                    $"{Number(groups.Value)} groups do not divide the {Number(channels)} channels of {c.PreviousName}'s output {input}; use a divisor of {Number(channels)}");
                return null;
            }

            var affine = c.Arguments.Bool("Affine", true);
            var parameters = affine ? checked(2 * channels) : 0;
            return new LayerSpec(
                input,
                $"GroupNorm({Number(groups.Value)} groups, {Number(channels)} channels{(affine ? string.Empty : ", no affine")})",
                Modules + "GroupNorm",
                $"global::NetGen.GeneratedLayers.GroupNorm({Number(groups.Value)}, {Number(channels)}, {Literal(eps.Value)}, {Bool(affine)})",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                Settings = Settings(("numGroups", groups.Value), ("numChannels", channels), ("eps", eps.Value), ("Affine", affine)),
                Tensors = affine ? Tensors(Parameter("weight", channels), Parameter("bias", channels)) : Tensors(),
            };
        }

        private static LayerSpec? InferInstanceNorm(LayerContext c, string kind, int spatialDims)
        {
            var eps = Epsilon(c, kind);
            if (eps is null)
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
                    spatialDims == 1 ? "[channels, length]" : "[channels, height, width]",
                    spatialDims == 1 ? "use InstanceNorm2d for images" : "use InstanceNorm1d for [channels, length]");
            }

            var channels = input.Dims[0];
            var affine = c.Arguments.Bool("Affine", false);
            var parameters = affine ? checked(2 * channels) : 0;
            return new LayerSpec(
                input,
                $"{kind}({Number(channels)}{(affine ? ", affine" : string.Empty)})",
                Modules + kind,
                $"{Nn}{kind}({Number(channels)}, eps: {Literal(eps.Value)}, affine: {Bool(affine)}, track_running_stats: false)",
                c.Name + ".call({x})",
                parameters,
                parameters)
            {
                Settings = Settings(("numFeatures", channels), ("spatialDims", spatialDims), ("eps", eps.Value), ("Affine", affine)),
                Tensors = affine ? Tensors(Parameter("weight", channels), Parameter("bias", channels)) : Tensors(),
            };
        }

        private static LayerSpec? InferDropout2d(LayerContext c)
        {
            var p = c.Arguments.Double("p") ?? 0.5;
            if (!(p >= 0 && p < 1))
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Dropout2d", $"p is {Number(p)}, but it is a probability of dropping a channel and must be at least 0 and below 1");
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("Dropout2d");
            }

            return input.Rank != 3
                ? c.WrongRank($"{c.Name} (Dropout2d)", "[channels, height, width]", "use Dropout for other shapes")
                : new LayerSpec(input, $"Dropout2d(p {Number(p)})", null, null, $"{Functional}dropout2d({{x}}, {Literal(p)}, training)", 0, 0) { Settings = Settings(("p", p)) };
        }

        // alias(): a new handle on the same tensor, because forward disposes each layer's input once the next has used it.
        private static LayerSpec? InferIdentity(LayerContext c) =>
            c.Input is { } input
                ? new LayerSpec(input, "Identity", null, null, "{x}.alias()", 0, 0)
                : c.NeedsInput("Identity");

        /// <summary>A dimension as PyTorch counts it (batch 0, negative from the end) as an index into the sample's shape; null after reporting.</summary>
        private static int? SampleAxis(LayerContext c, string kind, string argument, long dim, Shape input)
        {
            var rank = input.Rank + 1;
            if (dim < -rank || dim >= rank || dim == 0 || dim == -rank)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind,
                    $"{argument} is {Number(dim)}, but for samples of shape {input} it must be between 1 and {Number(rank - 1)} (or -1 to {Number(1 - rank)}); dim 0 is the batch");
                return null;
            }

            return (int)(dim < 0 ? dim + rank : dim) - 1;
        }

        /// <summary>Reads a list of sizes, each at least 1; null after reporting.</summary>
        private static long[]? Sizes(LayerContext c, string kind, string argument, string example)
        {
            var sizes = c.Arguments.Longs(argument);
            if (sizes is null || sizes.Length == 0)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, kind, $"it needs the sizes to produce, such as {example}");
                return null;
            }

            for (var i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] < 1)
                {
                    c.Report(DiagnosticDescriptors.NonPositiveSize, kind, $"{argument}[{i}]", sizes[i]);
                    return null;
                }
            }

            return sizes;
        }

        private static long Product(long[] sizes) => sizes.Aggregate(1L, (a, b) => checked(a * b));

        private static string SizeList(long[] sizes) => string.Join(", ", sizes.Select(Number));

        private static LayerSpec? InferUnflatten(LayerContext c)
        {
            var dim = c.Arguments.Long("dim") ?? 1;
            if (Sizes(c, "Unflatten", "sizes", "[Unflatten(1, 4, 8)]") is not { } sizes)
            {
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("Unflatten");
            }

            if (SampleAxis(c, "Unflatten", "dim", dim, input) is not { } axis)
            {
                return null;
            }

            if (Product(sizes) != input.Dims[axis])
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Unflatten",
                    $"sizes ({SizeList(sizes)}) hold {Number(Product(sizes))} elements, but dimension {Number(axis + 1)} of {c.PreviousName}'s output {input} has {Number(input.Dims[axis])}; their product must equal it");
                return null;
            }

            var dims = input.Dims.Take(axis).Concat(sizes).Concat(input.Dims.Skip(axis + 1)).ToArray();
            return new LayerSpec(
                new Shape(dims),
                $"Unflatten(dim {Number(axis + 1)} → {SizeList(sizes)})",
                null,
                null,
                $"{{x}}.unflatten({Number(axis + 1)}, new long[] {{ {SizeList(sizes)} }})",
                0,
                0)
            {
                Settings = Settings(("dim", axis + 1), ("sizes", SizeList(sizes))),
            };
        }

        private static LayerSpec? InferReshape(LayerContext c)
        {
            if (Sizes(c, "Reshape", "shape", "[Reshape(8, 4)]") is not { } shape)
            {
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("Reshape");
            }

            if (Product(shape) != input.Elements)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Reshape",
                    $"the shape [{SizeList(shape)}] holds {Number(Product(shape))} elements, but {c.PreviousName}'s output {input} has {Number(input.Elements)}; they must be equal");
                return null;
            }

            return new LayerSpec(
                new Shape(shape),
                $"Reshape([{SizeList(shape)}])",
                null,
                null,
                $"{{x}}.reshape(new long[] {{ -1, {SizeList(shape)} }})",
                0,
                0)
            {
                Settings = Settings(("shape", SizeList(shape))),
            };
        }

        private static LayerSpec? InferTranspose(LayerContext c)
        {
            var dim0 = c.Arguments.Long("dim0");
            var dim1 = c.Arguments.Long("dim1");
            if (dim0 is null || dim1 is null)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Transpose", "it needs the two dimensions to swap, such as [Transpose(1, 2)]");
                return null;
            }

            if (c.Input is not { } input)
            {
                return c.NeedsInput("Transpose");
            }

            if (SampleAxis(c, "Transpose", "dim0", dim0.Value, input) is not { } a || SampleAxis(c, "Transpose", "dim1", dim1.Value, input) is not { } b)
            {
                return null;
            }

            if (a == b)
            {
                c.Report(DiagnosticDescriptors.InvalidArgument, "Transpose", $"dim0 and dim1 both name dimension {Number(a + 1)}, so nothing would move; swap two different dimensions or remove the layer");
                return null;
            }

            var (first, second) = (Math.Min(a, b) + 1, Math.Max(a, b) + 1);
            var dims = input.Dims.ToArray();
            (dims[a], dims[b]) = (dims[b], dims[a]);
            return new LayerSpec(
                new Shape(dims),
                $"Transpose({Number(first)}, {Number(second)})",
                null,
                null,
                $"{{x}}.transpose({Number(first)}, {Number(second)})",
                0,
                0)
            {
                Settings = Settings(("dim0", first), ("dim1", second)),
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

        /// <summary>A double as a C# literal that round-trips: 0.01, 1.0, 1E-05.</summary>
        public static string Literal(double value)
        {
            var text = Number(value);
            return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
        }
    }
}
