namespace NetGen.Generator
{
    /// <summary>The generator's own version, written into <c>[GeneratedCode]</c>; it comes from the project's Version.</summary>
    internal static class ThisAssembly
    {
        public static readonly string Version = typeof(ThisAssembly).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
