using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Monitoring
{
    /// <summary>Reads numbers out of tensors without creating objects that only a finalizer frees.</summary>
    internal static class TensorValues
    {
        /// <summary>The value of a one-element tensor of any real dtype, as a double.</summary>
        public static double ToDouble(Tensor scalar)
        {
            switch (scalar.dtype)
            {
                case ScalarType.Float32:
                    return scalar.item<float>();
                case ScalarType.Float64:
                    return scalar.item<double>();
                case ScalarType.Int64:
                    return scalar.item<long>();
                default:
                    using (var asDouble = scalar.to_type(ScalarType.Float64))
                    {
                        return asDouble.item<double>();
                    }
            }
        }

        /// <summary>All values of a tensor of any real dtype, as doubles.</summary>
        public static double[] ToDoubles(Tensor values)
        {
            if (values.dtype == ScalarType.Float64)
            {
                return values.data<double>().ToArray();
            }

            using var asDouble = values.to_type(ScalarType.Float64);
            return asDouble.data<double>().ToArray();
        }
    }
}
