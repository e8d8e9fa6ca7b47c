using TorchSharp;
using static TorchSharp.torch;

namespace NetGen
{
    /// <summary>
    /// Small pieces of glue that NetGen-generated <c>forward</c> methods call, so the generated code stays one
    /// readable line per layer and disposes every temporary it creates.
    /// </summary>
    public static class GeneratedLayers
    {
        /// <summary>A residual connection: returns <c>x + block(x)</c> and disposes the block's output.</summary>
        /// <param name="x">The input of the connection.</param>
        /// <param name="block">The block inside the connection; its output must have the shape of <paramref name="x"/>.</param>
        public static Tensor ResidualAdd(Tensor x, nn.Module<Tensor, Tensor> block)
        {
            using var fx = block.call(x);
            return x + fx;
        }

        /// <summary>A residual connection with a projection shortcut: returns <c>shortcut(x) + block(x)</c> and disposes both outputs.</summary>
        /// <param name="x">The input of the connection.</param>
        /// <param name="block">The block inside the connection.</param>
        /// <param name="shortcut">The projection (ResNet's downsample); its output has the shape of the block's.</param>
        public static Tensor ResidualAdd(Tensor x, nn.Module<Tensor, Tensor> block, nn.Module<Tensor, Tensor> shortcut)
        {
            using var fx = block.call(x);
            using var sx = shortcut.call(x);
            return fx + sx;
        }

        /// <summary>
        /// Looks token ids up in an embedding, after checking that they are integers: a float tensor here is almost always
        /// a network fed the wrong data, and libtorch's own message for it names no layer.
        /// </summary>
        /// <param name="tokens">Token ids, [batch, steps], of an integer type.</param>
        /// <param name="embedding">The embedding.</param>
        /// <param name="layer">The layer's name, for the message.</param>
        public static Tensor Embed(Tensor tokens, nn.Module<Tensor, Tensor> embedding, string layer)
        {
            if (tokens.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte))
            {
                throw new System.ArgumentException(
                    $"{layer} (Embedding) takes token ids of an integer type (int64, as torch.tensor(long[]) makes), but the input is {tokens.dtype}.",
                    nameof(tokens));
            }

            return embedding.call(tokens);
        }

        /// <summary>
        /// <c>torch.nn.GroupNorm</c> with PyTorch's initial affine parameters: scale 1 and shift 0 per channel. TorchSharp's
        /// constructor allocates them without initialising them, so without this they would start as whatever memory held.
        /// </summary>
        /// <param name="numGroups">Number of groups the channels are split into.</param>
        /// <param name="numChannels">Number of channels; a multiple of <paramref name="numGroups"/>.</param>
        /// <param name="eps">Added to the variance.</param>
        /// <param name="affine">Whether the layer has a learned scale and shift.</param>
        public static TorchSharp.Modules.GroupNorm GroupNorm(long numGroups, long numChannels, double eps, bool affine)
        {
            var norm = nn.GroupNorm(numGroups, numChannels, eps, affine);
            if (affine)
            {
                using var noGrad = torch.no_grad();
                nn.init.ones_(norm.weight);
                nn.init.zeros_(norm.bias!);
            }

            return norm;
        }

        /// <summary>Keeps an LSTM's output sequence and disposes its final hidden and cell states.</summary>
        /// <param name="result">What <c>LSTM.call(x, null)</c> returned: output, hidden state, cell state.</param>
        public static Tensor SequenceOutput((Tensor Output, Tensor Hidden, Tensor Cell) result)
        {
            result.Hidden.Dispose();
            result.Cell.Dispose();
            return result.Output;
        }

        /// <summary>
        /// <c>max_pool2d</c> over the last two dimensions. A window of 2 with a stride of 2 and no padding, on a contiguous
        /// float32 CPU tensor, runs NetGen's own kernel (the values and gradients of libtorch's, bit for bit, several times
        /// faster); anything else is libtorch's <c>max_pool2d</c>.
        /// </summary>
        /// <param name="x">[batch, channels, height, width] or [channels, height, width].</param>
        /// <param name="kernel">The window's height and width.</param>
        /// <param name="stride">The step between windows.</param>
        /// <param name="padding">Implicit negative infinity on each side.</param>
        public static Tensor MaxPool2d(Tensor x, long kernel, long stride, long padding) => Layers.MaxPooling.Pool2d(x, kernel, stride, padding);

        /// <summary>
        /// <c>max_pool1d</c> over the last dimension, with NetGen's own kernel for a window of 2, a stride of 2 and no padding
        /// on a contiguous float32 CPU tensor, as <see cref="MaxPool2d"/>.
        /// </summary>
        /// <param name="x">[batch, channels, length] or [channels, length].</param>
        /// <param name="kernel">The window's length.</param>
        /// <param name="stride">The step between windows.</param>
        /// <param name="padding">Implicit negative infinity on each side.</param>
        public static Tensor MaxPool1d(Tensor x, long kernel, long stride, long padding) => Layers.MaxPooling.Pool1d(x, kernel, stride, padding);

        /// <summary>Keeps a GRU's or RNN's output sequence and disposes its final hidden state.</summary>
        /// <param name="result">What <c>GRU.call(x, null)</c> or <c>RNN.call(x, null)</c> returned: output, hidden state.</param>
        public static Tensor SequenceOutput((Tensor Output, Tensor Hidden) result)
        {
            result.Hidden.Dispose();
            return result.Output;
        }
    }
}
