using System;
using System.Globalization;
using System.Linq;

namespace NetGen.Generator.Model
{
    /// <summary>
    /// The shape of one sample, without the batch dimension: <c>[784]</c> for a feature vector,
    /// <c>[1, 28, 28]</c> for a one-channel image. Every size is known at compile time.
    /// </summary>
    internal readonly struct Shape : IEquatable<Shape>
    {
        public Shape(params long[] dims) => Dims = dims.ToEquatableArray();

        public EquatableArray<long> Dims { get; }

        public int Rank => Dims.Count;

        public long Last => Dims[Dims.Count - 1];

        /// <summary>The number of elements; throws <see cref="OverflowException"/> past 64 bits (the parser reports it).</summary>
        public long Elements => Dims.Aggregate(1L, (a, b) => checked(a * b));

        public Shape WithLast(long size)
        {
            var dims = Dims.ToArray();
            dims[dims.Length - 1] = size;
            return new Shape(dims);
        }

        /// <summary>Keras-style text with the batch dimension: <c>(-1, 300)</c>.</summary>
        public string ToBatchString() =>
            "(-1, " + string.Join(", ", Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

        public override string ToString() =>
            "[" + string.Join(", ", Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

        public bool Equals(Shape other) => Dims.Equals(other.Dims);

        public override bool Equals(object? obj) => obj is Shape other && Equals(other);

        public override int GetHashCode() => Dims.GetHashCode();
    }
}
