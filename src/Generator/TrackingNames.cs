namespace NetGen.Generator
{
    /// <summary>Names of the generator's pipeline steps, so caching tests can ask whether a step was Cached or Modified.</summary>
    internal static class TrackingNames
    {
        /// <summary>One network's model, as the source output receives it.</summary>
        public const string Network = "NetGen.Network";

        /// <summary>One file's attributed classes read into network models (syntax walk, semantic model, parser).</summary>
        public const string File = "NetGen.File";
    }
}
