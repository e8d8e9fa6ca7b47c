using System;

namespace NetGen
{
    /// <summary>
    /// A long short-term memory layer (Hochreiter and Schmidhuber, 1997) over batch-first sequences
    /// <c>[steps, features]</c>, generated as <c>torch.nn.LSTM(..., batchFirst: true)</c> and named <c>lstm{k}</c>.
    /// Its output is the whole sequence of hidden states <c>[steps, hidden]</c>; follow it with <c>[LastStep]</c>
    /// to keep only the last one. Its gates keep gradients alive over long sequences better than a plain RNN.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LSTMAttribute : LayerAttribute
    {
        /// <summary>Declares an LSTM.</summary>
        /// <param name="hiddenSize">Size of the hidden state.</param>
        /// <param name="numLayers">Number of stacked LSTM layers (default 1).</param>
        public LSTMAttribute(long hiddenSize, long numLayers = 1)
        {
            HiddenSize = hiddenSize;
            NumLayers = numLayers;
        }

        /// <summary>Size of the hidden state.</summary>
        public long HiddenSize { get; }

        /// <summary>Number of stacked layers.</summary>
        public long NumLayers { get; }

        /// <summary>
        /// Whether a second layer reads each sequence backwards (PyTorch's <c>bidirectional</c>, default <c>false</c>): every
        /// step's output is the forward and backward hidden states side by side, <c>2 · hiddenSize</c> features, and each
        /// layer gets <c>_reverse</c> weights (<c>weight_ih_l0_reverse</c>, ...).
        /// </summary>
        public bool Bidirectional { get; set; }
    }

    /// <summary>
    /// A gated recurrent unit layer (Cho et al., 2014) over batch-first sequences <c>[steps, features]</c>,
    /// generated as <c>torch.nn.GRU(..., batchFirst: true)</c> and named <c>gru{k}</c>; outputs every step's hidden state.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GRUAttribute : LayerAttribute
    {
        /// <summary>Declares a GRU.</summary>
        /// <param name="hiddenSize">Size of the hidden state.</param>
        /// <param name="numLayers">Number of stacked GRU layers (default 1).</param>
        public GRUAttribute(long hiddenSize, long numLayers = 1)
        {
            HiddenSize = hiddenSize;
            NumLayers = numLayers;
        }

        /// <summary>Size of the hidden state.</summary>
        public long HiddenSize { get; }

        /// <summary>Number of stacked layers.</summary>
        public long NumLayers { get; }

        /// <summary>
        /// Whether a second layer reads each sequence backwards (PyTorch's <c>bidirectional</c>, default <c>false</c>): every
        /// step's output is the forward and backward hidden states side by side, <c>2 · hiddenSize</c> features, and each
        /// layer gets <c>_reverse</c> weights (<c>weight_ih_l0_reverse</c>, ...).
        /// </summary>
        public bool Bidirectional { get; set; }
    }

    /// <summary>
    /// A plain (Elman) recurrent layer with tanh over batch-first sequences <c>[steps, features]</c>, generated as
    /// <c>torch.nn.RNN(..., batchFirst: true)</c> and named <c>rnn{k}</c>. Plain RNNs are where gradients explode
    /// and vanish over long sequences: prefer LSTM or GRU, and clip gradients.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class RNNAttribute : LayerAttribute
    {
        /// <summary>Declares a plain RNN.</summary>
        /// <param name="hiddenSize">Size of the hidden state.</param>
        /// <param name="numLayers">Number of stacked layers (default 1).</param>
        public RNNAttribute(long hiddenSize, long numLayers = 1)
        {
            HiddenSize = hiddenSize;
            NumLayers = numLayers;
        }

        /// <summary>Size of the hidden state.</summary>
        public long HiddenSize { get; }

        /// <summary>Number of stacked layers.</summary>
        public long NumLayers { get; }

        /// <summary>
        /// Whether a second layer reads each sequence backwards (PyTorch's <c>bidirectional</c>, default <c>false</c>): every
        /// step's output is the forward and backward hidden states side by side, <c>2 · hiddenSize</c> features, and each
        /// layer gets <c>_reverse</c> weights (<c>weight_ih_l0_reverse</c>, ...).
        /// </summary>
        public bool Bidirectional { get; set; }
    }

    /// <summary>Keeps the last time step of a sequence: <c>[steps, features]</c> becomes <c>[features]</c> (<c>x.select(1, -1)</c>).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LastStepAttribute : LayerAttribute
    {
    }
}
