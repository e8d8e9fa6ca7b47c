using System;

namespace NetGen
{
    /// <summary>
    /// Uses another NetGen network as one layer: <c>[Block(typeof(Encoder))]</c> adds an <c>Encoder</c> module
    /// named <c>block{k}</c>, whose parameters appear under <c>block{k}.</c> in <c>state_dict()</c>. The block's
    /// input shape must match the shape arriving at it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BlockAttribute : LayerAttribute
    {
        /// <summary>Declares a block layer.</summary>
        /// <param name="network">A NetGen network class (a partial class with layer attributes).</param>
        public BlockAttribute(Type network)
        {
            Network = network;
        }

        /// <summary>The network used as a layer.</summary>
        public Type Network { get; }
    }

    /// <summary>
    /// A residual connection (He et al., 2016): the output is <c>x + Block(x)</c>, so the gradient has an identity
    /// path around the block and cannot vanish through it. <c>[Residual(typeof(Block), Repeat = 3)]</c> stacks three
    /// such connections, each with its own block named <c>res{k}</c>. The block must keep the shape unchanged, unless
    /// a projection shortcut is declared: <c>[Residual(typeof(DownBlock), Shortcut = typeof(Downsample))]</c> computes
    /// <c>Downsample(x) + DownBlock(x)</c>, as ResNet's downsampling blocks do.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ResidualAttribute : LayerAttribute
    {
        /// <summary>Declares a residual connection around a block.</summary>
        /// <param name="block">A NetGen network class whose output shape equals its input shape.</param>
        public ResidualAttribute(Type block)
        {
            Block = block;
        }

        /// <summary>The network inside the residual connection.</summary>
        public Type Block { get; }

        /// <summary>How many residual connections to stack, each with its own copy of the block (default 1).</summary>
        public int Repeat { get; set; } = 1;

        /// <summary>
        /// A NetGen network used as the projection shortcut when the block changes the shape (ResNet's 1x1 convolution
        /// with stride and BatchNorm): it takes the block's input shape to the block's output shape. It is registered
        /// inside the block as <c>downsample</c>, as torchvision names it, so its keys are <c>res{k}.downsample.*</c>.
        /// Null (the default) for the identity shortcut.
        /// </summary>
        public Type? Shortcut { get; set; }
    }
}

namespace NetGen
{
    /// <summary>How <see cref="BranchesAttribute"/> merges its branches' outputs.</summary>
    public enum BranchMerge
    {
        /// <summary>Concatenated along the first per-sample dimension (features or channels), as Inception does.</summary>
        Concat,

        /// <summary>Added elementwise; every branch must give the same shape.</summary>
        Add,
    }

    /// <summary>
    /// Parallel branches: every branch (a NetGen network) gets the same input and their outputs are merged,
    /// concatenated along the features or channels (<c>Merge = BranchMerge.Concat</c>, the default) or added.
    /// Named <c>branch{k}</c>; the branches are its children <c>0</c>, <c>1</c>, ... as in PyTorch's <c>nn.ModuleList</c>,
    /// so their keys are <c>branch1.0.conv1.weight</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BranchesAttribute : LayerAttribute
    {
        /// <summary>Declares parallel branches.</summary>
        /// <param name="networks">Two or more NetGen networks taking the shape that arrives here.</param>
        public BranchesAttribute(params Type[] networks)
        {
            Networks = networks;
        }

        /// <summary>The branches.</summary>
        public Type[] Networks { get; }

        /// <summary>How the outputs are merged (default: concatenated).</summary>
        public BranchMerge Merge { get; set; } = BranchMerge.Concat;
    }
}
