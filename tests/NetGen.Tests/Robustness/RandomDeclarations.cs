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
        var attributeLists = Enumerable.Range(0, Pick(1, 1, 2, 2, 3)).Select(_ => AttributeList(name)).ToList();
        var shape = _clean ? 100 : _random.Next(100);
        var members = _clean ? Pick(string.Empty, string.Empty, "public int hidden;", "public " + name + "(int seed) : this() { }")
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

        return roll < 50 ? "BatchNorm" : Pick("ReLU", "Sigmoid", "Tanh", "Sigmoid", "Tanh");
    }

    private string Attribute(string className)
    {
        switch (_random.Next(100))
        {
            case < 40:
                return Linear(className);
            case < 50:
                return "BatchNorm" + LayerOptions(className, allowPositional: true);
            case < 86:
                return Pick("ReLU", "Sigmoid", "Tanh") + LayerOptions(className, allowPositional: true);
            case < 94:
                return Clip();
            case < 97:
                // Attributes of other libraries are none of NetGen's business, but must not confuse it.
                return Pick("System.Obsolete", "System.Serializable", "Linear", "ClipGradNorm");
            default:
                return Pick("Linear(4, 2", "Linear(4 2)", "ReLU(", "Linear(, 3)", "Sigmoid()");
        }
    }

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
        "public static int InputShape => 1;",
        "public const long TrainableParameterCount = 1;",
        "public double ClipGradients() => 0;",
        "public " + className + "() { }",
        "public " + className + "(int seed) { }",
        "public int relu1;",
        "public int hidden;");

    private int Pick(params int[] values) => values[_random.Next(values.Length)];

    private string Pick(params string[] values) => values[_random.Next(values.Length)];
}
