using System;

namespace NetGen
{
    /// <summary>
    /// Base class of every NetGen layer attribute. Layer attributes on a <c>partial</c> class are
    /// read in source order (top to bottom, left to right across attribute lists), and NetGen's
    /// source generator turns them into a TorchSharp <c>Module&lt;Tensor, Tensor&gt;</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public abstract class LayerAttribute : Attribute
    {
        /// <summary>
        /// The layer's name: the generated field and its <c>state_dict()</c> prefix. When not set,
        /// NetGen follows PyTorch's habit: the k-th <c>Linear</c> is <c>fc{k}</c>, the k-th
        /// <c>BatchNorm</c> is <c>bn{k}</c>, counted from 1 in declaration order.
        /// </summary>
        public string? Name { get; set; }
    }
}
