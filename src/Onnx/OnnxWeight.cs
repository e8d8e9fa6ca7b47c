using System;

namespace NetGen.Onnx;

/// <summary>One parameter or buffer handed to <see cref="OnnxGraphBuilder"/>: its shape and its values in row-major order.</summary>
/// <param name="Shape">The tensor's shape as in the state dict (<c>[300, 784]</c> for <c>fc1.weight</c>).</param>
/// <param name="Values">The values, row-major, as 32-bit floats.</param>
public sealed record OnnxWeight(long[] Shape, float[] Values)
{
    /// <summary>The number of elements the shape holds.</summary>
    public long Elements
    {
        get
        {
            long n = 1;
            foreach (var d in Shape)
            {
                n = checked(n * d);
            }

            return n;
        }
    }

    internal void CheckConsistent(string key)
    {
        if (Elements != Values.Length)
        {
            throw new ArgumentException($"Weight '{key}' has shape [{string.Join(", ", Shape)}] ({Elements} elements) but {Values.Length} values.");
        }
    }
}
