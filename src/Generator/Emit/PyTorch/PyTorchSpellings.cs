using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit.PyTorch
{
    /// <summary>
    /// How one catalogue kind is written in the PyTorch twin: the <c>torch.nn</c> module it constructs (null for
    /// layers applied as functions) and the expression that applies it to <c>x</c> in <c>forward</c>.
    /// Both read only the target-neutral part of <see cref="LayerModel"/> (settings, shapes, field name).
    /// </summary>
    internal sealed class PyTorchSpelling
    {
        public PyTorchSpelling(Func<LayerModel, Func<NetworkModel, string>, string?> construct, Func<LayerModel, string, string> forward)
        {
            Construct = construct;
            Forward = forward;
        }

        /// <summary>The constructor call assigned to <c>self.{field}</c>, or null for a functional layer; the second
        /// argument names the twin class of a block's network.</summary>
        public Func<LayerModel, Func<NetworkModel, string>, string?> Construct { get; }

        /// <summary>The expression applying the layer to the given variable.</summary>
        public Func<LayerModel, string, string> Forward { get; }
    }

    /// <summary>One PyTorch spelling per <see cref="Catalog.LayerCatalog"/> kind (Input has none: it is not a layer in forward).</summary>
    internal static class PyTorchSpellings
    {
        public static readonly IReadOnlyDictionary<string, PyTorchSpelling> ByKind = new Dictionary<string, PyTorchSpelling>
        {
            ["Linear"] = Module(l => $"nn.Linear({l.Text("inFeatures")}, {l.Text("outFeatures")}, bias={Bool(l, "Bias")})"),
            ["Conv2d"] = Module(l => Convolution(l, "Conv2d")),
            ["Conv1d"] = Module(l => Convolution(l, "Conv1d")),
            ["MaxPool2d"] = Function((l, x) => Pooling(l, x, "max_pool2d")),
            ["AvgPool2d"] = Function((l, x) => Pooling(l, x, "avg_pool2d")),
            ["AdaptiveAvgPool2d"] = Function((l, x) => $"F.adaptive_avg_pool2d({x}, ({l.Text("outputHeight")}, {l.Text("outputWidth")}))"),
            ["Conv3d"] = Module(l => ConvolutionNd(l, "Conv3d", transposed: false)),
            ["ConvTranspose1d"] = Module(l => ConvolutionNd(l, "ConvTranspose1d", transposed: true)),
            ["ConvTranspose2d"] = Module(l => ConvolutionNd(l, "ConvTranspose2d", transposed: true)),
            ["MaxPool1d"] = Function((l, x) => Pooling(l, x, "max_pool1d")),
            ["AvgPool1d"] = Function((l, x) => Pooling(l, x, "avg_pool1d")),
            ["AdaptiveAvgPool1d"] = Function((l, x) => $"F.adaptive_avg_pool1d({x}, {l.Text("outputSize")})"),
            ["Upsample"] = Function(Upsample),
            ["BatchNorm"] = Module(l => $"nn.BatchNorm{l.Text("spatialDims")}d({l.Text("numFeatures")}, eps={Float(l, "eps")}, momentum={Float(l, "momentum")})"),
            ["LayerNorm"] = Module(l => $"nn.LayerNorm({l.Text("normalizedShape")}, eps={Float(l, "eps")})"),
            ["ReLU"] = Function((_, x) => $"F.relu({x})"),
            ["ReLU6"] = Function((_, x) => $"F.relu6({x})"),
            ["Sigmoid"] = Function((_, x) => $"torch.sigmoid({x})"),
            ["Tanh"] = Function((_, x) => $"torch.tanh({x})"),
            ["SELU"] = Function((_, x) => $"F.selu({x})"),
            ["GELU"] = Function((_, x) => $"F.gelu({x})"),
            ["LeakyReLU"] = Function((l, x) => $"F.leaky_relu({x}, {Float(l, "negativeSlope")})"),
            ["ELU"] = Function((l, x) => $"F.elu({x}, {Float(l, "alpha")})"),
            ["PReLU"] = Module(l => $"nn.PReLU({l.Text("NumParameters")}, init={Float(l, "InitialSlope")})"),
            ["Softmax"] = Function((l, x) => $"F.softmax({x}, {l.Text("dim")})"),
            ["LogSoftmax"] = Function((l, x) => $"F.log_softmax({x}, {l.Text("dim")})"),
            ["Dropout"] = Function((l, x) => $"F.dropout({x}, {Float(l, "p")}, self.training)"),
            ["Flatten"] = Function((_, x) => $"{x}.flatten(1)"),
            ["LSTM"] = Recurrent("LSTM"),
            ["GRU"] = Recurrent("GRU"),
            ["RNN"] = Recurrent("RNN"),
            ["LastStep"] = Function((_, x) => $"{x}.select(1, -1)"),

            // Blocks are instances of the block's own twin class (written into the same module), so their state-dict
            // keys nest exactly as the .NET module's do: block1.fc1.weight, res2.fc2.bias.
            ["Block"] = new PyTorchSpelling((l, classOf) => classOf(l.Block!) + "()", (l, x) => $"{Self(l)}({x})"),
            ["Residual"] = new PyTorchSpelling(
                (l, classOf) => classOf(l.Block!) + "()",
                (l, x) => l.Shortcut is { } shortcut ? $"{Self(l)}({x}) + {Self(l)}.{shortcut.ChildName}({x})" : $"{x} + {Self(l)}({x})"),

            // Text layers and parallel branches. State-dict keys as NetGen.Layers' modules: the token table emb1.weight, the
            // positional table pos1.weight, nn.MultiheadAttention's in_proj_weight/in_proj_bias/out_proj.*, and
            // nn.TransformerEncoderLayer's self_attn.*, linear1/2.*, norm1/2.*.
            ["Embedding"] = Module(l => $"nn.Embedding({l.Text("numEmbeddings")}, {l.Text("dim")}{(l.Long("PaddingIdx") >= 0 ? ", padding_idx=" + l.Text("PaddingIdx") : string.Empty)})"),
            ["PositionalEmbedding"] = new PyTorchSpelling((l, _) => $"nn.Embedding({l.Text("steps")}, {l.Text("features")})", (l, x) => $"{x} + {Self(l)}.weight"),
            ["MultiheadAttention"] = new PyTorchSpelling(
                (l, _) => $"nn.MultiheadAttention({l.Text("features")}, {l.Text("heads")}, dropout={Float(l, "Dropout")}, batch_first=True)",
                (l, x) => $"{Self(l)}({x}, {x}, {x}, need_weights=False{(l.Bool("Causal") ? $", attn_mask=torch.ones({x}.shape[1], {x}.shape[1], dtype=torch.bool, device={x}.device).triu(1)" : string.Empty)})[0]"),
            ["TransformerEncoderLayer"] = Module(l =>
                $"nn.TransformerEncoderLayer({l.Text("features")}, {l.Text("heads")}, dim_feedforward={l.Text("feedForward")}, dropout={Float(l, "Dropout")}, "
                + $"layer_norm_eps={Float(l, "eps")}, batch_first=True, norm_first={Bool(l, "NormFirst")})"),
            ["MeanPool"] = Function((_, x) => $"{x}.mean(1)"),

            // The branches are an nn.ModuleList of the branches' twin classes, so their keys are branch1.0.conv1.weight.
            ["Branches"] = new PyTorchSpelling(
                (l, classOf) => "nn.ModuleList([" + string.Join(", ", System.Linq.Enumerable.Select(l.Branches, b => classOf(b.Network) + "()")) + "])",
                (l, x) => l.Text("Merge") == "Concat"
                    ? $"torch.cat([branch({x}) for branch in {Self(l)}], 1)"
                    : string.Join(" + ", System.Linq.Enumerable.Select(l.Branches, b => $"{Self(l)}[{b.ChildName}]({x})"))),

            // More normalisation, regularisation and reshaping.
            ["GroupNorm"] = Module(l => $"nn.GroupNorm({l.Text("numGroups")}, {l.Text("numChannels")}, eps={Float(l, "eps")}, affine={Bool(l, "Affine")})"),
            ["InstanceNorm1d"] = Module(l => $"nn.InstanceNorm1d({l.Text("numFeatures")}, eps={Float(l, "eps")}, affine={Bool(l, "Affine")})"),
            ["InstanceNorm2d"] = Module(l => $"nn.InstanceNorm2d({l.Text("numFeatures")}, eps={Float(l, "eps")}, affine={Bool(l, "Affine")})"),
            ["Dropout2d"] = Function((l, x) => $"F.dropout2d({x}, {Float(l, "p")}, self.training)"),
            ["Identity"] = Function((_, x) => x),
            ["Unflatten"] = Function((l, x) => $"{x}.unflatten({l.Text("dim")}, ({l.Text("sizes")}{(l.Text("sizes").Contains(",") ? string.Empty : ",")}))"),
            ["Reshape"] = Function((l, x) => $"{x}.reshape({x}.shape[0], {l.Text("shape")})"),
            ["Transpose"] = Function((l, x) => $"{x}.transpose({l.Text("dim0")}, {l.Text("dim1")})"),
        };

        /// <summary>
        /// Names that cannot be written <c>self.name</c>: Python keywords, attributes every <c>nn.Module</c> has (a child
        /// called <c>eval</c> would be shadowed by the method) and private names (<c>_modules</c>). Such children are
        /// registered with <c>add_module</c> and read from <c>self._modules</c>, under the same state-dict name.
        /// </summary>
        private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
        {
            "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
            "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
            "return", "try", "while", "with", "yield", "case", "match",
            "T_destination", "add_module", "apply", "bfloat16", "buffers", "children", "cpu", "cuda", "double", "dump_patches", "eval",
            "extra_repr", "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule", "half", "ipu",
            "load_state_dict", "modules", "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
            "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
            "register_full_backward_hook", "register_load_state_dict_post_hook", "register_module", "register_parameter",
            "requires_grad_", "set_extra_state", "share_memory", "state_dict", "to", "to_empty", "train", "training", "type", "xpu",
            "zero_grad",
        };

        /// <summary>Whether a child named <paramref name="field"/> must go through <c>add_module</c> and <c>self._modules</c>.</summary>
        public static bool NeedsModulesTable(string field) => Reserved.Contains(field) || field.StartsWith("_", StringComparison.Ordinal);

        /// <summary>The expression for the layer's child module: <c>self.fc1</c>, or <c>self._modules["eval"]</c>.</summary>
        public static string Self(LayerModel layer) =>
            NeedsModulesTable(layer.FieldName!) ? $"self._modules[\"{layer.FieldName}\"]" : "self." + layer.FieldName;

        /// <summary>A Python float literal that round-trips: 0.01, 1.0, 1e-05.</summary>
        public static string Float(double value)
        {
            if (double.IsPositiveInfinity(value))
            {
                return "float(\"inf\")";
            }

            var text = value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
            return text.IndexOfAny(new[] { '.', 'e' }) >= 0 ? text : text + ".0";
        }

        private static string Float(LayerModel layer, string setting) => Float(layer.Double(setting));

        private static string Bool(LayerModel layer, string setting) => layer.Bool(setting) ? "True" : "False";

        private static PyTorchSpelling Module(Func<LayerModel, string> construct) =>
            new((l, _) => construct(l), (l, x) => $"{Self(l)}({x})");

        private static PyTorchSpelling Function(Func<LayerModel, string, string> forward) => new((_, _) => null, forward);

        // dilation and groups only when declared, so a plain convolution reads as PyTorch code usually does.
        private static string Convolution(LayerModel l, string kind) =>
            $"nn.{kind}({l.Text("inChannels")}, {l.Text("outChannels")}, {l.Text("kernelSize")}, stride={l.Text("stride")}, padding={l.Text("padding")}"
            + (l.Long("dilation") != 1 ? $", dilation={l.Text("dilation")}" : string.Empty)
            + (l.Long("groups") != 1 ? $", groups={l.Text("groups")}" : string.Empty)
            + $", bias={Bool(l, "Bias")})";

        // ceil_mode and count_include_pad only when they differ from PyTorch's defaults.
        private static string Pooling(LayerModel l, string x, string function) =>
            $"F.{function}({x}, {l.Text("kernelSize")}, stride={l.Text("stride")}, padding={l.Text("padding")}"
            + (l.Bool("CeilMode") ? ", ceil_mode=True" : string.Empty)
            + (l.Has("CountIncludePad") && !l.Bool("CountIncludePad") ? ", count_include_pad=False" : string.Empty)
            + ")";

        private static string ConvolutionNd(LayerModel l, string kind, bool transposed) =>
            $"nn.{kind}({l.Text("inChannels")}, {l.Text("outChannels")}, {l.Text("kernelSize")}, stride={l.Text("stride")}, padding={l.Text("padding")}"
            + (transposed ? $", output_padding={l.Text("outputPadding")}" : string.Empty)
            + $", dilation={l.Text("dilation")}, groups={l.Text("groups")}, bias={Bool(l, "Bias")})";

        // F.interpolate is what nn.Upsample calls: by the scale factor when one is declared (it sets the coordinates), else to the size.
        private static string Upsample(LayerModel l, string x)
        {
            var scale = l.Double("scaleFactor");
            var target = scale == 0
                ? $"size=({string.Join(", ", l.OutputShape.Dims.Skip(1).Select(d => d.ToString(CultureInfo.InvariantCulture)))},)"
                : $"scale_factor={Float(scale)}";
            var mode = l.Text("mode");
            return $"F.interpolate({x}, {target}, mode=\"{mode}\"" + (mode == "nearest" ? ")" : $", align_corners={Bool(l, "AlignCorners")})");
        }

        // The sequence output only, as NetGen's .NET forward keeps it (GeneratedLayers.SequenceOutput); sequences are batch-first.
        private static PyTorchSpelling Recurrent(string kind) =>
            new(
                (l, _) => $"nn.{kind}({l.Text("inputSize")}, {l.Text("hiddenSize")}, num_layers={l.Text("numLayers")}, batch_first=True"
                    + (l.Has("Bidirectional") && l.Bool("Bidirectional") ? ", bidirectional=True)" : ")"),
                (l, x) => $"{Self(l)}({x})[0]");
    }
}
