using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetGen.Tests.Robustness;

/// <summary>
/// Writes random network declarations, valid and invalid: random layer orders and sizes that do or do not
/// chain, arguments of wrong types, counts and values, bad names, missing and unknown arguments, clipping
/// with bad norms, classes that are not partial, static, generic, nested, derived or split, members whose
/// names clash with generated ones, and a few syntax errors. Seeded, so a failure reproduces.
/// </summary>
public sealed class RandomDeclarations
{
    private readonly Random _random;

    /// <summary>A third of the declarations are written to be valid (sizes chain, names are fine), so the
    /// generator's success path runs as often as its error paths.</summary>
    private bool _clean;

    /// <summary>The feature count flowing out of the last layer written, for clean declarations.</summary>
    private int _width;

    private bool _clipped;

    /// <summary>The class-level options a clean declaration already has (each may appear once).</summary>
    private readonly HashSet<string> _options = new();

    public RandomDeclarations(int seed) => _random = new Random(seed);

    /// <summary>One file holding classes Net{first} … Net{first + count − 1} in namespace <paramref name="ns"/>.</summary>
    public string File(string ns, int first, int count)
    {
        var text = new StringBuilder();
        text.Append("using NetGen;\nnamespace ").Append(ns).Append(";\npublic class Base { }\n\n");
        for (var i = first; i < first + count; i++)
        {
            Declaration(text, "Net" + i.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private void Declaration(StringBuilder text, string name)
    {
        _clean = _random.Next(3) == 0;
        _width = 0;
        _clipped = false;
        _options.Clear();
        var attributeLists = Enumerable.Range(0, Pick(1, 1, 2, 2, 3)).Select(_ => AttributeList(name)).ToList();
        var shape = _clean ? 100 : _random.Next(100);
        var members = _clean ? Pick(string.Empty, string.Empty, "public int hidden;", "public " + name + "(int seed) : this() { }", UserForward)
            : _random.Next(100) < 12 ? Member(name) : string.Empty;

        if (shape < 4)
        {
            // Split over two partial declarations, both with layers.
            text.Append(string.Join("\n", attributeLists)).Append("\npublic partial class ").Append(name).Append(";\n");
            text.Append(AttributeList(name)).Append("\npublic partial class ").Append(name).Append(" { ").Append(members).Append(" }\n\n");
            return;
        }

        if (shape < 7)
        {
            // Nested in another class.
            text.Append("public partial class Outer").Append(name).Append(" {\n");
            text.Append(string.Join("\n", attributeLists)).Append("\npublic partial class ").Append(name).Append(" { ").Append(members).Append(" }\n}\n\n");
            return;
        }

        var modifiers = shape switch
        {
            < 12 => "public",
            < 15 => "public static partial",
            < 17 => "public sealed partial",
            < 19 => "internal abstract partial",
            _ => "public partial",
        };
        var tail = _random.Next(100) switch
        {
            < 4 => "<T>",
            < 8 => " : Base",
            < 10 => "<T> : Base",
            _ => string.Empty,
        };
        text.Append(string.Join("\n", attributeLists)).Append('\n').Append(modifiers).Append(" class ").Append(name).Append(tail);
        text.Append(members.Length > 0 || modifiers == "public" ? " { " + members + " }\n\n" : ";\n\n");
    }

    private string AttributeList(string className)
    {
        var count = Pick(1, 2, 3, 3, 4, 5);
        var attributes = Enumerable.Range(0, count).Select(_ => _clean ? CleanAttribute() : Attribute(className)).ToList();
        if (!_clean && _random.Next(200) == 0)
        {
            return "[" + string.Join(", ", attributes) + ", ]"; // a trailing comma: a syntax error
        }

        return "[" + string.Join(", ", attributes) + "]";
    }

    /// <summary>A layer that fits: the first one fixes the input size, later ones take the running width.</summary>
    private string CleanAttribute()
    {
        var roll = _random.Next(100);
        if (_width == 0 || roll < 40)
        {
            var next = Pick(4, 8, 16, 32, 64);
            var text = _width == 0 || _random.Next(2) == 0
                ? $"Linear({(_width == 0 ? Pick(4, 8, 16, 32) : _width)}, {next}{(_random.Next(8) == 0 ? ", Bias = false" : string.Empty)})"
                : $"Linear({next})";
            _width = next;
            return text;
        }

        if (roll >= 92 && !_clipped)
        {
            _clipped = true;
            return Pick("ClipGradNorm(1.0)", "ClipGradNorm(0.5, NormType = 1)", "ClipGradNorm(5, NormType = double.PositiveInfinity)");
        }

        // Class-level options, each at most once: the loss and initialisation rules (NG0008, NG0009) need them.
        if (roll >= 88 && roll < 92 && _options.Count < 2)
        {
            var option = Pick(
                "Loss(LossFunction.CrossEntropy)", "Loss(LossFunction.NegativeLogLikelihood)", "Loss(LossFunction.BinaryCrossEntropy)",
                "Loss(LossFunction.MeanSquaredError)", "KaimingInit", "XavierInit(InitDistribution.Normal)", "GradientMonitor");
            var key = option.Substring(0, 4);
            if (_options.Add(key == "Kaim" || key == "Xavi" ? "Init" : key))
            {
                return option;
            }
        }

        if (roll >= 80 && roll < 88)
        {
            return Pick("Dropout", "Dropout(0.1)", "Dropout(0.8)", "LayerNorm", "Softmax", "LogSoftmax");
        }

        return roll < 50 ? "BatchNorm" : Pick("ReLU", "Sigmoid", "Tanh", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "ELU(0.5)", "ReLU6");
    }

    private string Attribute(string className)
    {
        switch (_random.Next(100))
        {
            case < 34:
                return Linear(className);
            case < 42:
                return "BatchNorm" + LayerOptions(className, allowPositional: true);
            case < 68:
                return Pick("ReLU", "Sigmoid", "Tanh", "LeakyReLU", "Softmax", "GELU") + LayerOptions(className, allowPositional: true);
            case < 74:
                return Clip();
            case < 86:
                return OtherLayer(className);
            case < 94:
                return ClassOption();
            case < 97:
                // Attributes of other libraries are none of NetGen's business, but must not confuse it.
                // Each at most once: a repeated foreign attribute is the compiler's error (CS0579), not NetGen's.
                var foreign = Pick("System.Obsolete", "System.Serializable", "Linear", "ClipGradNorm");
                return foreign.StartsWith("System.", StringComparison.Ordinal) && !_options.Add(foreign) ? "Linear" : foreign;
            default:
                return Pick("Linear(4, 2", "Linear(4 2)", "ReLU(", "Linear(, 3)", "Sigmoid()");
        }
    }

    /// <summary>The rest of the catalogue with random, often mismatched arguments: shapes of the wrong rank, blocks that are not networks.</summary>
    private string OtherLayer(string className) => _random.Next(18) switch
    {
        14 => Pick(
            "GroupNorm(" + Pick("1", "2", "3", "0", "8") + Pick(string.Empty, ", Affine = false", ", Eps = 1e-3", ", Eps = -1", ", Eps = double.NaN") + ")",
            "InstanceNorm1d" + Pick(string.Empty, "(Affine = true)", "(Eps = -0.5)"),
            "InstanceNorm2d" + Pick(string.Empty, "(Affine = true)", "(Eps = 0)"),
            "Dropout2d" + Pick(string.Empty, "(0.2)", "(1.0)", "(-0.1)")),
        15 => Pick(
            "Identity",
            "Unflatten(" + Pick("1", "2", "-1", "0", "9") + Pick(string.Empty, ", 2", ", 2, " + Size(), ", 0, 4", ", -1, 4") + ")",
            "Reshape" + Pick(string.Empty, "()", "(" + Size() + ")", "(2, " + Size() + ")", "(0)"),
            "Transpose(" + Pick("1", "2", "0", "-1", "5") + ", " + Pick("1", "2", "-2", "0", "3") + ")",
            Pick("LSTM", "GRU", "RNN") + "(" + Size() + Pick(string.Empty, ", 2") + ", Bidirectional = " + Pick("true", "false") + ")"),
        16 => Pick(
            "Conv3d(" + Size() + ", " + Pick("3", "1", "0", "9") + Pick(string.Empty, ", stride: 2", ", padding: 1", ", padding: -1") + Pick(string.Empty, ", Dilation = 2", ", Groups = 2", ", Groups = 0", ", Bias = false") + ")",
            Pick("ConvTranspose1d", "ConvTranspose2d") + "(" + Size() + ", " + Pick("3", "2", "0") + Pick(string.Empty, ", stride: 2", ", stride: 2, outputPadding: 1", ", outputPadding: 1", ", padding: 5")
                + Pick(string.Empty, ", Dilation = 2", ", Groups = 4", ", Groups = -1") + ")"),
        17 => Pick(
            "MaxPool1d(" + Pick("2", "3", "0", "100") + Pick(string.Empty, ", stride: 1", ", padding: 1", ", padding: 3") + Pick(string.Empty, ", CeilMode = true") + ")",
            "AvgPool1d(" + Pick("2", "3", "-1") + Pick(string.Empty, ", stride: 0", ", padding: 1") + Pick(string.Empty, ", CeilMode = true", ", CountIncludePad = false", ", CeilMode = true, CountIncludePad = false") + ")",
            "AdaptiveAvgPool1d(" + Pick("1", "3", "0") + ")",
            "Upsample" + Pick(string.Empty, "(2)", "(0.5)", "(0)", "(double.NaN)", "(Size = new long[] { 16 })", "(Size = new long[] { 4, 4 })", "(Size = new long[0])",
                "(2, Mode = Interpolation.Linear)", "(2, Mode = Interpolation.Bilinear, AlignCorners = true)", "(2, AlignCorners = true)", "(2, Size = new long[] { 3 })", "(2, Mode = (Interpolation)9)")),
        12 => Pick("Embedding(" + Size() + ", " + Size() + ")", "Embedding(10, 4, PaddingIdx = 0)", "Embedding(10, 4, PaddingIdx = 10)", "Embedding(0, 4)", "PositionalEmbedding", "MeanPool"),
        13 => Pick(
            "TransformerEncoderLayer(" + Pick("2", "3", "0", "4") + Pick(", 8", ", 0") + Pick(string.Empty, ", Dropout = 0.2", ", Dropout = 1.0", ", NormFirst = true") + ")",
            "MultiheadAttention(" + Pick("2", "3", "0", "4") + Pick(string.Empty, ", Dropout = -0.5", ", Causal = true") + ")"),
        0 => "Dropout" + Pick(string.Empty, "(0.2)", "(0.9)", "(1.0)", "(-0.1)", "(double.NaN)", "(\"x\")"),
        1 => "Input(" + string.Join(", ", Enumerable.Range(0, Pick(1, 2, 3, 3)).Select(_ => Size())) + ")",
        2 => "Conv2d(" + Size() + ", " + Pick("3", "5", "0", "64") + Pick(string.Empty, ", stride: 2", ", padding: 1", ", padding: -1")
            + Pick(string.Empty, string.Empty, ", Groups = 2", ", Groups = 3", ", Groups = 0", ", Dilation = 2", ", Dilation = 0", ", Dilation = 3, Groups = 4") + ")",
        3 => Pick("MaxPool2d(2)", "AvgPool2d(3)", "AdaptiveAvgPool2d(1)", "MaxPool2d(0)", "Flatten", "LastStep",
            "MaxPool2d(3, stride: 2, CeilMode = true)", "AvgPool2d(2, padding: 1, CeilMode = true, CountIncludePad = false)", "AvgPool2d(3, CountIncludePad = false)"),
        4 => Pick("LSTM", "GRU", "RNN") + "(" + Size() + Pick(string.Empty, ", 2", ", 0", ", 3") + ")",
        5 => Pick("LeakyReLU(0.2)", "LeakyReLU(-1)", "ELU", "SELU", "PReLU", "PReLU(InitialSlope = 0.1)", "ReLU6"),
        6 => Pick("Softmax(-1)", "LogSoftmax(1)", "Softmax(5)", "LayerNorm", "Conv1d(4, 3)", "Conv1d(4, 3, Groups = 2)", "Conv1d(6, 3, Dilation = 2, Groups = 3)", "Conv1d(4, 1, Dilation = -1)"),
        7 => "Residual(typeof(" + Pick(className, "int", "Base", "Net0", "Net1") + ")" + Pick(string.Empty, ", Repeat = 2", ", Repeat = 0", ", Shortcut = typeof(Net1)", ", Shortcut = typeof(" + className + ")", ", Shortcut = typeof(int)", ", Shortcut = null") + ")",
        8 => Pick(
            "Block(typeof(" + Pick(className, "string", "Net2", "Net3") + "))",
            "Branches(typeof(" + Pick(className, "Net2", "int") + "), typeof(" + Pick("Net3", "Net1") + ")" + Pick(string.Empty, ", Merge = BranchMerge.Add", ", Merge = (BranchMerge)5") + ")",
            "Branches(typeof(Net2))"),
        9 => "Linear(" + Size() + ", " + Size() + ", Init = Init." + Pick("KaimingNormal", "XavierUniform", "None", "Default") + ")",
        10 => "Linear(" + Size() + ", Init = (Init)" + Pick("7", "-1", "3") + ")",
        _ => "Dropout(p: " + Pick("0.5", "0.99", "1e-9") + ")",
    };

    /// <summary>Class-level options with valid and invalid arguments, sometimes twice.</summary>
    private string ClassOption() => _random.Next(7) switch
    {
        0 => "Loss(LossFunction." + Pick("CrossEntropy", "NegativeLogLikelihood", "BinaryCrossEntropyWithLogits", "BinaryCrossEntropy", "Huber") + ")",
        1 => "Loss((LossFunction)" + Pick("9", "-1") + ")",
        2 => Pick("KaimingInit", "KaimingInit(InitDistribution.Normal, Mode = FanMode.FanOut)", "XavierInit", "XavierInit(ZeroBias = false)"),
        3 => "ClipGradValue(" + Pick("0.5", "0", "-1", "double.NaN", "double.PositiveInfinity") + ")",
        4 => "GradientMonitor" + Pick(string.Empty, "(SampleEvery = 10)", "(SampleEvery = 0)", "(VanishingRatio = -1)"),
        5 => "Loss(LossFunction.CrossEntropy), Loss(LossFunction.L1)",
        _ => "KaimingInit, XavierInit",
    };

    private string Linear(string className)
    {
        var arguments = new List<string>();
        switch (_random.Next(100))
        {
            case < 55:
                arguments.Add(Size());
                arguments.Add(Size());
                break;
            case < 85:
                arguments.Add(Size());
                break;
            case < 90:
                break;
            default:
                arguments.AddRange(Enumerable.Range(0, Pick(1, 2, 3)).Select(_ => WrongValue()));
                break;
        }

        var options = LayerOptions(className, allowPositional: false);
        if (_random.Next(100) < 15)
        {
            arguments.Add("Bias = " + Pick("true", "false", "false", "1", "\"no\"", "null"));
        }

        if (options.Length > 0)
        {
            arguments.Add(options.Substring(1, options.Length - 2));
        }

        return "Linear(" + string.Join(", ", arguments) + ")";
    }

    /// <summary>"" or "(Name = ...)"; sometimes a positional argument the layer does not take.</summary>
    private string LayerOptions(string className, bool allowPositional)
    {
        var roll = _random.Next(100);
        if (roll < 80)
        {
            return string.Empty;
        }

        if (allowPositional && roll < 84)
        {
            return "(" + Pick("3", "\"x\"", "true", "Bias = false") + ")";
        }

        var name = Pick(
            "\"hidden\"", "\"hidden\"", "\"encoder\"", "\"fc1\"", "\"fc2\"", "\"bn1\"", "\"relu1\"", "\"forward\"", "\"InputShape\"",
            "\"TrainableParameterCount\"", "\"ClipGradients\"", "\"" + className + "\"", "\"my.layer\"", "\"class\"", "\"2fast\"",
            "\"\"", "\" \"", "null", "\"_\"", "\"x1\"", "\"input\"", "3", "Unknown = 1");
        return "(" + (name.StartsWith("Unknown", StringComparison.Ordinal) ? name : "Name = " + name) + ")";
    }

    private string Clip() => _random.Next(100) switch
    {
        < 50 => "ClipGradNorm(1.0)",
        < 60 => "ClipGradNorm(" + Pick("0", "0.0", "-1.0", "double.NaN", "double.PositiveInfinity", "1e308", "5") + ")",
        < 70 => "ClipGradNorm(1.0, NormType = " + Pick("1", "2.0", "0", "-2", "double.PositiveInfinity", "double.NaN") + ")",
        < 80 => "ClipGradNorm(" + Pick("\"one\"", "true", "null") + ")",
        < 90 => "ClipGradNorm()",
        _ => "ClipGradNorm(1.0, 2.0)",
    };

    /// <summary>A size that usually chains with its neighbours (the same few values), sometimes not positive or huge.</summary>
    private string Size() => _random.Next(100) switch
    {
        < 88 => Pick("4", "8", "8", "16", "16", "16", "32"),
        < 92 => Pick("0", "-1", "-16"),
        < 95 => Pick("100000", "3000000000", "long.MaxValue"),
        _ => WrongValue(),
    };

    private string WrongValue() => Pick("1.5", "\"16\"", "true", "null", "'a'", "typeof(int)", "16L", "(byte)4", "4u", "16.0f", "new long[0]");

    private string Member(string className) => Pick(
        "private int fc1;",
        "public int fc2 => 0;",
        "public void bn1() { }",
        "public object forward(object input) => input;",
        "public object forward(object a, object b) => a;",
        UserForward,
        "public TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor input) => input;",
        "public static int InputShape => 1;",
        "public const long TrainableParameterCount = 1;",
        "public double ClipGradients() => 0;",
        "public " + className + "() { }",
        "public " + className + "(int seed) { }",
        "public int relu1;",
        "public int hidden;");

    /// <summary>The escape hatch: the class's own forward, which replaces the generated one.</summary>
    private const string UserForward = "public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor input) => input;";

    private int Pick(params int[] values) => values[_random.Next(values.Length)];

    private string Pick(params string[] values) => values[_random.Next(values.Length)];
}
