using System;

namespace NetGen;

/// <summary>
/// How the entries of a checkpoint written by another program map onto a module's state dict, for checkpoints of
/// the same architecture whose layers are named differently (torchvision's <c>layer1.0.conv1.weight</c> against a
/// NetGen network's <c>res1.conv1.weight</c>). Pass one to <c>LoadPyTorchStateDict</c>, <c>LoadSafetensors</c> or
/// <c>LoadStateDictChecked</c>; with every mapping, every key and shape is checked before anything is copied.
/// </summary>
public abstract class KeyMapping
{
    private KeyMapping()
    {
    }

    /// <summary>
    /// Matches the checkpoint's entries to the module's by position: the file's entries in the order the file stores
    /// them, the module's in PyTorch's <c>state_dict()</c> order (each module's own parameters, then its own buffers,
    /// then its children in registration order). Every pair must have the same shape and both sides the same number
    /// of entries; otherwise the error lists every pair that differs.
    /// </summary>
    /// <remarks>
    /// A <c>torch.save(model.state_dict())</c> file keeps PyTorch's order, so a NetGen network that declares its layers
    /// in the PyTorch model's registration order loads it without a name table. Safetensors files written by Python's
    /// <c>safetensors</c> sort their keys by name, which is not the module's order: use <see cref="Rename"/> for those.
    /// </remarks>
    public static KeyMapping ByPosition { get; } = new PositionMapping();

    /// <summary>Maps each checkpoint key to the module's key; a null result leaves that entry out of the load.</summary>
    /// <param name="rename">The file's key to the module's key (<c>"layer1.0.conv1.weight"</c> to <c>"res1.conv1.weight"</c>).</param>
    /// <returns>The mapping.</returns>
    public static KeyMapping Rename(Func<string, string?> rename)
    {
        ArgumentNullException.ThrowIfNull(rename);
        return new RenameMapping(rename);
    }

    /// <summary>Matching by position.</summary>
    internal sealed class PositionMapping : KeyMapping
    {
    }

    /// <summary>Matching by renamed key.</summary>
    internal sealed class RenameMapping : KeyMapping
    {
        public RenameMapping(Func<string, string?> rename) => Map = rename;

        public Func<string, string?> Map { get; }
    }
}
