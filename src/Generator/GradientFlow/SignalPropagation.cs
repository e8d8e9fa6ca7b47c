using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace NetGen.Generator.GradientFlow
{
    /// <summary>
    /// Predicts, from the declared layers alone, how large each dense layer's weight gradient is at
    /// initialisation relative to the others: mean-field signal propagation (Poole et al. 2016;
    /// Schoenholz et al. 2017) carried on a two-dimensional Gaussian grid.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Between two dense layers a unit's value is a function of two independent standard normals: u, the
    /// unit's own offset (the part shared by all samples, which random weights and biases give every unit), and
    /// v, the sample's fluctuation. A dense layer's output is Gaussian, √q_c·u + √q_w·v, with
    /// q_c = fanIn·Var(W)·E_u[(E_v a)²] + Var(b) and q_w = fanIn·Var(W)·(E[a²] − E_u[(E_v a)²]).
    /// Activations transform the values node by node; BatchNorm subtracts each unit's mean over the samples
    /// and divides by its standard deviation (so it sees through the offset u, which a one-dimensional
    /// recursion on q alone cannot). Expectations are Gauss–Hermite sums over the u×v grid.
    /// </para>
    /// <para>
    /// Backward, the gradient's second moment per unit, d, is multiplied by fanOut·Var(W) through a dense layer
    /// and by E[J²] through the element-wise chain before it, where J is the chain's derivative at each grid
    /// node (the product of the activations' derivatives and BatchNorm's 1/σ). The part of the gradient shared
    /// by the samples of a batch, d₁₂, follows the same path with E_u[(E_v J)²] instead of E[J²]; BatchNorm removes
    /// it (its backward subtracts the batch mean). A dense layer's batch weight gradient then has
    /// E‖∇W‖² ∝ fanOut·fanIn·(d·E[a²] + (B − 1)·d₁₂·E_u[(E_v a)²]), with d₁₂/d at the output given by the
    /// <see cref="OutputLoss"/>. A residual connection adds the branch's gradient to the identity path's and the
    /// branch's output to its input; the sum is carried on as a Gaussian.
    /// </para>
    /// <para>
    /// Assumed: inputs with zero mean and unit variance per feature and independent samples; weights
    /// independent of the backward signal (the usual mean-field assumptions); a batch large enough for
    /// BatchNorm's statistics. Not modelled: the finite-width spread from seed to seed (narrow, deep ReLU stacks
    /// vary by an order of magnitude) and BatchNorm's projection of the gradient off its normalised output.
    /// </para>
    /// </remarks>
    internal static class SignalPropagation
    {
        /// <summary>Grid size per dimension: 32 nodes keep the quadrature error below 10% even for ReLU's kink
        /// on 20-layer stacks (measured against 96 nodes), far below the model's own error.</summary>
        public const int Nodes = 32;

        /// <summary>MethodImplOptions.AggressiveOptimization (absent from netstandard2.0): the grid loops run in a
        /// cold compiler process, where tiered compilation would first run them unoptimised.</summary>
        internal const MethodImplOptions Hot = (MethodImplOptions)512;

        private static readonly (double[] Nodes, double[] Weights) Rule = GaussHermite.StandardNormal(Nodes);

        /// <summary>Propagates a network whose input has <paramref name="inputFeatures"/> unit-variance features.</summary>
        /// <param name="loss">How the output gradient is shared across a batch; by default what
        /// <see cref="OutputLoss.ForOutputs"/> assumes for the network's output size.</param>
        public static GradientFlowPrediction Predict(long inputFeatures, IReadOnlyList<SignalStep> steps, OutputLoss? loss = null)
        {
            var dense = new List<DenseNode>();
            var state = Grid.Input();
            var block = Forward(steps, state, inputFeatures, dense, out var outputs);
            var (m2, mc) = state.Moments();
            loss ??= OutputLoss.ForOutputs(outputs);
            var sharedRatio = loss.SharedRatio(outputs, mc, m2 - mc);
            Backward(block, 0.0, sharedRatio, loss.BatchSize);

            var layers = new List<DenseGradient>(dense.Count);
            foreach (var node in dense)
            {
                layers.Add(new DenseGradient(
                    node.Step.Source,
                    node.Step.InFeatures,
                    node.Step.OutFeatures,
                    node.InputSecondMoment,
                    node.OutputVariance,
                    node.OutputSharedVariance,
                    node.LogNormSquared,
                    Math.Log(node.Step.BackwardFanOut * node.Step.WeightVariance) + node.Chain.LogFactor,
                    node.Chain.Sources));
            }

            return new GradientFlowPrediction(layers, loss);
        }

        private static Block Forward(IReadOnlyList<SignalStep> steps, Grid state, long features, List<DenseNode> dense, out long outFeatures)
        {
            var block = new Block();
            var chain = new List<int>();
            foreach (var step in steps)
            {
                switch (step)
                {
                    case DenseStep d:
                        if (d.InFeatures != features)
                        {
                            throw new ArgumentException($"A dense step expects {d.InFeatures} features, but {features} arrive.", nameof(steps));
                        }

                        var (m2, mc) = state.Moments();
                        var node = new DenseNode(d, m2, mc, state.Close(chain));
                        block.Nodes.Add(node);
                        dense.Add(node);
                        var qc = (d.ForwardFanIn * d.WeightVariance * mc) + d.BiasVariance;
                        var qw = d.ForwardFanIn * d.WeightVariance * Math.Max(m2 - mc, 0);
                        node.OutputVariance = qc + qw;
                        node.OutputSharedVariance = qc;
                        state.ResetGaussian(qc, qw);
                        features = d.OutFeatures;
                        chain.Clear();
                        break;
                    case ActivationStep a:
                        state.Apply(a.Activation);
                        chain.Add(a.Source);
                        break;
                    case BatchNormStep b:
                        state.Normalize(b.Epsilon);
                        chain.Add(b.Source);
                        break;
                    case LayerNormStep l:
                        state.LayerNormalize(l.Epsilon);
                        chain.Add(l.Source);
                        break;
                    case DropoutStep o:
                        state.Dropout(o.P);
                        chain.Add(o.Source);
                        break;
                    case PoolStep p:
                        state.Pool(p);
                        chain.Add(p.Source);
                        features = p.OutFeatures;
                        break;
                    case SequenceStep s:
                        var (m2s, mcs) = state.Moments();
                        var mus = state.Mean();
                        state.ResetGaussian(
                            (s.Keep * Math.Max(mcs - (mus * mus), 0)) + s.AddedOffset,
                            (s.Keep * Math.Max(m2s - mcs, 0)) + s.AddedSample,
                            s.MeanScale * mus);
                        chain.Clear();
                        features = s.OutFeatures;
                        break;
                    case ResidualStep r:
                        var residual = new ResidualNode(state.Close(chain));
                        block.Nodes.Add(residual);
                        var identity = state.Clone();
                        state.ResetJacobian();
                        residual.Branch = Forward(r.Branch, state, features, dense, out var branchFeatures);
                        var shortcutFeatures = features;
                        if (r.Shortcut is { } projection)
                        {
                            // A projection shortcut is a second branch from the same input: its own signal, its own gradient.
                            identity.ResetJacobian();
                            residual.Shortcut = Forward(projection, identity, features, dense, out shortcutFeatures);
                        }

                        if (branchFeatures != shortcutFeatures)
                        {
                            throw new ArgumentException($"A residual branch must end with the {shortcutFeatures} features of its shortcut, but it ends with {branchFeatures}.", nameof(steps));
                        }

                        features = branchFeatures;

                        // The branch output's fluctuations are uncorrelated with its input's (random weights), so their
                        // second moments and shared parts add. Their means over all units are not random, though: a branch
                        // ending in ReLU adds a positive mean to every unit, and block after block those means add
                        // coherently, 2·μx·μb each time. The sum is carried on as a Gaussian with that mean.
                        var (m2x, mcx) = identity.Moments();
                        var (m2b, mcb) = state.Moments();
                        var (mux, mub) = (identity.Mean(), state.Mean());
                        var mean = mux + mub;
                        var shared = mcx + mcb + (2 * mux * mub);
                        state.ResetGaussian(shared - (mean * mean), Math.Max(m2x + m2b + (2 * mux * mub) - shared, 0), mean);
                        chain.Clear();
                        break;
                    default:
                        throw new ArgumentException("Unknown signal step " + step.GetType().Name, nameof(steps));
                }
            }

            block.Trailing = state.Close(chain);
            outFeatures = features;
            return block;
        }

        /// <summary>
        /// Walks a block backwards from the log gradient second moment per output unit and the shared fraction
        /// d₁₂/d; returns both at the block's input.
        /// </summary>
        private static (double LogGradient, double SharedRatio) Backward(Block block, double logGradient, double shared, int batchSize)
        {
            (logGradient, shared) = block.Trailing.Through(logGradient, shared);
            for (var i = block.Nodes.Count - 1; i >= 0; i--)
            {
                switch (block.Nodes[i])
                {
                    case DenseNode d:
                        var step = d.Step;
                        d.LogNormSquared = Math.Log(step.WeightCount) + Math.Log(step.Positions) + logGradient +
                            Math.Log(d.InputSecondMoment + ((batchSize - 1) * shared * d.InputSharedMoment));
                        logGradient += Math.Log(step.BackwardFanOut * step.WeightVariance);
                        (logGradient, shared) = d.Chain.Through(logGradient, shared);
                        break;
                    case ResidualNode r:
                        var (branch, branchShared) = Backward(r.Branch!, logGradient, shared, batchSize);
                        var (direct, directShared) = r.Shortcut is { } projection ? Backward(projection, logGradient, shared, batchSize) : (logGradient, shared);
                        var total = LogAdd(direct, branch);
                        shared = (Math.Exp(direct - total) * directShared) + (Math.Exp(branch - total) * branchShared);
                        (logGradient, shared) = r.Chain.Through(total, shared);
                        break;
                }
            }

            return (logGradient, shared);
        }

        private static double LogAdd(double a, double b) =>
            a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));

        /// <summary>An element-wise chain between two dense (or residual) nodes, as the backward pass sees it.</summary>
        private sealed class Chain
        {
            public Chain(double logFactor, double sharedFactor, int[] sources)
            {
                LogFactor = logFactor;
                SharedFactor = sharedFactor;
                Sources = sources;
            }

            /// <summary>log E[J²].</summary>
            public double LogFactor { get; }

            /// <summary>E_u[(E_v J)²] / E[J²]: how much of the shared gradient survives; 0 after BatchNorm.</summary>
            public double SharedFactor { get; }

            public int[] Sources { get; }

            public (double LogGradient, double SharedRatio) Through(double logGradient, double shared) =>
                (logGradient + LogFactor, shared * SharedFactor);
        }

        private sealed class Block
        {
            public List<object> Nodes { get; } = new();

            public Chain Trailing { get; set; } = new(0, 1, Array.Empty<int>());
        }

        private sealed class DenseNode
        {
            public DenseNode(DenseStep step, double inputSecondMoment, double inputSharedMoment, Chain chain)
            {
                Step = step;
                InputSecondMoment = inputSecondMoment;
                InputSharedMoment = inputSharedMoment;
                Chain = chain;
            }

            public DenseStep Step { get; }

            /// <summary>E[a²] of one input feature.</summary>
            public double InputSecondMoment { get; }

            /// <summary>E_u[(E_v a)²]: the part of E[a²] shared by all samples.</summary>
            public double InputSharedMoment { get; }

            public double OutputVariance { get; set; }

            public double OutputSharedVariance { get; set; }

            /// <summary>The element-wise chain between the previous node and this one.</summary>
            public Chain Chain { get; }

            /// <summary>log E‖∇W‖², set by the backward pass.</summary>
            public double LogNormSquared { get; set; }
        }

        private sealed class ResidualNode
        {
            public ResidualNode(Chain chain) => Chain = chain;

            public Chain Chain { get; }

            public Block? Branch { get; set; }

            /// <summary>The projection shortcut; null for the identity.</summary>
            public Block? Shortcut { get; set; }
        }

        /// <summary>
        /// A unit's value F and the element-wise chain's derivative J at each (u, v) grid node, for each of a few
        /// weighted components. There is one component until a dropout splits each into a kept part (weight 1 − p,
        /// F and J scaled by 1/(1 − p)) and a dropped one (weight p, F = J = 0): the mask is independent of u and v, so
        /// the mixture is exact, and later element-wise layers see the dropped units' zeros as they really are.
        /// A dense layer collapses the mixture back to one Gaussian component.
        /// </summary>
        private sealed class Grid
        {
            private const int Size = Nodes * Nodes;

            private double[] _f;
            private double[] _j;
            private double[] _weights;

            /// <summary>BatchNorm in the current chain: its backward removes the gradient's shared part.</summary>
            private bool _centered;

            /// <summary>Pooling in the current chain replaces J by its per-unit root mean square, which would look fully
            /// shared by the batch; this is the fraction that really is.</summary>
            private double _sharedScale = 1;

            private Grid(double[] f, double[] j, double[] weights, bool centered)
            {
                _f = f;
                _j = j;
                _weights = weights;
                _centered = centered;
            }

            private int Components => _weights.Length;

            /// <summary>The network input: zero mean per feature, unit variance, independent samples: F = v.</summary>
            public static Grid Input()
            {
                var grid = new Grid(new double[Size], new double[Size], new[] { 1.0 }, false);
                grid.ResetGaussian(0, 1);
                return grid;
            }

            public Grid Clone() => new((double[])_f.Clone(), (double[])_j.Clone(), (double[])_weights.Clone(), _centered);

            /// <summary>F = μ + √q_c·u + √q_w·v: a Gaussian with per-unit offsets, per-sample fluctuations and a mean μ
            /// common to all units (zero after a dense layer, whose random weights leave no common mean).</summary>
            [MethodImpl(Hot)]
            public void ResetGaussian(double offsetVariance, double sampleVariance, double mean = 0)
            {
                if (Components != 1)
                {
                    _f = new double[Size];
                    _j = new double[Size];
                    _weights = new[] { 1.0 };
                }

                var su = Math.Sqrt(Math.Max(offsetVariance, 0));
                var sv = Math.Sqrt(Math.Max(sampleVariance, 0));
                for (var i = 0; i < Nodes; i++)
                {
                    for (var k = 0; k < Nodes; k++)
                    {
                        _f[(i * Nodes) + k] = mean + (su * Rule.Nodes[i]) + (sv * Rule.Nodes[k]);
                    }
                }

                ResetJacobian();
            }

            public void ResetJacobian()
            {
                for (var i = 0; i < _j.Length; i++)
                {
                    _j[i] = 1;
                }

                _centered = false;
                _sharedScale = 1;
            }

            [MethodImpl(Hot)]
            public void Apply(ActivationTerm activation)
            {
                var evaluate = activation.Evaluate;
                for (var i = 0; i < _f.Length; i++)
                {
                    _f[i] = evaluate(_f[i], out var derivative);
                    _j[i] *= derivative;
                }
            }

            /// <summary>Inverted dropout: every component splits into a kept and a dropped one (the dropped ones merge).</summary>
            public void Dropout(double p)
            {
                if (p == 0)
                {
                    return;
                }

                // Components already dropped (F = J = 0 everywhere) stay one component.
                var kept = new List<int>();
                var droppedWeight = 0.0;
                for (var c = 0; c < Components; c++)
                {
                    if (IsZero(c))
                    {
                        droppedWeight += _weights[c];
                    }
                    else
                    {
                        kept.Add(c);
                    }
                }

                var count = kept.Count + 1;
                var f = new double[count * Size];
                var j = new double[count * Size];
                var weights = new double[count];
                var scale = 1 / (1 - p);
                for (var n = 0; n < kept.Count; n++)
                {
                    var c = kept[n];
                    weights[n] = _weights[c] * (1 - p);
                    droppedWeight += _weights[c] * p;
                    for (var x = 0; x < Size; x++)
                    {
                        f[(n * Size) + x] = _f[(c * Size) + x] * scale;
                        j[(n * Size) + x] = _j[(c * Size) + x] * scale;
                    }
                }

                weights[kept.Count] = droppedWeight;
                _f = f;
                _j = j;
                _weights = weights;
            }

            private bool IsZero(int component)
            {
                for (var x = component * Size; x < (component + 1) * Size; x++)
                {
                    if (_f[x] != 0 || _j[x] != 0)
                    {
                        return false;
                    }
                }

                return true;
            }

            /// <summary>BatchNorm: per unit (row u), subtract the mean over samples and divide by the standard deviation.</summary>
            [MethodImpl(Hot)]
            public void Normalize(double epsilon)
            {
                for (var i = 0; i < Nodes; i++)
                {
                    double mean = 0, variance = 0;
                    for (var c = 0; c < Components; c++)
                    {
                        for (var k = 0; k < Nodes; k++)
                        {
                            mean += _weights[c] * Rule.Weights[k] * _f[(c * Size) + (i * Nodes) + k];
                        }
                    }

                    for (var c = 0; c < Components; c++)
                    {
                        for (var k = 0; k < Nodes; k++)
                        {
                            var centered = _f[(c * Size) + (i * Nodes) + k] - mean;
                            variance += _weights[c] * Rule.Weights[k] * centered * centered;
                        }
                    }

                    var scale = 1 / Math.Sqrt(variance + epsilon);
                    for (var c = 0; c < Components; c++)
                    {
                        for (var k = 0; k < Nodes; k++)
                        {
                            var x = (c * Size) + (i * Nodes) + k;
                            _f[x] = (_f[x] - mean) * scale;
                            _j[x] *= scale;
                        }
                    }
                }

                _centered = true;
            }

            /// <summary>
            /// LayerNorm: each sample's features are normalised by their mean and standard deviation across units. For a
            /// wide layer those are the mean and variance over the whole grid (all units u, all fluctuations v), the same
            /// for every sample; so forward F → (F − μ)/σ, and backward J is divided by σ. Its backward's projection off
            /// the normalised output removes two of the layer's directions, negligible for wide layers; it subtracts no
            /// batch mean, so the gradient's shared part survives.
            /// </summary>
            [MethodImpl(Hot)]
            public void LayerNormalize(double epsilon)
            {
                var (m2, _) = Moments(_f);
                var mean = Mean(_f);
                var scale = 1 / Math.Sqrt(Math.Max(m2 - (mean * mean), 0) + epsilon);
                for (var x = 0; x < _f.Length; x++)
                {
                    _f[x] = (_f[x] - mean) * scale;
                    _j[x] *= scale;
                }
            }

            /// <summary>
            /// Pooling within each channel, where a channel's positions share its offset u and differ by their own
            /// fluctuations v (taken as independent: at initialisation random kernels leave neighbouring positions
            /// uncorrelated on average). Max pooling: per row, the distribution of the maximum of n independent draws
            /// of (F, J) from the row's discrete distribution, exact for that distribution (P(max = F_k) = C_k^n − C_{k−1}^n);
            /// its gradient goes to the argmax only, so the gradient's second moment per input unit is the output's times
            /// outputs/inputs, and J is read at the maximum. Average pooling: the mean and the per-sample variance scale by
            /// the step's factors. Either way the row is carried on as a Gaussian with the row's mean and variance, and J
            /// as its root mean square per row.
            /// </summary>
            [MethodImpl(Hot)]
            public void Pool(PoolStep pool)
            {
                var count = Components * Nodes;
                var values = new double[count];
                var jacobians = new double[count];
                var weights = new double[count];
                var order = new int[count];
                var rows = new (double Mean, double Std, double J2)[Nodes];
                double sharedJ = 0, totalJ = 0;
                for (var i = 0; i < Nodes; i++)
                {
                    for (var c = 0; c < Components; c++)
                    {
                        for (var k = 0; k < Nodes; k++)
                        {
                            var n = (c * Nodes) + k;
                            values[n] = _f[(c * Size) + (i * Nodes) + k];
                            jacobians[n] = _j[(c * Size) + (i * Nodes) + k];
                            weights[n] = _weights[c] * Rule.Weights[k];
                            order[n] = n;
                        }
                    }

                    double mean = 0, square = 0, j1 = 0, j2 = 0;
                    if (pool.Max)
                    {
                        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
                        double cumulative = 0, previous = 0;
                        foreach (var n in order)
                        {
                            cumulative += weights[n];
                            var power = Math.Pow(Math.Min(cumulative, 1), pool.Window);
                            var p = power - previous;
                            previous = power;
                            mean += p * values[n];
                            square += p * values[n] * values[n];
                            j1 += p * jacobians[n];
                            j2 += p * jacobians[n] * jacobians[n];
                        }

                        j1 *= pool.BackwardFactor;
                        j2 *= pool.BackwardFactor;
                    }
                    else
                    {
                        for (var n = 0; n < count; n++)
                        {
                            mean += weights[n] * values[n];
                            square += weights[n] * values[n] * values[n];
                            j1 += weights[n] * jacobians[n];
                            j2 += weights[n] * jacobians[n] * jacobians[n];
                        }

                        var variance = Math.Max(square - (mean * mean), 0) * pool.VarianceFactor;
                        mean *= pool.MeanFactor;
                        square = variance + (mean * mean);
                        j2 *= pool.BackwardFactor;
                    }

                    // The gradient's part shared by the batch, per input unit: max pooling routes it with probability
                    // outputs/inputs (j1 is already scaled); average pooling passes each window's share, windows independent.
                    sharedJ += Rule.Weights[i] * (pool.Max ? j1 * j1 : j1 * j1 * pool.BackwardFactor);
                    totalJ += Rule.Weights[i] * j2;
                    rows[i] = (mean, Math.Sqrt(Math.Max(square - (mean * mean), 0)), j2);
                }

                var (scale, centered) = (_sharedScale, _centered);
                ResetGaussian(0, 0);
                for (var i = 0; i < Nodes; i++)
                {
                    for (var k = 0; k < Nodes; k++)
                    {
                        _f[(i * Nodes) + k] = rows[i].Mean + (rows[i].Std * Rule.Nodes[k]);
                        _j[(i * Nodes) + k] = Math.Sqrt(rows[i].J2);
                    }
                }

                // ResetGaussian reset the chain's flags; pooling continues the chain.
                var (j2Now, sharedNow) = Moments(_j);
                _sharedScale = scale * (totalJ > 0 && sharedNow > 0 ? (sharedJ / totalJ) / (sharedNow / j2Now) : 0);
                _centered = centered;
            }

            /// <summary>E[F²] over units and samples, and E_u[(E_v F)²], the part of it shared by all samples.</summary>
            public (double SecondMoment, double SharedMoment) Moments() => Moments(_f);

            /// <summary>Ends the current element-wise chain for the backward pass.</summary>
            public Chain Close(List<int> sources)
            {
                var (j2, shared) = Moments(_j);
                return new Chain(Math.Log(j2), _centered || j2 <= 0 ? 0 : Math.Min(_sharedScale * shared / j2, 1), sources.ToArray());
            }

            /// <summary>E[F] over units and samples: the mean common to all units.</summary>
            public double Mean() => Mean(_f);

            private double Mean(double[] values)
            {
                double mean = 0;
                for (var c = 0; c < Components; c++)
                {
                    for (var i = 0; i < Nodes; i++)
                    {
                        for (var k = 0; k < Nodes; k++)
                        {
                            mean += _weights[c] * Rule.Weights[i] * Rule.Weights[k] * values[(c * Size) + (i * Nodes) + k];
                        }
                    }
                }

                return mean;
            }

            [MethodImpl(Hot)]
            private (double SecondMoment, double SharedMoment) Moments(double[] values)
            {
                double m2 = 0, mc = 0;
                for (var i = 0; i < Nodes; i++)
                {
                    double mean = 0, square = 0;
                    for (var c = 0; c < Components; c++)
                    {
                        for (var k = 0; k < Nodes; k++)
                        {
                            var f = values[(c * Size) + (i * Nodes) + k];
                            var w = _weights[c] * Rule.Weights[k];
                            mean += w * f;
                            square += w * f * f;
                        }
                    }

                    m2 += Rule.Weights[i] * square;
                    mc += Rule.Weights[i] * mean * mean;
                }

                return (m2, mc);
            }
        }
    }

    /// <summary>The prediction for one dense layer.</summary>
    /// <param name="Source">Index of the declared layer.</param>
    /// <param name="InputSecondMoment">E[a²] of one input feature.</param>
    /// <param name="OutputVariance">Variance of one output feature (pre-activation), q.</param>
    /// <param name="OutputSharedVariance">The part of it shared by all samples, q_c: the variance of the units' offsets.</param>
    /// <param name="LogNormSquared">log E‖∇W‖² of a batch, up to a constant shared by all layers (the loss's scale).</param>
    /// <param name="LogGradientFactor">log of fanOut·Var(W)·E[J²], the factor by which the gradient's second moment
    /// changes from this layer's output back to the previous dense layer's output.</param>
    /// <param name="PrecedingChain">Sources of the element-wise layers between the previous dense layer and this one.</param>
    internal sealed record DenseGradient(
        int Source,
        long InFeatures,
        long OutFeatures,
        double InputSecondMoment,
        double OutputVariance,
        double OutputSharedVariance,
        double LogNormSquared,
        double LogGradientFactor,
        IReadOnlyList<int> PrecedingChain);

    /// <summary>What <see cref="SignalPropagation.Predict"/> predicts for a network.</summary>
    internal sealed class GradientFlowPrediction
    {
        public GradientFlowPrediction(IReadOnlyList<DenseGradient> layers, OutputLoss loss)
        {
            Layers = layers;
            Loss = loss;
        }

        /// <summary>The dense layers in declaration order (depth-first through residual branches).</summary>
        public IReadOnlyList<DenseGradient> Layers { get; }

        /// <summary>The output-gradient model the prediction assumed.</summary>
        public OutputLoss Loss { get; }

        /// <summary>The network has a residual connection.</summary>
        public bool HasResidual { get; private set; }

        public GradientFlowPrediction WithResidual(bool hasResidual)
        {
            HasResidual = hasResidual;
            return this;
        }

        /// <summary>The last affine layer's pre-activation variance over the first one's: how much the forward signal grows.</summary>
        public double ForwardGrowth =>
            Layers.Count < 2 || Layers[0].OutputVariance <= 0 ? 1.0 : Layers[Layers.Count - 1].OutputVariance / Layers[0].OutputVariance;

        /// <summary>‖∇W_i‖ / ‖∇W_last‖ for the i-th affine layer: the summary's gradient-scale column.</summary>
        public double RelativeToLast(int i) => Math.Exp((Layers[i].LogNormSquared - Layers[Layers.Count - 1].LogNormSquared) / 2);

        /// <summary>‖∇W_first‖ / ‖∇W_last‖, the first dense layer's weight-gradient norm over the last one's;
        /// 1 for a network with one dense layer.</summary>
        public double FirstToLastRatio =>
            Layers.Count < 2 ? 1.0 : Math.Exp((Layers[0].LogNormSquared - Layers[Layers.Count - 1].LogNormSquared) / 2);
    }
}
