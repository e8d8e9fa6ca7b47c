using System;
using System.Collections.Generic;
using NetGen.Generator.Catalog;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// The gradient through time of RNN (tanh), LSTM and GRU layers at PyTorch's default initialisation (every weight and
    /// bias uniform on ±1/√hidden, so variance v = 1/(3·hidden)): the ratio ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ of the gradient reaching
    /// the first input step to the one reaching the last, for a loss on the last step's output (<c>LastStep</c>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Forward, step by step from zero states, the second moments of the gates' pre-activations (Gaussian, variance
    /// fanIn·v·E[x²] + hidden·v·E[h²] + 2v), of the cell and of the hidden state; stacked layers take the layer below's
    /// E[h_t²] as their input's. Backward, step by step, the second moment of the gradient of the recurrent state: for an
    /// RNN, E[δh_{t−1}²] = hidden·v·E[tanh'²]·E[δh_t²] (mean field, as for a stack of dense layers); the gradient of
    /// each input step is W_ih's transpose applied to its gates' gradients.
    /// </para>
    /// <para>
    /// Gated cells add an element-wise path (the cell's forget gate f for LSTM, the update gate z for GRU) to the path
    /// through W_hh. Mean field adds the two paths' second moments, but W_hh is the same matrix at every step, so the part
    /// of the gradient along its leading eigenvector (eigenvalue about √(hidden·v), the circular law) adds to the
    /// element-wise path coherently: a cross term 2·E[f]·E[path through W_hh]·λ per step (λ = 0.9·√(hidden·v), see
    /// <see cref="CoherentEigenvalueShare"/>), whose weight builds
    /// up from 0 at the loss as 1 − ρᵏ, ρ the mean-field share of the step's factor. Measured on LSTM(32), 20 steps: the
    /// cross term is 3% of the cell gradient one step from the loss and 10% from 8 steps on; without it the per-step factor
    /// is predicted 0.53 against 0.63 measured.
    /// </para>
    /// <para>
    /// Stacked layers: the gradient reaching layer l's state at step t is its own recurrent path plus what the layer above
    /// sends down through its W_ih at that step, and mean field adds the two. Between gated layers that misses one
    /// coherence: the layer above carries its gradient element-wise from step to step (forget gate, update gate), and the
    /// same W_ih maps it down at every step, so consecutive injections are strongly correlated; the lower layer carries
    /// the earlier injections element-wise too, so each fresh injection adds to that carried part coherently, a cross term
    /// 2·κ·√(injected·carried) per step. κ = <see cref="StackedInjectionCorrelation"/> is calibrated, not derived. A plain
    /// RNN has no element-wise path: its gradient turns through a fresh product with W_hh at every step, and mean field
    /// holds for stacks of them.
    /// </para>
    /// <para>
    /// Declined: a recurrent layer anywhere but first, networks where anything but the recurrent layers comes before
    /// <c>LastStep</c>, and bidirectional layers.
    /// </para>
    /// </remarks>
    internal static class RecurrentFlow
    {
        private const int Nodes = 48;

        /// <summary>
        /// The coherent path runs along the eigenvector of W_hh whose eigenvalue has the largest real part; for a finite
        /// matrix that part lies below the circular law's radius √(hidden·v). Calibrated on one network: in LSTM(32) over
        /// 20 steps (PyTorch, seed 1) the cross term settles at 0.103 of the cell gradient's second moment per step, where
        /// the full radius gives 0.115.
        /// </summary>
        internal const double CoherentEigenvalueShare = 0.9;

        /// <summary>
        /// The correlation with which a gated layer's injection from the gated layer above adds to the gradient its
        /// element-wise path carries (see the remarks). Calibrated: fitted by hand on stacked LSTM(32) and GRU(32) of 2 to
        /// 4 layers over 5 to 30 steps, measured in PyTorch (6 seeds); without the term mean field predicts those 1.7 to 30
        /// times too low, growing with layers and steps; with 0.6 all are within a factor 1.6.
        /// </summary>
        internal const double StackedInjectionCorrelation = 0.6;

        private static readonly (double[] Nodes, double[] Weights) Rule = GaussHermite.StandardNormal(Nodes);

        /// <summary>The prediction for a network that starts with recurrent layers followed by <c>LastStep</c>, or null.</summary>
        public static RecurrentPrediction? Predict(ParsedNetwork network)
        {
            if (network.Model is not { } model || model.InputShape.Rank != 2 || network.Layers.Count != model.Layers.Count)
            {
                return null;
            }

            var layers = new List<(string Kind, long Hidden, int Source)>();
            var i = 0;
            for (; i < network.Layers.Count && network.Layers[i].Definition.Role == LayerRole.Recurrent; i++)
            {
                var layer = network.Layers[i];
                var arguments = LayerArguments.From(layer.Attribute);
                var hidden = arguments.Long("hiddenSize") ?? 0;
                var count = arguments.Long("numLayers") ?? 1;

                // A bidirectional layer's backward direction reaches LastStep after one step of its own: the time model,
                // one chain of steps from the first input to the loss, does not describe it.
                if (hidden < 1 || count < 1 || count > 64 || arguments.Bool("Bidirectional", false))
                {
                    return null;
                }

                for (var k = 0; k < count; k++)
                {
                    layers.Add((layer.Definition.AttributeName, hidden, i));
                }
            }

            if (layers.Count == 0 || i >= network.Layers.Count || network.Layers[i].Definition.AttributeName != "LastStep")
            {
                return null;
            }

            var steps = model.InputShape.Dims[0];
            if (steps < 2 || steps > 100_000)
            {
                return null;
            }

            var (ratio, weightRatio) = Ratios(layers, model.InputShape.Dims[1], (int)steps);
            return double.IsNaN(ratio) ? null : new RecurrentPrediction(layers[0].Kind, layers.Count, steps, ratio, layers[0].Source, layers[layers.Count - 1].Source)
            {
                WeightRatio = weightRatio,
            };
        }

        /// <summary>The time ratio and, for two or more layers, the first layer's weight-gradient norm over the last one's (NaN otherwise).</summary>
        private static (double Time, double Weight) Ratios(List<(string Kind, long Hidden, int Source)> layers, long inputs, int steps)
        {
            // Forward: per layer, per step.
            var stats = new List<Gates[]>(layers.Count);
            var input = new double[steps];
            for (var t = 0; t < steps; t++)
            {
                input[t] = 1;
            }

            var fanIn = (double)inputs;
            foreach (var (kind, hidden, _) in layers)
            {
                var v = 1.0 / (3 * hidden);
                var perStep = new Gates[steps];
                double h2 = 0, c2 = 0;
                var output = new double[steps];
                for (var t = 0; t < steps; t++)
                {
                    var q = (fanIn * v * input[t]) + (hidden * v * h2) + (2 * v);
                    var g = new Gates { Input2 = input[t], PreviousHidden2 = h2 };
                    switch (kind)
                    {
                        case "RNN":
                            g.TanhDerivative2 = Expect(q, z => Square(1 - Square(Math.Tanh(z))));
                            h2 = Expect(q, z => Square(Math.Tanh(z)));
                            break;
                        case "LSTM":
                            g.Sigmoid1 = Expect(q, Sigmoid);
                            g.Sigmoid2 = Expect(q, z => Square(Sigmoid(z)));
                            g.Tanh2 = Expect(q, z => Square(Math.Tanh(z)));
                            g.SigmoidDerivative2 = Expect(q, z => Square(Sigmoid(z) * (1 - Sigmoid(z))));
                            g.TanhDerivative1 = Expect(q, z => 1 - Square(Math.Tanh(z)));
                            g.TanhDerivative2 = Expect(q, z => Square(1 - Square(Math.Tanh(z))));
                            g.PreviousCell2 = c2;
                            c2 = (g.Sigmoid2 * c2) + (g.Sigmoid2 * g.Tanh2);
                            g.CellTanh2 = Expect(c2, z => Square(Math.Tanh(z)));
                            g.CellTanhDerivative1 = Expect(c2, z => 1 - Square(Math.Tanh(z)));
                            g.CellTanhDerivative2 = Expect(c2, z => Square(1 - Square(Math.Tanh(z))));
                            h2 = g.Sigmoid2 * g.CellTanh2;
                            break;
                        default: // GRU: r, z over q; n over q_n = fanIn·v·E[x²] + v + E[r²]·(hidden·v·E[h²] + v).
                            g.HiddenProjection = (hidden * v * h2) + v;
                            g.Sigmoid1 = Expect(q, Sigmoid);
                            g.Sigmoid2 = Expect(q, z => Square(Sigmoid(z)));
                            g.SigmoidDerivative2 = Expect(q, z => Square(Sigmoid(z) * (1 - Sigmoid(z))));
                            g.OneMinusSigmoid2 = Expect(q, z => Square(1 - Sigmoid(z)));
                            var qn = (fanIn * v * input[t]) + v + (g.Sigmoid2 * g.HiddenProjection);
                            g.Tanh2 = Expect(qn, z => Square(Math.Tanh(z)));
                            g.TanhDerivative1 = Expect(qn, z => 1 - Square(Math.Tanh(z)));
                            g.TanhDerivative2 = Expect(qn, z => Square(1 - Square(Math.Tanh(z))));
                            h2 = (g.OneMinusSigmoid2 * g.Tanh2) + (g.Sigmoid2 * h2);
                            break;
                    }

                    output[t] = h2;
                    perStep[t] = g;
                }

                stats.Add(perStep);
                input = output;
                fanIn = hidden;
            }

            // Backward: the loss's gradient enters the top layer's last step.
            var weights = new double[layers.Count];
            var injected = new double[steps];
            injected[steps - 1] = 1;
            double[] inputGradient = injected;
            for (var l = layers.Count - 1; l >= 0; l--)
            {
                var (kind, hidden, _) = layers[l];
                var v = 1.0 / (3 * hidden);
                var r = CoherentEigenvalueShare * Math.Sqrt(hidden * v);
                var perStep = stats[l];
                inputGradient = new double[steps];
                var below = l < layers.Count - 1 && layers[l + 1].Kind != "RNN";
                double recurrent = 0, cell = 0, cross = 0, coherence = 0, carried = 0;
                for (var t = steps - 1; t >= 0; t--)
                {
                    var g = perStep[t];
                    var dh = injected[t] + recurrent;
                    if (below && kind == "GRU")
                    {
                        // The update gate's element-wise path carries the previous injection; this one is correlated with it.
                        dh += 2 * StackedInjectionCorrelation * Math.Sqrt(injected[t] * carried);
                    }

                    double gates;
                    var hiddenGates = -1.0;
                    switch (kind)
                    {
                        case "RNN":
                            gates = dh * g.TanhDerivative2;
                            recurrent = hidden * v * gates;
                            break;
                        case "LSTM":
                        {
                            var fresh = dh * g.Sigmoid2 * g.CellTanhDerivative2;
                            var old = cell * g.Sigmoid2;
                            if (below)
                            {
                                // The forget gate's element-wise path carries the earlier injections; this one is correlated with them.
                                fresh += 2 * StackedInjectionCorrelation * Math.Sqrt(injected[t] * g.Sigmoid2 * g.CellTanhDerivative2 * old);
                            }

                            var rho = cross > 0 ? (fresh + old) / (fresh + old + cross) : 1;
                            var built = 1 - ((1 - coherence) * rho);
                            var dc = fresh + old + (cross * built);
                            coherence = dc > 0 ? built * (dc - (injected[t] * g.Sigmoid2 * g.CellTanhDerivative2)) / dc : 0;
                            gates = (dc * g.Tanh2 * g.SigmoidDerivative2) + (dc * g.PreviousCell2 * g.SigmoidDerivative2) +
                                (dc * g.Sigmoid2 * g.TanhDerivative2) + (dh * g.CellTanh2 * g.SigmoidDerivative2);
                            recurrent = hidden * v * gates;
                            cell = dc;

                            // The forget gate's mean times the path through W_hh's leading eigenvalue: o·tanh'(c) of the
                            // previous step, i·tanh'(g) of this one.
                            var previous = t > 0 ? perStep[t - 1] : g;
                            cross = 2 * g.Sigmoid1 * previous.Sigmoid1 * previous.CellTanhDerivative1 * r * g.Sigmoid1 * g.TanhDerivative1 * dc;
                            break;
                        }

                        default:
                        {
                            var dn = dh * g.OneMinusSigmoid2 * g.TanhDerivative2;
                            var dz = dh * (g.PreviousHidden2 + g.Tanh2) * g.SigmoidDerivative2;
                            var dr = dn * g.HiddenProjection * g.SigmoidDerivative2;
                            gates = dz + dr + dn;
                            hiddenGates = dz + dr + (dn * g.Sigmoid2);
                            var meanField = (dh * g.Sigmoid2) + (hidden * v * (dz + dr + (dn * g.Sigmoid2)));
                            var full = 2 * g.Sigmoid1 * r * g.Sigmoid1 * (1 - g.Sigmoid1) * g.TanhDerivative1 * dh;
                            coherence = dh > 0 ? coherence * (dh - injected[t]) / dh : 0;
                            coherence = 1 - ((1 - coherence) * meanField / (meanField + full));
                            recurrent = meanField + (full * coherence);
                            carried = dh * g.Sigmoid2;
                            break;
                        }
                    }

                    inputGradient[t] = hidden * v * gates;

                    // The weights' gradient: each step's gate gradients times that step's input and previous hidden state
                    // (GRU's candidate sees W_hh·h through the reset gate), plus both biases; steps add in mean field.
                    hiddenGates = hiddenGates < 0 ? gates : hiddenGates;
                    weights[l] += hidden * ((gates * ((FanInOf(l) * g.Input2) + 1)) + (hiddenGates * ((hidden * g.PreviousHidden2) + 1)));
                }

                injected = inputGradient;
            }

            var last = inputGradient[steps - 1];
            var time = last > 0 && inputGradient[0] >= 0 ? Math.Sqrt(inputGradient[0] / last) : double.NaN;
            var weight = layers.Count > 1 && weights[layers.Count - 1] > 0 ? Math.Sqrt(weights[0] / weights[layers.Count - 1]) : double.NaN;
            return (time, weight);

            double FanInOf(int l) => l == 0 ? inputs : layers[l - 1].Hidden;
        }

        private static double Expect(double variance, Func<double, double> f)
        {
            var s = Math.Sqrt(Math.Max(variance, 0));
            double sum = 0;
            for (var k = 0; k < Nodes; k++)
            {
                sum += Rule.Weights[k] * f(s * Rule.Nodes[k]);
            }

            return sum;
        }

        private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

        private static double Square(double x) => x * x;

        /// <summary>One step's forward expectations; which ones are set depends on the cell.</summary>
        private sealed class Gates
        {
            public double Sigmoid1;
            public double Sigmoid2;
            public double SigmoidDerivative2;
            public double OneMinusSigmoid2;
            public double Tanh2;
            public double TanhDerivative1;
            public double TanhDerivative2;
            public double CellTanh2;
            public double CellTanhDerivative1;
            public double CellTanhDerivative2;
            public double PreviousCell2;
            public double PreviousHidden2;
            public double Input2;
            public double HiddenProjection;
        }
    }

    /// <summary>What <see cref="RecurrentFlow.Predict"/> predicts for a recurrent network.</summary>
    /// <param name="Kind">RNN, LSTM or GRU.</param>
    /// <param name="Layers">Stacked recurrent layers, counting each one's numLayers.</param>
    /// <param name="Steps">The sequence length.</param>
    /// <param name="TimeRatio">‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ at initialisation.</param>
    /// <param name="FirstSource">Index of the first recurrent layer's declaration.</param>
    /// <param name="LastSource">Index of the last recurrent layer's declaration.</param>
    internal sealed record RecurrentPrediction(string Kind, int Layers, long Steps, double TimeRatio, int FirstSource, int LastSource)
    {
        /// <summary>The predicted factor per time step, TimeRatio^(1/(T − 1)).</summary>
        public double PerStep => Math.Pow(TimeRatio, 1.0 / (Steps - 1));

        /// <summary>
        /// For two or more stacked layers, the first layer's weight-gradient norm (weight_ih, weight_hh and both biases)
        /// over the last one's at initialisation; NaN for a single layer.
        /// </summary>
        public double WeightRatio { get; init; } = double.NaN;
    }
}
