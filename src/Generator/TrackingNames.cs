namespace NetGen.Generator
{
    /// <summary>Names of the generator's pipeline steps, so caching tests can ask whether a step was Cached or Modified.</summary>
    internal static class TrackingNames
    {
        /// <summary>The network model (or shell) read from one attributed class whose attributes are NetGen's.</summary>
        public const string Network = "NetGen.Network";

        /// <summary>Reading one attributed class into a model (or null when it is not a network): where the time of
        /// binding and parsing a declaration shows in the driver's step clocks.</summary>
        public const string Read = "NetGen.Read";

        /// <summary>Which engines the compilation references (TorchSharp, NetGen.Onnx, NetGen.Inference), as booleans.</summary>
        public const string Targets = "NetGen.Targets";
    }
}
