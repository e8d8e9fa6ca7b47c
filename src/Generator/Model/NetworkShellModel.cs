namespace NetGen.Generator.Model
{
    /// <summary>
    /// What the generator writes for a class whose declaration has an error: the members the valid network would have,
    /// every one of them refusing to run, and the class marked obsolete-as-error with the NG message, so each use of the
    /// class in the user's code is a compiler error (CS0619) that carries the real reason, in every editor. Strings,
    /// booleans and an equatable array only, like <see cref="NetworkModel"/>.
    /// </summary>
    internal sealed record NetworkShellModel(
        string? Namespace,
        string ClassName,
        string HintName,
        string Error,
        EquatableArray<ShellField> Fields,
        bool HasClip,
        bool HasClipValue,
        bool HasLoss,
        bool HasMonitor)
    {
        /// <summary>The class writes its own <c>forward</c>: the shell declares none.</summary>
        public bool HasUserForward { get; init; }
    }

    /// <summary>A layer field the shell declares: a layer that resolved before (or despite) the error.</summary>
    internal sealed record ShellField(string Name, string ModuleType);

    /// <summary>One network's pipeline output: the model of a valid network, or the shell of an invalid one.</summary>
    internal sealed record GeneratedNetwork(NetworkModel? Network, NetworkShellModel? Shell);
}
