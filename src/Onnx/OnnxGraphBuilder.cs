using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using NetGen.Onnx.Proto;

namespace NetGen.Onnx;

/// <summary>
/// Builds the ONNX inference graph of a network, one method per layer kind. Generated code calls it in
/// declaration order (<see cref="IOnnxExportable.BuildOnnxGraph"/>); each method takes the name of the value
/// coming in and returns the name of the value going out. Weights are read by their state-dict keys
/// (<c>fc1.weight</c>) and become initializers under the same names; the batch dimension stays symbolic
/// (<c>batch</c>). Every layer has eval semantics: BatchNorm uses its running statistics, Dropout is the identity.
/// </summary>
/// <remarks>
/// Node names follow PyTorch's exporter (<c>/fc1/Gemm</c>). Constants NetGen adds (axes, permutations,
/// shapes) are named <c>/layer/what</c>, which no state-dict key can be. The builder tracks every value's
/// shape (batch as -1), so a layer that does not fit the value it is given fails while building, and
/// <see cref="ToModel"/> checks that every node reads only values defined before it.
/// </remarks>
public sealed class OnnxGraphBuilder
{
    /// <summary>The oldest opset NetGen writes: Softmax over one axis, Squeeze/Unsqueeze with axes as inputs (opset 13).</summary>
    public const int MinimumOpset = 13;

    /// <summary>The newest opset NetGen writes and ONNX Runtime 1.32 runs.</summary>
    public const int MaximumOpset = 21;

    /// <summary>The name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>The name of the graph's output.</summary>
    public const string OutputName = "output";

    /// <summary>The symbolic batch dimension of the input and output.</summary>
    public const string BatchDimension = "batch";

    private readonly GraphProto graph = new();
    private readonly Func<string, OnnxWeight> weights;
    private readonly Dictionary<string, long[]> shapes = new(StringComparer.Ordinal);
    private readonly HashSet<string> nodeNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> tokenValues = new(StringComparer.Ordinal);
    private readonly string networkName;
    private bool hasOutput;

    /// <summary>Starts an empty graph.</summary>
    /// <param name="networkName">The network's class name; it becomes the graph's name and appears in errors.</param>
    /// <param name="opset">The ONNX opset to write, from <see cref="MinimumOpset"/> to <see cref="MaximumOpset"/>.</param>
    /// <param name="weights">Returns the parameter or buffer with the given state-dict key.</param>
    /// <exception cref="NotSupportedException">The opset is outside the range NetGen writes.</exception>
    public OnnxGraphBuilder(string networkName, int opset, Func<string, OnnxWeight> weights)
    {
        ArgumentNullException.ThrowIfNull(networkName);
        ArgumentNullException.ThrowIfNull(weights);
        if (opset < MinimumOpset || opset > MaximumOpset)
        {
            throw new NotSupportedException(
                $"Cannot export {networkName} to ONNX opset {opset}: NetGen writes opsets {MinimumOpset} to {MaximumOpset} " +
                $"(opset {MinimumOpset} is the first with single-axis Softmax and axes as Squeeze/Unsqueeze inputs). Use OnnxExportOptions.Opset = 17.");
        }

        this.networkName = networkName;
        this.weights = weights;
        Opset = opset;
        graph.Name = networkName;
    }

    /// <summary>The opset being written.</summary>
    public int Opset { get; }

    /// <summary>Declares the graph input <c>input</c> of shape [batch, ...<paramref name="sampleShape"/>].</summary>
    /// <param name="sampleShape">The shape of one sample, as declared.</param>
    /// <returns>The input's value name.</returns>
    public string Input(params long[] sampleShape)
    {
        var shape = Batched(sampleShape);
        graph.Input.Add(ValueInfo(InputName, shape));
        shapes[InputName] = shape;
        return InputName;
    }

    /// <summary>
    /// Declares the graph input <c>input</c> as int64 token ids of shape [batch, ...<paramref name="sampleShape"/>], for
    /// networks that start with an <c>Embedding</c> (PyTorch's and ONNX Runtime's type for indices).
    /// </summary>
    /// <param name="sampleShape">The shape of one sample, as declared (<c>[steps]</c>).</param>
    /// <returns>The input's value name.</returns>
    public string TokenInput(params long[] sampleShape)
    {
        var shape = Batched(sampleShape);
        graph.Input.Add(ValueInfo(InputName, shape, TensorProto.Types.DataType.Int64));
        shapes[InputName] = shape;
        tokenValues.Add(InputName);
        return InputName;
    }

    /// <summary>Makes <paramref name="value"/> the graph output <c>output</c>, checking it has the declared per-sample shape.</summary>
    /// <param name="value">The last layer's value.</param>
    /// <param name="sampleShape">The declared output shape of one sample.</param>
    public void Output(string value, params long[] sampleShape)
    {
        var expected = Batched(sampleShape);
        if (!ShapeOf(value).SequenceEqual(expected))
        {
            throw new InvalidOperationException(
                $"{networkName}'s ONNX graph ends in shape {Text(ShapeOf(value))} but the network declares {Text(expected)}.");
        }

        AddNode("output", "Identity", new[] { value }, new[] { OutputName });
        shapes[OutputName] = expected;
        graph.Output.Add(ValueInfo(OutputName, expected));
        hasOutput = true;
    }

    // ---- Affine, convolution, pooling --------------------------------------------------------------------

    /// <summary>
    /// <c>Linear</c>: <c>Gemm</c> with the weight transposed for [batch, features] inputs, <c>MatMul</c> plus
    /// <c>Add</c> for longer ones (the weight is applied to the last axis, as in PyTorch).
    /// </summary>
    public string Linear(string name, string x, bool bias)
    {
        var input = ShapeOf(x);
        var weight = Weight(name + ".weight");
        var w = WeightShape(weight);
        RequireLast(name, "Linear", input, w[1]);
        var output = input.Take(input.Length - 1).Append(w[0]).ToArray();
        if (input.Length == 2)
        {
            var inputs = bias ? new[] { x, weight, Weight(name + ".bias") } : new[] { x, weight };
            return Node(name, "Gemm", inputs, output, Int("transB", 1));
        }

        var transposed = Node(name, "Transpose", new[] { weight }, new[] { w[1], w[0] }, Ints("perm", 1, 0));
        var product = Node(name, "MatMul", new[] { x, transposed }, output);
        return bias ? Node(name, "Add", new[] { product, Weight(name + ".bias") }, output) : product;
    }

    /// <summary><c>Conv1d</c>/<c>Conv2d</c>: <c>Conv</c> over every spatial axis with a square kernel, stride and padding.</summary>
    public string Conv(string name, string x, long kernelSize, long stride, long padding, bool bias)
    {
        var input = ShapeOf(x);
        var weight = Weight(name + ".weight");
        var w = WeightShape(weight);
        var spatial = input.Length - 2;
        RequireAxis(name, "Conv", input, 1, w[1]);
        var output = new long[input.Length];
        output[0] = -1;
        output[1] = w[0];
        for (var d = 2; d < input.Length; d++)
        {
            output[d] = ((input[d] + (2 * padding) - kernelSize) / stride) + 1;
        }

        var inputs = bias ? new[] { x, weight, Weight(name + ".bias") } : new[] { x, weight };
        return Node(
            name,
            "Conv",
            inputs,
            output,
            Ints("kernel_shape", Repeat(kernelSize, spatial)),
            Ints("strides", Repeat(stride, spatial)),
            Ints("pads", Repeat(padding, 2 * spatial)));
    }

    /// <summary>
    /// <c>MaxPool1d</c>/<c>MaxPool2d</c>: <c>MaxPool</c> (padding never wins the maximum, as in PyTorch). In ceil mode,
    /// explicit end padding instead of ONNX's <c>ceil_mode</c>, which lacks PyTorch's rule that the last window starts
    /// inside the input or the left padding (ONNX shape inference then disagrees on the output size).
    /// </summary>
    public string MaxPool(string name, string x, long kernelSize, long stride, long padding, bool ceilMode = false) =>
        Pool(name, "MaxPool", x, kernelSize, stride, padding, ceilMode);

    /// <summary>
    /// <c>AvgPool1d</c>/<c>AvgPool2d</c>: <c>AveragePool</c> with <c>count_include_pad</c> = 1 (PyTorch's default) or 0.
    /// In ceil mode a window may run past the input and the padding, and PyTorch divides by the part inside them: the
    /// padding counted becomes an explicit zero <c>Pad</c>, and the run-past end padding is not counted.
    /// </summary>
    public string AveragePool(string name, string x, long kernelSize, long stride, long padding, bool ceilMode = false, bool countIncludePad = true)
    {
        if (ceilMode && countIncludePad)
        {
            var input = ShapeOf(x);
            var output = PyTorchOutput(input, kernelSize, stride, padding, ceilMode);
            var zeroPadded = x;
            if (padding > 0)
            {
                var pads = new long[2 * input.Length];
                var padded = (long[])input.Clone();
                for (var d = 2; d < input.Length; d++)
                {
                    pads[d] = padding;
                    pads[input.Length + d] = padding;
                    padded[d] = input[d] + (2 * padding);
                }

                zeroPadded = Node(name, "Pad", new[] { x, Longs(name, "pads", pads) }, padded);
            }

            return Pool(name, "AveragePool", zeroPadded, kernelSize, stride, 0, ceilMode, Int("count_include_pad", 0), input.Length - 2, output);
        }

        return Pool(name, "AveragePool", x, kernelSize, stride, padding, ceilMode, Int("count_include_pad", countIncludePad ? 1 : 0));
    }

    /// <summary>
    /// <c>AdaptiveAvgPool2d</c>: <c>GlobalAveragePool</c> for a 1×1 output, <c>AveragePool</c> when the output
    /// divides the input, otherwise PyTorch's uneven bins (start ⌊i·in/out⌋, end ⌈(i+1)·in/out⌉) as slices
    /// averaged along height and then width.
    /// </summary>
    public string AdaptiveAveragePool(string name, string x, long outputHeight, long outputWidth)
    {
        var input = ShapeOf(x);
        RequireRank(name, "AdaptiveAvgPool2d", input, 4);
        var output = new[] { -1, input[1], outputHeight, outputWidth };
        if (outputHeight == 1 && outputWidth == 1)
        {
            return Node(name, "GlobalAveragePool", new[] { x }, output);
        }

        if (input[2] % outputHeight == 0 && input[3] % outputWidth == 0)
        {
            var kernel = new[] { input[2] / outputHeight, input[3] / outputWidth };
            return Node(name, "AveragePool", new[] { x }, output, Ints("kernel_shape", kernel), Ints("strides", kernel));
        }

        var rows = AdaptiveBins(name, x, axis: 2, outputHeight);
        return AdaptiveBins(name, rows, axis: 3, outputWidth);
    }

    /// <summary>
    /// <c>Conv3d</c> (and any convolution with dilation or groups): <c>Conv</c> over every spatial axis with a cubic kernel,
    /// stride, padding, dilation and groups.
    /// </summary>
    public string Conv(string name, string x, long kernelSize, long stride, long padding, long dilation, long groups, bool bias)
    {
        var input = ShapeOf(x);
        var weight = Weight(name + ".weight");
        var w = WeightShape(weight);
        var spatial = input.Length - 2;
        RequireAxis(name, "Conv", input, 1, w[1] * groups);
        var output = new long[input.Length];
        output[0] = -1;
        output[1] = w[0];
        for (var d = 2; d < input.Length; d++)
        {
            output[d] = ((input[d] + (2 * padding) - (dilation * (kernelSize - 1)) - 1) / stride) + 1;
        }

        var inputs = bias ? new[] { x, weight, Weight(name + ".bias") } : new[] { x, weight };
        return Node(
            name,
            "Conv",
            inputs,
            output,
            Ints("kernel_shape", Repeat(kernelSize, spatial)),
            Ints("strides", Repeat(stride, spatial)),
            Ints("pads", Repeat(padding, 2 * spatial)),
            Ints("dilations", Repeat(dilation, spatial)),
            Int("group", groups));
    }

    /// <summary>
    /// <c>ConvTranspose1d</c>/<c>ConvTranspose2d</c>: <c>ConvTranspose</c>, whose weight layout [in, out / groups, kernel...] is
    /// PyTorch's; output per side (size - 1)·stride - 2·padding + dilation·(kernel - 1) + outputPadding + 1.
    /// </summary>
    public string ConvTranspose(string name, string x, long kernelSize, long stride, long padding, long outputPadding, long dilation, long groups, bool bias)
    {
        var input = ShapeOf(x);
        var weight = Weight(name + ".weight");
        var w = WeightShape(weight);
        var spatial = input.Length - 2;
        RequireAxis(name, "ConvTranspose", input, 1, w[0]);
        var output = new long[input.Length];
        output[0] = -1;
        output[1] = w[1] * groups;
        for (var d = 2; d < input.Length; d++)
        {
            output[d] = ((input[d] - 1) * stride) - (2 * padding) + (dilation * (kernelSize - 1)) + outputPadding + 1;
        }

        var inputs = bias ? new[] { x, weight, Weight(name + ".bias") } : new[] { x, weight };
        return Node(
            name,
            "ConvTranspose",
            inputs,
            output,
            Ints("kernel_shape", Repeat(kernelSize, spatial)),
            Ints("strides", Repeat(stride, spatial)),
            Ints("pads", Repeat(padding, 2 * spatial)),
            Ints("output_padding", Repeat(outputPadding, spatial)),
            Ints("dilations", Repeat(dilation, spatial)),
            Int("group", groups));
    }

    /// <summary>
    /// <c>AdaptiveAvgPool1d</c>: <c>GlobalAveragePool</c> for an output of 1, <c>AveragePool</c> when the output divides the
    /// input, otherwise PyTorch's uneven bins as slices averaged along the length.
    /// </summary>
    public string AdaptiveAveragePool1d(string name, string x, long outputSize)
    {
        var input = ShapeOf(x);
        RequireRank(name, "AdaptiveAvgPool1d", input, 3);
        var output = new[] { -1, input[1], outputSize };
        if (outputSize == 1)
        {
            return Node(name, "GlobalAveragePool", new[] { x }, output);
        }

        if (input[2] % outputSize == 0)
        {
            var kernel = input[2] / outputSize;
            return Node(name, "AveragePool", new[] { x }, output, Ints("kernel_shape", kernel), Ints("strides", kernel));
        }

        return AdaptiveBins(name, x, axis: 2, outputSize);
    }

    /// <summary>
    /// <c>Upsample</c>: <c>Resize</c> by <paramref name="scaleFactor"/> on every spatial axis (the factor itself sets the
    /// coordinates, as PyTorch without recompute_scale_factor), or to <paramref name="outputSize"/> when the factor is 0.
    /// Nearest is a Gather of PyTorch's own source indices per spatial axis; linear modes are half-pixel (pytorch_half_pixel) or
    /// align_corners.
    /// </summary>
    public string Resize(string name, string x, string mode, double scaleFactor, bool alignCorners, params long[] outputSize)
    {
        var input = ShapeOf(x);
        var spatial = input.Length - 2;
        if (spatial < 1 || (scaleFactor == 0 && outputSize.Length != spatial))
        {
            throw new InvalidOperationException($"{networkName}: {name} (Upsample) cannot resize {Text(input)} to [{string.Join(", ", outputSize)}].");
        }

        var output = (long[])input.Clone();
        for (var d = 2; d < input.Length; d++)
        {
            output[d] = scaleFactor == 0 ? outputSize[d - 2] : (long)Math.Floor(input[d] * scaleFactor);
        }

        if (mode == "nearest")
        {
            // PyTorch's nearest index, exactly: min(⌊dst · scale⌋, in - 1) in float arithmetic, scale = 1/factor or in/out
            // (Resize's own floor of dst / (out/in) can round the other way); one Gather per spatial axis.
            var value = x;
            for (var d = 2; d < input.Length; d++)
            {
                var shape = ShapeOf(value).ToArray();
                shape[d] = output[d];
                var indices = NearestIndices(input[d], output[d], scaleFactor);
                value = Node(name, "Gather", new[] { value, Longs(name, "nearest" + d.ToString(System.Globalization.CultureInfo.InvariantCulture), indices) }, shape, Int("axis", d));
            }

            return value;
        }

        var attributes = new[]
        {
            Str("mode", "linear"),
            Str("coordinate_transformation_mode", alignCorners ? "align_corners" : "pytorch_half_pixel"),
        };
        if (scaleFactor == 0)
        {
            // Sizes name the batch too, which is symbolic: it comes from the input's shape.
            var shape = Node(name, "Shape", new[] { x }, new[] { (long)input.Length });
            var batch = Node(name, "Slice", new[] { shape, Longs(name, "zero", 0), Longs(name, "one", 1) }, new[] { 1L });
            var rest = Longs(name, "channels_and_sizes", new[] { input[1] }.Concat(outputSize).ToArray());
            var sizes = Node(name, "Concat", new[] { batch, rest }, new[] { (long)input.Length }, Int("axis", 0));
            return Node(name, "Resize", new[] { x, string.Empty, string.Empty, sizes }, output, attributes);
        }

        var scales = new float[input.Length];
        Array.Fill(scales, (float)scaleFactor);
        scales[0] = 1f;
        scales[1] = 1f;
        return Node(name, "Resize", new[] { x, string.Empty, FloatConstant(name, "scales", scales) }, output, attributes);
    }

    // ---- Normalisation -----------------------------------------------------------------------------------

    /// <summary><c>BatchNorm</c> 1d/2d/3d in eval mode: <c>BatchNormalization</c> with the running mean and variance.</summary>
    public string BatchNormalization(string name, string x, double epsilon)
    {
        var input = ShapeOf(x);
        var scale = Weight(name + ".weight");
        RequireAxis(name, "BatchNorm", input, 1, WeightShape(scale)[0]);
        var inputs = new[] { x, scale, Weight(name + ".bias"), Weight(name + ".running_mean"), Weight(name + ".running_var") };
        return Node(name, "BatchNormalization", inputs, input, Float("epsilon", epsilon));
    }

    /// <summary><c>LayerNorm</c>: <c>LayerNormalization</c> over the last axis (opset 17 and later).</summary>
    public string LayerNormalization(string name, string x, double epsilon)
    {
        RequireOpset(name, "LayerNorm", "LayerNormalization", 17);
        var input = ShapeOf(x);
        var scale = Weight(name + ".weight");
        RequireLast(name, "LayerNorm", input, WeightShape(scale)[0]);
        return Node(name, "LayerNormalization", new[] { x, scale, Weight(name + ".bias") }, input, Int("axis", -1), Float("epsilon", epsilon));
    }

    // ---- Activations ---------------------------------------------------------------------------------------

    /// <summary><c>ReLU</c>.</summary>
    public string Relu(string name, string x) => Node(name, "Relu", new[] { x }, ShapeOf(x));

    /// <summary><c>ReLU6</c>: <c>Clip</c> to [0, 6].</summary>
    public string Relu6(string name, string x) =>
        Node(name, "Clip", new[] { x, FloatScalar(name, "min", 0f), FloatScalar(name, "max", 6f) }, ShapeOf(x));

    /// <summary><c>Sigmoid</c>.</summary>
    public string Sigmoid(string name, string x) => Node(name, "Sigmoid", new[] { x }, ShapeOf(x));

    /// <summary><c>Tanh</c>.</summary>
    public string Tanh(string name, string x) => Node(name, "Tanh", new[] { x }, ShapeOf(x));

    /// <summary><c>SELU</c>: ONNX's default α and γ are PyTorch's constants.</summary>
    public string Selu(string name, string x) => Node(name, "Selu", new[] { x }, ShapeOf(x));

    /// <summary>
    /// <c>GELU</c> (exact, erf form): 0.5·x·(1 + erf(x/√2)). The <c>Gelu</c> operator exists only from opset 20,
    /// so it is spelled with <c>Erf</c> for every opset.
    /// </summary>
    public string Gelu(string name, string x)
    {
        var shape = ShapeOf(x);
        var scaled = Node(name, "Div", new[] { x, FloatScalar(name, "sqrt2", MathF.Sqrt(2f)) }, shape);
        var erf = Node(name, "Erf", new[] { scaled }, shape);
        var onePlus = Node(name, "Add", new[] { erf, FloatScalar(name, "one", 1f) }, shape);
        var times = Node(name, "Mul", new[] { x, onePlus }, shape);
        return Node(name, "Mul", new[] { times, FloatScalar(name, "half", 0.5f) }, shape);
    }

    /// <summary><c>LeakyReLU</c> with its negative slope.</summary>
    public string LeakyRelu(string name, string x, double negativeSlope) =>
        Node(name, "LeakyRelu", new[] { x }, ShapeOf(x), Float("alpha", negativeSlope));

    /// <summary><c>ELU</c> with its α.</summary>
    public string Elu(string name, string x, double alpha) => Node(name, "Elu", new[] { x }, ShapeOf(x), Float("alpha", alpha));

    /// <summary>
    /// <c>PReLU</c> with its learned slopes (<c>prelu1.weight</c>). One slope per channel applies to axis 1, as in
    /// PyTorch; ONNX broadcasts from the last axis, so the slopes are reshaped to [channels, 1, ...] first.
    /// </summary>
    public string PRelu(string name, string x)
    {
        var input = ShapeOf(x);
        var slope = Weight(name + ".weight");
        var count = WeightShape(slope)[0];
        if (count != 1)
        {
            RequireAxis(name, "PReLU", input, 1, count);
        }

        if (count != 1 && input.Length > 2)
        {
            var target = new long[input.Length - 1];
            Array.Fill(target, 1L);
            target[0] = count;
            slope = Node(name, "Reshape", new[] { slope, Longs(name, "slope_shape", target) }, target);
        }

        return Node(name, "PRelu", new[] { x, slope }, input);
    }

    /// <summary><c>Softmax</c> over <paramref name="axis"/> of the batched tensor (the batch is axis 0).</summary>
    public string Softmax(string name, string x, long axis) => Node(name, "Softmax", new[] { x }, ShapeOf(x), Int("axis", axis));

    /// <summary><c>LogSoftmax</c> over <paramref name="axis"/> of the batched tensor (the batch is axis 0).</summary>
    public string LogSoftmax(string name, string x, long axis) => Node(name, "LogSoftmax", new[] { x }, ShapeOf(x), Int("axis", axis));

    // ---- Regularisation and reshaping ----------------------------------------------------------------------

    /// <summary><c>Dropout</c> at inference: the identity.</summary>
    public string Dropout(string name, string x) => Node(name, "Identity", new[] { x }, ShapeOf(x));

    /// <summary><c>Flatten</c>: every axis after the batch into one.</summary>
    public string Flatten(string name, string x)
    {
        var input = ShapeOf(x);
        var elements = input.Skip(1).Aggregate(1L, (a, b) => a * b);
        return Node(name, "Flatten", new[] { x }, new[] { -1, elements }, Int("axis", 1));
    }

    /// <summary><c>LastStep</c>: the last step of a batch-first sequence, <c>Gather</c> of index -1 on axis 1.</summary>
    public string LastStep(string name, string x)
    {
        var input = ShapeOf(x);
        RequireRank(name, "LastStep", input, 3);
        var index = Constant(name, "last", Array.Empty<long>(), new[] { -1L });
        return Node(name, "Gather", new[] { x, index }, new[] { -1, input[2] }, Int("axis", 1));
    }

    // ---- Recurrent -----------------------------------------------------------------------------------------

    /// <summary>
    /// <c>LSTM</c> over a batch-first sequence: ONNX's <c>LSTM</c> per layer, whose gates are ordered i, o, f, c
    /// where PyTorch's are i, f, g, o (the state-dict weights are reordered in the graph by a <c>Gather</c>).
    /// </summary>
    public string Lstm(string name, string x, long hiddenSize, long numLayers) =>
        Recurrent(name, "LSTM", x, hiddenSize, numLayers, gateOrder: new[] { 0, 3, 1, 2 }, bidirectional: false);

    /// <summary>
    /// <c>GRU</c> over a batch-first sequence: ONNX's <c>GRU</c> per layer with <c>linear_before_reset = 1</c>
    /// (PyTorch applies the reset gate after the hidden projection) and gates z, r, h where PyTorch's are r, z, n.
    /// </summary>
    public string Gru(string name, string x, long hiddenSize, long numLayers) =>
        Recurrent(name, "GRU", x, hiddenSize, numLayers, gateOrder: new[] { 1, 0, 2 }, bidirectional: false, Int("linear_before_reset", 1));

    /// <summary><c>RNN</c> (tanh) over a batch-first sequence: ONNX's <c>RNN</c> per layer.</summary>
    public string Rnn(string name, string x, long hiddenSize, long numLayers) =>
        Recurrent(name, "RNN", x, hiddenSize, numLayers, gateOrder: new[] { 0 }, bidirectional: false);

    /// <summary>
    /// A bidirectional <c>LSTM</c>: ONNX's <c>LSTM</c> per layer with <c>direction = "bidirectional"</c>, reading the
    /// <c>_reverse</c> weights for the backward direction; each step's output is the forward and backward hidden states
    /// side by side, as in PyTorch.
    /// </summary>
    public string BidirectionalLstm(string name, string x, long hiddenSize, long numLayers) =>
        Recurrent(name, "LSTM", x, hiddenSize, numLayers, gateOrder: new[] { 0, 3, 1, 2 }, bidirectional: true);

    /// <summary>A bidirectional <c>GRU</c> (see <see cref="Gru"/> and <see cref="BidirectionalLstm"/>).</summary>
    public string BidirectionalGru(string name, string x, long hiddenSize, long numLayers) =>
        Recurrent(name, "GRU", x, hiddenSize, numLayers, gateOrder: new[] { 1, 0, 2 }, bidirectional: true, Int("linear_before_reset", 1));

    /// <summary>A bidirectional <c>RNN</c> (see <see cref="BidirectionalLstm"/>).</summary>
    public string BidirectionalRnn(string name, string x, long hiddenSize, long numLayers) =>
        Recurrent(name, "RNN", x, hiddenSize, numLayers, gateOrder: new[] { 0 }, bidirectional: true);

    // ---- More normalisation and reshaping -----------------------------------------------------------------

    /// <summary>
    /// <c>GroupNorm</c>: at opset 21 ONNX's <c>GroupNormalization</c> (whose scale and bias are per channel from that
    /// opset on); below it, as PyTorch's exporter spells it: <c>Reshape</c> to [batch, groups, rest],
    /// <c>InstanceNormalization</c> with unit scale, <c>Reshape</c> back, then the per-channel affine <c>Mul</c> and <c>Add</c>.
    /// </summary>
    public string GroupNormalization(string name, string x, long numGroups, double epsilon, bool affine)
    {
        var input = ShapeOf(x);
        if (input.Length < 3 || input[1] % numGroups != 0)
        {
            throw new InvalidOperationException($"{networkName}: {name} (GroupNorm) needs [batch, channels, ...] with channels divisible by {numGroups}, not {Text(input)}.");
        }

        var channels = input[1];
        var (scale, bias) = affine
            ? (Weight(name + ".weight"), Weight(name + ".bias"))
            : (FloatConstant(name, "ones", Enumerable.Repeat(1f, (int)channels).ToArray()), FloatConstant(name, "zeros", new float[channels]));
        if (Opset >= 21)
        {
            return Node(name, "GroupNormalization", new[] { x, scale, bias }, input, Float("epsilon", epsilon), Int("num_groups", numGroups));
        }

        var rest = input.Skip(1).Aggregate(1L, (a, b) => a * b) / numGroups;
        var grouped = Node(name, "Reshape", new[] { x, Longs(name, "group_shape", 0, numGroups, -1) }, new[] { -1, numGroups, rest });
        var normalised = Node(
            name,
            "InstanceNormalization",
            new[] { grouped, FloatConstant(name, "group_scale", Enumerable.Repeat(1f, (int)numGroups).ToArray()), FloatConstant(name, "group_bias", new float[numGroups]) },
            new[] { -1, numGroups, rest },
            Float("epsilon", epsilon));
        var shape = Node(name, "Shape", new[] { x }, new[] { (long)input.Length });
        var back = Node(name, "Reshape", new[] { normalised, shape }, input);
        if (!affine)
        {
            return back;
        }

        var perChannel = new long[input.Length - 1];
        Array.Fill(perChannel, 1L);
        perChannel[0] = channels;
        var channelShape = Longs(name, "channel_shape", perChannel);
        var scaled = Node(name, "Mul", new[] { back, Node(name, "Reshape", new[] { scale, channelShape }, perChannel) }, input);
        return Node(name, "Add", new[] { scaled, Node(name, "Reshape", new[] { bias, channelShape }, perChannel) }, input);
    }

    /// <summary>
    /// <c>InstanceNorm1d</c>/<c>InstanceNorm2d</c> without running statistics: <c>InstanceNormalization</c>, with the learned
    /// scale and shift when affine, else 1 and 0.
    /// </summary>
    public string InstanceNormalization(string name, string x, double epsilon, bool affine)
    {
        var input = ShapeOf(x);
        if (input.Length < 3)
        {
            throw new InvalidOperationException($"{networkName}: {name} (InstanceNorm) needs [batch, channels, ...], not {Text(input)}.");
        }

        var channels = input[1];
        var (scale, bias) = affine
            ? (Weight(name + ".weight"), Weight(name + ".bias"))
            : (FloatConstant(name, "ones", Enumerable.Repeat(1f, (int)channels).ToArray()), FloatConstant(name, "zeros", new float[channels]));
        RequireAxis(name, "InstanceNorm", input, 1, WeightShape(scale)[0]);
        return Node(name, "InstanceNormalization", new[] { x, scale, bias }, input, Float("epsilon", epsilon));
    }

    /// <summary><c>Identity</c>.</summary>
    public string Identity(string name, string x) => Node(name, "Identity", new[] { x }, ShapeOf(x));

    /// <summary><c>Unflatten</c> and <c>Reshape</c>: <c>Reshape</c> to the batch (copied, 0) and the new sample shape.</summary>
    public string Reshape(string name, string x, params long[] sampleShape)
    {
        var input = ShapeOf(x);
        var elements = input.Skip(1).Aggregate(1L, (a, b) => a * b);
        if (sampleShape.Aggregate(1L, (a, b) => a * b) != elements)
        {
            throw new InvalidOperationException($"{networkName}: {name} cannot reshape {Text(input)} to {Text(Batched(sampleShape))}.");
        }

        var target = new[] { 0L }.Concat(sampleShape).ToArray();
        return Node(name, "Reshape", new[] { x, Longs(name, "shape", target) }, Batched(sampleShape));
    }

    /// <summary><c>Transpose</c> of two dimensions of the batched tensor (never the batch, axis 0).</summary>
    public string Transpose(string name, string x, long dim0, long dim1)
    {
        var input = ShapeOf(x);
        if (dim0 < 1 || dim1 < 1 || dim0 >= input.Length || dim1 >= input.Length)
        {
            throw new InvalidOperationException($"{networkName}: {name} (Transpose) cannot swap axes {dim0} and {dim1} of {Text(input)}.");
        }

        var perm = Enumerable.Range(0, input.Length).Select(i => (long)i).ToArray();
        (perm[dim0], perm[dim1]) = (perm[dim1], perm[dim0]);
        var output = perm.Select(p => input[p]).ToArray();
        return Node(name, "Transpose", new[] { x }, output, Ints("perm", perm));
    }

    // ---- Composition ---------------------------------------------------------------------------------------

    /// <summary><c>Residual</c>'s connection: <c>x + block(x)</c>.</summary>
    public string Add(string name, string x, string blockOutput)
    {
        var shape = ShapeOf(x);
        if (!shape.SequenceEqual(ShapeOf(blockOutput)))
        {
            throw new InvalidOperationException($"{networkName}: {name} adds {Text(shape)} and {Text(ShapeOf(blockOutput))}.");
        }

        return Node(name, "Add", new[] { x, blockOutput }, shape);
    }

    // ---- Text layers and compositions beyond a chain ---------------------------------------------------------

    /// <summary>
    /// <c>Embedding</c>: <c>Gather</c> of the rows of <c>{name}.weight</c> at the int64 token ids (the graph's token
    /// input, <see cref="TokenInput"/>). The padding row is an ordinary row at inference.
    /// </summary>
    public string Embedding(string name, string x)
    {
        if (!tokenValues.Contains(x))
        {
            throw new InvalidOperationException($"{networkName}: {name} (Embedding) looks up int64 token ids, but its input '{x}' is not the graph's token input.");
        }

        var input = ShapeOf(x);
        var weight = Weight(name + ".weight");
        return Node(name, "Gather", new[] { weight, x }, input.Append(WeightShape(weight)[1]).ToArray(), Int("axis", 0));
    }

    /// <summary><c>PositionalEmbedding</c>: <c>Add</c> of the learned [steps, features] table, broadcast over the batch.</summary>
    public string PositionalEmbedding(string name, string x)
    {
        var input = ShapeOf(x);
        var weight = Weight(name + ".weight");
        RequireRank(name, "PositionalEmbedding", input, 3);
        if (!input.Skip(1).SequenceEqual(WeightShape(weight)))
        {
            throw new InvalidOperationException($"{networkName}: {name} (PositionalEmbedding) holds {Text(WeightShape(weight))} but its input is {Text(input)}.");
        }

        return Node(name, "Add", new[] { x, weight }, input);
    }

    /// <summary>
    /// <c>MultiheadAttention</c>: batch-first self-attention with PyTorch's parameters (<c>in_proj_weight</c>,
    /// <c>in_proj_bias</c>, <c>out_proj</c>). The stacked projection is one <c>MatMul</c>; queries, keys and values are
    /// <c>Slice</c>s of it, split into heads by <c>Reshape</c> and <c>Transpose</c>; scores are divided by √(head size),
    /// a causal mask adds -∞ above the diagonal, <c>Softmax</c> runs over the keys. Eval semantics: no dropout.
    /// </summary>
    public string MultiheadAttention(string name, string x, long heads, bool causal)
    {
        var input = ShapeOf(x);
        RequireRank(name, "MultiheadAttention", input, 3);
        var (steps, features) = (input[1], input[2]);
        if (heads < 1 || features % heads != 0)
        {
            throw new InvalidOperationException($"{networkName}: {name} (MultiheadAttention) cannot split {features} features into {heads} heads.");
        }

        var headSize = features / heads;
        var projected = Affine(name, x, name + ".in_proj_weight", name + ".in_proj_bias");
        var lastAxis = Longs(name, "axis2", 2);
        string Part(int index, string what, long[] perm, long[] shape)
        {
            var slice = Node(name, "Slice", new[] { projected, Longs(name, what + "_start", index * features), Longs(name, what + "_end", (index + 1) * features), lastAxis }, new[] { -1, steps, features });
            var split = Node(name, "Reshape", new[] { slice, Longs(name, "heads_shape", -1, steps, heads, headSize) }, new[] { -1, steps, heads, headSize });
            return Node(name, "Transpose", new[] { split }, shape, Ints("perm", perm));
        }

        var q = Part(0, "q", new long[] { 0, 2, 1, 3 }, new[] { -1, heads, steps, headSize });
        var k = Part(1, "k", new long[] { 0, 2, 3, 1 }, new[] { -1, heads, headSize, steps });
        var v = Part(2, "v", new long[] { 0, 2, 1, 3 }, new[] { -1, heads, steps, headSize });
        var scoreShape = new[] { -1, heads, steps, steps };
        var scores = Node(name, "MatMul", new[] { q, k }, scoreShape);
        scores = Node(name, "Div", new[] { scores, FloatScalar(name, "sqrt_head_size", (float)Math.Sqrt(headSize)) }, scoreShape);
        if (causal)
        {
            var mask = new float[steps * steps];
            for (var row = 0; row < steps; row++)
            {
                for (var column = row + 1; column < steps; column++)
                {
                    mask[(row * steps) + column] = float.NegativeInfinity;
                }
            }

            scores = Node(name, "Add", new[] { scores, FloatConstant(name, "causal_mask", new[] { steps, steps }, mask) }, scoreShape);
        }

        var weights = Node(name, "Softmax", new[] { scores }, scoreShape, Int("axis", -1));
        var attended = Node(name, "MatMul", new[] { weights, v }, new[] { -1, heads, steps, headSize });
        attended = Node(name, "Transpose", new[] { attended }, new[] { -1, steps, heads, headSize }, Ints("perm", 0, 2, 1, 3));
        attended = Node(name, "Reshape", new[] { attended, Longs(name, "merged_shape", -1, steps, features) }, new[] { -1, steps, features });
        return Linear(name + ".out_proj", attended, bias: true);
    }

    /// <summary>
    /// <c>TransformerEncoderLayer</c> in eval semantics (dropout is the identity): <c>self_attn</c> as
    /// <see cref="MultiheadAttention"/>, the feed-forward block <c>linear2(relu(linear1(x)))</c>, and the residual
    /// additions with <c>norm1</c>/<c>norm2</c> after them (post-norm) or before the sub-blocks (<paramref name="normFirst"/>).
    /// The norms are <c>LayerNormalization</c>, so the layer needs opset 17.
    /// </summary>
    public string TransformerEncoderLayer(string name, string x, long heads, bool normFirst, double epsilon)
    {
        RequireOpset(name, "TransformerEncoderLayer", "LayerNormalization", 17);
        var shape = ShapeOf(x);
        RequireRank(name, "TransformerEncoderLayer", shape, 3);
        string Attention(string value) => MultiheadAttention(name + ".self_attn", value, heads, causal: false);
        string FeedForward(string value) => Linear(name + ".linear2", Relu(name + ".relu", Linear(name + ".linear1", value, bias: true)), bias: true);
        string Norm(string which, string value) => LayerNormalization(name + "." + which, value, epsilon);
        if (normFirst)
        {
            var attended = Add(name, x, Attention(Norm("norm1", x)));
            return Add(name, attended, FeedForward(Norm("norm2", attended)));
        }

        var first = Norm("norm1", Add(name, x, Attention(x)));
        return Norm("norm2", Add(name, first, FeedForward(first)));
    }

    /// <summary><c>MeanPool</c>: <c>ReduceMean</c> over the steps (axis 1) of a batch-first sequence.</summary>
    public string MeanPool(string name, string x)
    {
        var input = ShapeOf(x);
        RequireRank(name, "MeanPool", input, 3);
        var output = new[] { -1, input[2] };
        return Opset >= 18
            ? Node(name, "ReduceMean", new[] { x, Longs(name, "axis1", 1) }, output, Int("keepdims", 0))
            : Node(name, "ReduceMean", new[] { x }, output, Ints("axes", 1), Int("keepdims", 0));
    }

    /// <summary>
    /// <c>Branches</c>' merge: the branch outputs (each branch written inline under <c>{name}.0.</c>, <c>{name}.1.</c>, ...)
    /// joined by <c>Concat</c> on axis 1, or added one after another as the TorchSharp module does.
    /// </summary>
    public string MergeBranches(string name, bool concatenate, params string[] branchOutputs)
    {
        ArgumentNullException.ThrowIfNull(branchOutputs);
        if (branchOutputs.Length < 2)
        {
            throw new InvalidOperationException($"{networkName}: {name} (Branches) needs two or more branch outputs, not {branchOutputs.Length}.");
        }

        var first = ShapeOf(branchOutputs[0]);
        if (!concatenate)
        {
            var sum = Add(name, branchOutputs[0], branchOutputs[1]);
            for (var i = 2; i < branchOutputs.Length; i++)
            {
                sum = Add(name, sum, branchOutputs[i]);
            }

            return sum;
        }

        var output = (long[])first.Clone();
        output[1] = 0;
        foreach (var branch in branchOutputs)
        {
            var shape = ShapeOf(branch);
            if (shape.Length != first.Length || !shape.Skip(2).SequenceEqual(first.Skip(2)))
            {
                throw new InvalidOperationException($"{networkName}: {name} (Branches) cannot concatenate {Text(first)} and {Text(shape)} on axis 1.");
            }

            output[1] += shape[1];
        }

        return Node(name, "Concat", branchOutputs, output, Int("axis", 1));
    }

    /// <summary><c>x·Wᵀ + b</c> over the last axis with the weight and bias read by their state-dict keys.</summary>
    private string Affine(string name, string x, string weightKey, string biasKey)
    {
        var input = ShapeOf(x);
        var weight = Weight(weightKey);
        var w = WeightShape(weight);
        RequireLast(name, "Linear", input, w[1]);
        var output = input.Take(input.Length - 1).Append(w[0]).ToArray();
        var transposed = Node(name, "Transpose", new[] { weight }, new[] { w[1], w[0] }, Ints("perm", 1, 0));
        var product = Node(name, "MatMul", new[] { x, transposed }, output);
        return Node(name, "Add", new[] { product, Weight(biasKey) }, output);
    }

    private string FloatConstant(string layer, string what, long[] dims, float[] values)
    {
        var name = $"/{layer}/{what}";
        if (!shapes.ContainsKey(name))
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.AddRange(dims);
            tensor.FloatData.AddRange(values);
            graph.Initializer.Add(tensor);
            shapes[name] = dims;
        }

        return name;
    }

    // ---- The model -----------------------------------------------------------------------------------------

    /// <summary>
    /// The finished model: IR version for the opset, the default-domain opset import, producer NetGen.
    /// Checks that the graph has its output and that every node reads only the input, initializers or
    /// outputs of nodes before it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph is incomplete or reads an undefined value.</exception>
    public ModelProto ToModel()
    {
        if (!hasOutput)
        {
            throw new InvalidOperationException($"{networkName}'s ONNX graph has no output.");
        }

        var defined = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        defined.UnionWith(graph.Initializer.Select(i => i.Name));
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (input.Length > 0 && !defined.Contains(input))
                {
                    throw new InvalidOperationException($"{networkName}'s ONNX node {node.Name} reads '{input}', which nothing defines before it.");
                }
            }

            foreach (var output in node.Output)
            {
                if (!defined.Add(output))
                {
                    throw new InvalidOperationException($"{networkName}'s ONNX graph defines '{output}' twice.");
                }
            }
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion(Opset),
            ProducerName = "NetGen",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            Graph = graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        return model;
    }

    /// <summary>The IR version that goes with an opset (ONNX's versioning table: 13-14 → 7, 15-18 → 8, 19-20 → 9, 21 → 10).</summary>
    public static long IrVersion(int opset) => opset switch
    {
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    // ---- Pieces --------------------------------------------------------------------------------------------

    private string Pool(string name, string op, string x, long kernelSize, long stride, long padding, bool ceilMode, params AttributeProto[] extra)
    {
        var input = ShapeOf(x);
        if (input.Length is not (3 or 4))
        {
            RequireRank(name, op, input, 4);
        }

        return Pool(name, op, x, kernelSize, stride, padding, ceilMode, extra.Length == 0 ? null : extra[0], input.Length - 2, PyTorchOutput(input, kernelSize, stride, padding, ceilMode));
    }

    /// <summary>
    /// The pooling node for PyTorch's <paramref name="output"/> sizes: symmetric padding, plus at the end of each axis the
    /// padding that the windows counted by ceil mode need (never counted in a divisor, never winning a maximum).
    /// </summary>
    private string Pool(string name, string op, string x, long kernelSize, long stride, long padding, bool ceilMode, AttributeProto? extra, int spatial, long[] output)
    {
        var input = ShapeOf(x);
        var pads = new long[2 * spatial];
        for (var d = 0; d < spatial; d++)
        {
            pads[d] = padding;
            pads[spatial + d] = ceilMode ? Math.Max(padding, ((output[d + 2] - 1) * stride) + kernelSize - input[d + 2] - padding) : padding;
        }

        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", Repeat(kernelSize, spatial)),
            Ints("strides", Repeat(stride, spatial)),
            Ints("pads", pads),
        };
        if (extra is not null)
        {
            attributes.Add(extra);
        }

        return Node(name, op, new[] { x }, output, attributes.ToArray());
    }

    /// <summary>PyTorch's pooling output (pooling_output_shape): rounded up in ceil mode, but the last window starts
    /// inside the input or the left padding.</summary>
    private static long[] PyTorchOutput(long[] input, long kernelSize, long stride, long padding, bool ceilMode)
    {
        var output = (long[])input.Clone();
        for (var d = 2; d < input.Length; d++)
        {
            output[d] = ((input[d] + (2 * padding) - kernelSize + (ceilMode ? stride - 1 : 0)) / stride) + 1;
            if (ceilMode && (output[d] - 1) * stride >= input[d] + padding)
            {
                output[d]--;
            }
        }

        return output;
    }

    /// <summary>The source index of each output position in PyTorch's nearest upsampling (ATen's nearest_idx).</summary>
    private static long[] NearestIndices(long inputSize, long outputSize, double scaleFactor)
    {
        var indices = new long[outputSize];
        var scale = scaleFactor > 0 ? (float)(1.0 / scaleFactor) : (float)inputSize / outputSize;
        for (long o = 0; o < outputSize; o++)
        {
            indices[o] = outputSize == inputSize ? o
                : outputSize == 2 * inputSize ? o >> 1
                : Math.Min((long)MathF.Floor(o * scale), inputSize - 1);
        }

        return indices;
    }

    private string AdaptiveBins(string name, string x, int axis, long bins)
    {
        var input = ShapeOf(x);
        var size = input[axis];
        var parts = new string[bins];
        var axes = Longs(name, "axis" + axis, axis);
        for (var i = 0; i < bins; i++)
        {
            var start = i * size / bins;
            var end = (((i + 1) * size) + bins - 1) / bins;
            var sliceShape = (long[])input.Clone();
            sliceShape[axis] = end - start;
            var slice = Node(name, "Slice", new[] { x, Longs(name, $"start{axis}_{i}", start), Longs(name, $"end{axis}_{i}", end), axes }, sliceShape);
            var meanShape = (long[])input.Clone();
            meanShape[axis] = 1;
            parts[i] = Opset >= 18
                ? Node(name, "ReduceMean", new[] { slice, axes }, meanShape, Int("keepdims", 1))
                : Node(name, "ReduceMean", new[] { slice }, meanShape, Ints("axes", axis), Int("keepdims", 1));
        }

        var output = (long[])input.Clone();
        output[axis] = bins;
        return Node(name, "Concat", parts, output, Int("axis", axis));
    }

    private string Recurrent(string name, string op, string x, long hiddenSize, long numLayers, int[] gateOrder, bool bidirectional, params AttributeProto[] extra)
    {
        var input = ShapeOf(x);
        RequireRank(name, op, input, 3);
        var steps = input[1];
        var directions = bidirectional ? 2 : 1;

        // ONNX's recurrent operators read [steps, batch, features]; NetGen's sequences are batch-first.
        var sequence = Node(name, "Transpose", new[] { x }, new[] { steps, -1, input[2] }, Ints("perm", 1, 0, 2));
        var gates = gateOrder.Length * hiddenSize;
        var rows = Longs(name, "gate_rows", GateRows(gateOrder, hiddenSize, copies: 1));
        var biasRows = Longs(name, "gate_bias_rows", GateRows(gateOrder, hiddenSize, copies: 2));
        var zero = Longs(name, "axis0", 0);
        var one = Longs(name, "axis1", 1);
        for (var layer = 0; layer < numLayers; layer++)
        {
            var suffix = "_l" + layer.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var features = WeightShape(Weight(name + ".weight_ih" + suffix))[1];
            RequireLast(name, op, ShapeOf(sequence), features);

            // One [1, ...] slice per direction (forward, then PyTorch's _reverse), concatenated on ONNX's direction axis.
            var (ws, rs, bs) = (new string[directions], new string[directions], new string[directions]);
            for (var d = 0; d < directions; d++)
            {
                var key = suffix + (d == 0 ? string.Empty : "_reverse");
                var w = Node(name, "Gather", new[] { Weight(name + ".weight_ih" + key), rows }, new[] { gates, features }, Int("axis", 0));
                ws[d] = Node(name, "Unsqueeze", new[] { w, zero }, new[] { 1, gates, features });
                var r = Node(name, "Gather", new[] { Weight(name + ".weight_hh" + key), rows }, new[] { gates, hiddenSize }, Int("axis", 0));
                rs[d] = Node(name, "Unsqueeze", new[] { r, zero }, new[] { 1, gates, hiddenSize });
                var biases = Node(name, "Concat", new[] { Weight(name + ".bias_ih" + key), Weight(name + ".bias_hh" + key) }, new[] { 2 * gates }, Int("axis", 0));
                var b = Node(name, "Gather", new[] { biases, biasRows }, new[] { 2 * gates }, Int("axis", 0));
                bs[d] = Node(name, "Unsqueeze", new[] { b, zero }, new[] { 1, 2 * gates });
            }

            var (wAll, rAll, bAll) = bidirectional
                ? (Node(name, "Concat", ws, new[] { 2, gates, features }, Int("axis", 0)),
                   Node(name, "Concat", rs, new[] { 2, gates, hiddenSize }, Int("axis", 0)),
                   Node(name, "Concat", bs, new[] { 2, 2 * gates }, Int("axis", 0)))
                : (ws[0], rs[0], bs[0]);

            var attributes = new List<AttributeProto> { Int("hidden_size", hiddenSize) };
            if (bidirectional)
            {
                attributes.Add(new AttributeProto { Name = "direction", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("bidirectional") });
            }

            attributes.AddRange(extra);
            var y = Node(name, op, new[] { sequence, wAll, rAll, bAll }, new[] { steps, directions, -1, hiddenSize }, attributes.ToArray());
            if (bidirectional)
            {
                // Y is [steps, 2, batch, hidden]: bring the directions next to the features and join them, forward first.
                var paired = Node(name, "Transpose", new[] { y }, new[] { steps, -1, 2, hiddenSize }, Ints("perm", 0, 2, 1, 3));
                sequence = Node(name, "Reshape", new[] { paired, Longs(name, "join_directions", 0, 0, 2 * hiddenSize) }, new[] { steps, -1, 2 * hiddenSize });
            }
            else
            {
                sequence = Node(name, "Squeeze", new[] { y, one }, new[] { steps, -1, hiddenSize });
            }
        }

        var outputFeatures = directions * hiddenSize;
        return Node(name, "Transpose", new[] { sequence }, new[] { -1, steps, outputFeatures }, Ints("perm", 1, 0, 2));
    }

    /// <summary>Row indices that reorder PyTorch's gate blocks into ONNX's (for the biases, both halves in turn).</summary>
    private static long[] GateRows(int[] gateOrder, long hiddenSize, int copies)
    {
        var rows = new List<long>();
        for (var copy = 0; copy < copies; copy++)
        {
            var offset = copy * gateOrder.Length * hiddenSize;
            foreach (var gate in gateOrder)
            {
                for (long i = 0; i < hiddenSize; i++)
                {
                    rows.Add(offset + (gate * hiddenSize) + i);
                }
            }
        }

        return rows.ToArray();
    }

    private string Node(string layer, string op, string[] inputs, long[] outputShape, params AttributeProto[] attributes)
    {
        var nodeName = UniqueNodeName($"/{layer}/{op}");
        var output = nodeName + "_output_0";
        AddNode(nodeName, op, inputs, new[] { output }, attributes);
        shapes[output] = outputShape;
        return output;
    }

    private void AddNode(string nodeName, string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { Name = nodeName, OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
    }

    private string UniqueNodeName(string name)
    {
        if (nodeNames.Add(name))
        {
            return name;
        }

        for (var i = 1; ; i++)
        {
            var candidate = name + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (nodeNames.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Adds the state-dict entry <paramref name="key"/> as an initializer (once) and returns its name.</summary>
    private string Weight(string key)
    {
        if (shapes.ContainsKey(key))
        {
            return key;
        }

        var weight = weights(key) ?? throw new InvalidOperationException($"{networkName} has no parameter or buffer '{key}'.");
        weight.CheckConsistent(key);
        var tensor = new TensorProto { Name = key, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(weight.Shape);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(weight.Values.AsSpan()));
        graph.Initializer.Add(tensor);
        shapes[key] = weight.Shape;
        return key;
    }

    private long[] WeightShape(string name) => shapes[name];

    private string Constant(string layer, string what, long[] dims, long[] values)
    {
        var name = $"/{layer}/{what}";
        if (shapes.ContainsKey(name))
        {
            return name;
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        graph.Initializer.Add(tensor);
        shapes[name] = dims;
        return name;
    }

    private string Longs(string layer, string what, params long[] values) => Constant(layer, what, new[] { (long)values.Length }, values);

    private string FloatScalar(string layer, string what, float value)
    {
        var name = $"/{layer}/{what}";
        if (!shapes.ContainsKey(name))
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            tensor.FloatData.Add(value);
            graph.Initializer.Add(tensor);
            shapes[name] = Array.Empty<long>();
        }

        return name;
    }

    private string FloatConstant(string layer, string what, float[] values)
    {
        var name = $"/{layer}/{what}";
        if (!shapes.ContainsKey(name))
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.Add(values.Length);
            tensor.FloatData.AddRange(values);
            graph.Initializer.Add(tensor);
            shapes[name] = new[] { (long)values.Length };
        }

        return name;
    }

    private long[] ShapeOf(string value) =>
        shapes.TryGetValue(value, out var shape) ? shape : throw new InvalidOperationException($"{networkName}'s ONNX graph has no value '{value}'.");

    private void RequireOpset(string layer, string kind, string op, int opset)
    {
        if (Opset < opset)
        {
            throw new NotSupportedException(
                $"Cannot export {networkName} to ONNX opset {Opset}: {layer} ({kind}) needs the {op} operator, which ONNX added in opset {opset}. Use OnnxExportOptions.Opset = {opset} or later.");
        }
    }

    private void RequireRank(string layer, string kind, long[] shape, int rank)
    {
        if (shape.Length != rank)
        {
            throw new InvalidOperationException($"{networkName}: {layer} ({kind}) needs a rank-{rank} input (with the batch), not {Text(shape)}.");
        }
    }

    private void RequireAxis(string layer, string kind, long[] shape, int axis, long size)
    {
        if (shape.Length <= axis || shape[axis] != size)
        {
            throw new InvalidOperationException($"{networkName}: {layer} ({kind}) expects {size} on axis {axis}, but its input is {Text(shape)}.");
        }
    }

    private void RequireLast(string layer, string kind, long[] shape, long size) => RequireAxis(layer, kind, shape, shape.Length - 1, size);

    private static long[] Batched(long[] sampleShape) => new[] { -1L }.Concat(sampleShape).ToArray();

    private static long[] Repeat(long value, int count) => Enumerable.Repeat(value, count).ToArray();

    private static string Text(long[] shape) => "[" + string.Join(", ", shape.Select(d => d < 0 ? BatchDimension : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    private static ValueInfoProto ValueInfo(string name, long[] shape, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var d in shape)
        {
            tensorShape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = BatchDimension } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Str(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto Float(string name, double value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
