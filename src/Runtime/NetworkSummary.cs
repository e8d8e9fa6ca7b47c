using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen
{
    /// <summary>
    /// A network's layers, output shapes and parameter counts, computed at compile time by NetGen from the
    /// layer attributes: what Keras's <c>model.summary()</c> or torchinfo show, available before anything runs.
    /// Every generated network exposes one as its static <c>Summary</c> property.
    /// </summary>
    public sealed class NetworkSummary
    {
        private readonly string _table;

        /// <summary>Creates a summary; generated code calls this with values computed at compile time.</summary>
        /// <param name="network">The network class's name.</param>
        /// <param name="inputShape">The shape of one input sample, without the batch dimension.</param>
        /// <param name="layers">The layers in forward order.</param>
        /// <param name="table">The summary as a text table in Keras's layout.</param>
        public NetworkSummary(string network, long[] inputShape, IReadOnlyList<LayerSummary> layers, string table)
        {
            Network = network;
            InputShape = inputShape;
            Layers = layers;
            _table = table;
        }

        /// <summary>The network class's name.</summary>
        public string Network { get; }

        /// <summary>The shape of one input sample, without the batch dimension.</summary>
        public IReadOnlyList<long> InputShape { get; }

        /// <summary>The layers in forward order.</summary>
        public IReadOnlyList<LayerSummary> Layers { get; }

        /// <summary>All parameters, trainable or not.</summary>
        public long TotalParameters => Layers.Sum(l => l.Parameters);

        /// <summary>Parameters that receive gradients.</summary>
        public long TrainableParameters => Layers.Where(l => l.Trainable).Sum(l => l.Parameters);

        /// <summary>
        /// Whether the class writes its own <c>forward</c> (docs/architectures.md, "Anything else: your own forward"): the layers
        /// are checked one by one as declared, not along the data flow, and <see cref="OutputShape"/> is the last declared layer's,
        /// which the user's forward need not return.
        /// </summary>
        public bool ForwardIsUserWritten { get; init; }

        /// <summary>The shape of one output sample: the last layer's output shape.</summary>
        public IReadOnlyList<long> OutputShape => Layers.Count == 0 ? InputShape : Layers[Layers.Count - 1].OutputShape;

        /// <summary>The layer called <paramref name="name"/>.</summary>
        /// <param name="name">A layer name such as <c>fc1</c>.</param>
        /// <exception cref="KeyNotFoundException">No layer has that name.</exception>
        public LayerSummary this[string name] =>
            Layers.FirstOrDefault(l => l.Name == name) ?? throw new KeyNotFoundException($"{Network} has no layer named '{name}'.");

        /// <summary>The summary as a text table in the layout of Keras's <c>model.summary()</c>.</summary>
        public override string ToString() => _table;

        /// <summary>The generated static <c>Summary</c> of a network class, or null when it has none (or is a shell, whose members throw).</summary>
        internal static NetworkSummary? Of(Type network)
        {
            try
            {
                return network.GetProperty("Summary", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null) as NetworkSummary;
            }
            catch (System.Reflection.TargetInvocationException)
            {
                return null;
            }
        }

        /// <summary>Why NetGen has no graph of a network whose forward is user-written, for the targets that need one.</summary>
        internal static string UserForwardMessage(Type network, string target) =>
            $"{network.Name} writes its own forward, and NetGen generates {target} only from the layer attributes: it does not trace code. "
            + "Declare the data flow with attributes (Block, Residual with Shortcut, Branches) so NetGen generates forward, or write the " + target + " by hand.";
    }

    /// <summary>One layer of a <see cref="NetworkSummary"/>.</summary>
    /// <param name="Name">The layer's name: its field and <c>state_dict()</c> prefix for layers with parameters.</param>
    /// <param name="Type">The layer's attribute name, such as <c>Linear</c> or <c>ReLU</c>.</param>
    /// <param name="OutputShape">The shape of one output sample, without the batch dimension.</param>
    /// <param name="Parameters">The layer's parameter count.</param>
    /// <param name="Trainable">Whether those parameters receive gradients.</param>
    /// <param name="PredictedGradientScale">For a layer with weights (Linear, convolution, a block holding them): its
    /// weight-gradient norm at initialisation relative to the network's last such layer, as NetGen predicts it at compile
    /// time (mean-field signal propagation; NG0001 warns below 1e-3, NG0002 above 70). For a recurrent layer: the gradient
    /// reaching its first time step relative to the one reaching its last. <c>null</c> for layers without weights and where
    /// NetGen declines to predict.</param>
    public sealed record LayerSummary(string Name, string Type, IReadOnlyList<long> OutputShape, long Parameters, bool Trainable, double? PredictedGradientScale = null);
}
