using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.Onnx
{
    /// <summary>
    /// How each catalogue entry is spelled in ONNX: the <c>NetGen.Onnx.OnnxGraphBuilder</c> call that adds the
    /// layer to the graph, from the layer's target-neutral settings. One entry per <see cref="Catalog.LayerCatalog"/>
    /// kind (a test fails for a kind without one); the builder owns the operator-level details (gate orders,
    /// eval semantics, opset requirements).
    /// </summary>
    internal static class OnnxSpellings
    {
        public static readonly IReadOnlyDictionary<string, Func<OnnxLayer, string>> ByKind = new Dictionary<string, Func<OnnxLayer, string>>
        {
            ["Linear"] = l => l.Call("Linear", "bias: " + l.Bool("Bias")),
            ["Conv2d"] = Convolution,
            ["Conv1d"] = Convolution,
            ["MaxPool2d"] = MaxPool,
            ["AvgPool2d"] = AveragePool,
            ["AdaptiveAvgPool2d"] = l => l.Call("AdaptiveAveragePool", l.Long("outputHeight"), l.Long("outputWidth")),
            ["Conv3d"] = ConvolutionNd,
            ["ConvTranspose1d"] = TransposedConvolution,
            ["ConvTranspose2d"] = TransposedConvolution,
            ["MaxPool1d"] = MaxPool,
            ["AvgPool1d"] = AveragePool,
            ["AdaptiveAvgPool1d"] = l => l.Call("AdaptiveAveragePool1d", l.Long("outputSize")),
            ["Upsample"] = Upsample,
            ["BatchNorm"] = l => l.Call("BatchNormalization", l.Double("eps")),
            ["LayerNorm"] = l => l.Call("LayerNormalization", l.Double("eps")),
            ["ReLU"] = l => l.Call("Relu"),
            ["ReLU6"] = l => l.Call("Relu6"),
            ["Sigmoid"] = l => l.Call("Sigmoid"),
            ["Tanh"] = l => l.Call("Tanh"),
            ["SELU"] = l => l.Call("Selu"),
            ["GELU"] = l => l.Call("Gelu"),
            ["LeakyReLU"] = l => l.Call("LeakyRelu", l.Double("negativeSlope")),
            ["ELU"] = l => l.Call("Elu", l.Double("alpha")),
            ["PReLU"] = l => l.Call("PRelu"),
            ["Softmax"] = l => l.Call("Softmax", l.Long("axis")),
            ["LogSoftmax"] = l => l.Call("LogSoftmax", l.Long("axis")),
            ["Dropout"] = l => l.Call("Dropout"),
            ["Flatten"] = l => l.Call("Flatten"),
            ["LSTM"] = l => Recurrent(l, "Lstm"),
            ["GRU"] = l => Recurrent(l, "Gru"),
            ["RNN"] = l => Recurrent(l, "Rnn"),
            ["LastStep"] = l => l.Call("LastStep"),

            // Blocks are written inline under their field name, so their weights keep their state-dict keys (block1.fc1.weight).
            ["Block"] = l => l.Nested(),
            ["Residual"] = l => l.Layer.Shortcut is { } shortcut
                ? $"graph.Add(\"{l.Name}\", {l.Write(shortcut.Network, l.Name + "." + shortcut.ChildName + ".")}, {l.Nested()})"
                : $"graph.Add(\"{l.Name}\", {l.Input}, {l.Nested()})",

            // Text layers and parallel branches.
            ["Embedding"] = l => l.Call("Embedding"),
            ["PositionalEmbedding"] = l => l.Call("PositionalEmbedding"),
            ["MultiheadAttention"] = l => l.Call("MultiheadAttention", l.Long("heads"), "causal: " + l.Bool("Causal")),
            ["TransformerEncoderLayer"] = l => l.Call("TransformerEncoderLayer", l.Long("heads"), "normFirst: " + l.Bool("NormFirst"), l.Double("eps")),
            ["MeanPool"] = l => l.Call("MeanPool"),

            // Each branch inline under {name}.{child}. (branch1.0.conv1.weight), then one merge.
            ["Branches"] = l => $"graph.MergeBranches(\"{l.Name}\", concatenate: {(l.Layer.Text("Merge") == "Concat" ? "true" : "false")}, "
                + string.Join(", ", System.Linq.Enumerable.Select(l.Layer.Branches, b => l.Write(b.Network, l.Name + "." + b.ChildName + "."))) + ")",

            // More normalisation, regularisation and reshaping.
            ["GroupNorm"] = l => l.Call("GroupNormalization", l.Long("numGroups"), l.Double("eps"), l.Bool("Affine")),
            ["InstanceNorm1d"] = l => l.Call("InstanceNormalization", l.Double("eps"), l.Bool("Affine")),
            ["InstanceNorm2d"] = l => l.Call("InstanceNormalization", l.Double("eps"), l.Bool("Affine")),
            ["Dropout2d"] = l => l.Call("Dropout"),
            ["Identity"] = l => l.Call("Identity"),
            ["Unflatten"] = l => l.Call("Reshape", OutputShape(l)),
            ["Reshape"] = l => l.Call("Reshape", OutputShape(l)),
            ["Transpose"] = l => l.Call("Transpose", l.Long("dim0"), l.Long("dim1")),
        };

        // A bidirectional layer reads its _reverse weights too (OnnxGraphBuilder.BidirectionalLstm and the like).
        private static string Recurrent(OnnxLayer l, string method) =>
            l.Call((l.Layer.Has("Bidirectional") && l.Layer.Bool("Bidirectional") ? "Bidirectional" : string.Empty) + method, l.Long("hiddenSize"), l.Long("numLayers"));

        private static string OutputShape(OnnxLayer l) =>
            string.Join(", ", l.Layer.OutputShape.Dims.Select(d => d.ToString(CultureInfo.InvariantCulture)));

        private static string ConvolutionNd(OnnxLayer l) =>
            l.Call("Conv", l.Long("kernelSize"), l.Long("stride"), l.Long("padding"), l.Long("dilation"), l.Long("groups"), "bias: " + l.Bool("Bias"));

        private static string TransposedConvolution(OnnxLayer l) =>
            l.Call("ConvTranspose", l.Long("kernelSize"), l.Long("stride"), l.Long("padding"), l.Long("outputPadding"), l.Long("dilation"), l.Long("groups"), "bias: " + l.Bool("Bias"));

        // By the scale factor when one is declared (it sets the coordinates, as in PyTorch), else to the output's spatial sizes.
        private static string Upsample(OnnxLayer l)
        {
            var sizes = l.Layer.Double("scaleFactor") == 0
                ? l.Layer.OutputShape.Dims.Skip(1).Select(d => d.ToString(CultureInfo.InvariantCulture))
                : Enumerable.Empty<string>();
            return l.Call("Resize", new[] { "\"" + l.Layer.Text("mode") + "\"", l.Double("scaleFactor"), l.Bool("AlignCorners") }.Concat(sizes).ToArray());
        }

        // Conv1d/Conv2d: the short form unless a dilation or groups is declared.
        private static string Convolution(OnnxLayer l) =>
            l.Layer.Long("dilation") != 1 || l.Layer.Long("groups") != 1
                ? ConvolutionNd(l)
                : l.Call("Conv", l.Long("kernelSize"), l.Long("stride"), l.Long("padding"), "bias: " + l.Bool("Bias"));

        // ceil_mode and count_include_pad only when they differ from PyTorch's defaults.
        private static string MaxPool(OnnxLayer l) =>
            l.Call("MaxPool", new[] { l.Long("kernelSize"), l.Long("stride"), l.Long("padding") }.Concat(l.Layer.Bool("CeilMode") ? new[] { "ceilMode: true" } : Array.Empty<string>()).ToArray());

        private static string AveragePool(OnnxLayer l) =>
            l.Call("AveragePool", new[] { l.Long("kernelSize"), l.Long("stride"), l.Long("padding") }
                .Concat(l.Layer.Bool("CeilMode") ? new[] { "ceilMode: true" } : Array.Empty<string>())
                .Concat(l.Layer.Bool("CountIncludePad") ? Array.Empty<string>() : new[] { "countIncludePad: false" }).ToArray());
    }

    /// <summary>One layer being spelled: its model, its name with the enclosing blocks' prefix, and the variable holding its input.</summary>
    internal sealed class OnnxLayer
    {
        private readonly Func<NetworkModel, string, string, string> _writeBlock;

        public OnnxLayer(LayerModel layer, string name, string input, Func<NetworkModel, string, string, string> writeBlock)
        {
            Layer = layer;
            Name = name;
            Input = input;
            _writeBlock = writeBlock;
        }

        public LayerModel Layer { get; }

        /// <summary>The layer's name as a state-dict prefix: <c>fc1</c>, or <c>res1.conv1</c> inside a block.</summary>
        public string Name { get; }

        /// <summary>The generated variable holding the layer's input value name.</summary>
        public string Input { get; }

        /// <summary><c>graph.Method("name", x, args...)</c>.</summary>
        public string Call(string method, params string[] arguments) =>
            $"graph.{method}(\"{Name}\", {Input}{(arguments.Length == 0 ? string.Empty : ", " + string.Join(", ", arguments))})";

        /// <summary>Writes the block's layers (statements before this layer's) and returns the variable holding its output.</summary>
        public string Nested() => _writeBlock(Layer.Block ?? throw new InvalidOperationException(Layer.Kind + " without a block model"), Name + ".", Input);

        /// <summary>Writes another network's layers on this layer's input under <paramref name="prefix"/> (a shortcut, a branch) and returns the variable holding its output.</summary>
        public string Write(NetworkModel network, string prefix) => _writeBlock(network, prefix, Input);

        public string Long(string setting) => Layer.Long(setting).ToString(CultureInfo.InvariantCulture);

        public string Double(string setting) => Layer.Double(setting).ToString("R", CultureInfo.InvariantCulture);

        public string Bool(string setting) => Layer.Bool(setting) ? "true" : "false";
    }
}
