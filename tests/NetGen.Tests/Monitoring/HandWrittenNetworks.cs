using System;
using System.Collections.Generic;
using NetGen.Monitoring;
using NetGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

// These modules are written by hand exactly as NetGen's generator is to emit them, following the contract in
// docs/gradient-monitoring.md ("Generated code contract"): the same fields and registrations as today's generated code,
// plus the Monitor built from a layer table in the constructor, WeightInit calls after the registrations, the Trainer
// with the clipping options, BeginForward and one Probe per layer in forward, and TrainStep forwarding to the Trainer.
// They stand in for networks declared with [GradientMonitor], [KaimingInit], [ClipGradNorm], ... until the generator
// emits these calls; then they are to be replaced by those declarations (and the tests kept).
// The benchmark project compiles this file too (benchmarks/NetGen.Benchmarks/Monitoring).
namespace NetGen.Tests.Monitoring
{
    /// <summary>
    /// What the generator emits for the seed's SimpleNet declared with <c>[GradientMonitor]</c>:
    /// <c>[Linear(784, 300), ReLU, BatchNorm] [Linear(300, 100), ReLU, BatchNorm] [Linear(100, 10)] [GradientMonitor]</c>.
    /// </summary>
    public sealed class MonitoredSimpleNet : nn.Module<Tensor, Tensor>
    {
        public readonly Linear fc1;
        public readonly BatchNorm1d bn1;
        public readonly Linear fc2;
        public readonly BatchNorm1d bn2;
        public readonly Linear fc3;

        public MonitoredSimpleNet()
            : base(nameof(MonitoredSimpleNet))
        {
            fc1 = torch.nn.Linear(784, 300, hasBias: true);
            bn1 = torch.nn.BatchNorm1d(300);
            fc2 = torch.nn.Linear(300, 100, hasBias: true);
            bn2 = torch.nn.BatchNorm1d(100);
            fc3 = torch.nn.Linear(100, 10, hasBias: true);
            register_module("fc1", fc1);
            register_module("bn1", bn1);
            register_module("fc2", fc2);
            register_module("bn2", bn2);
            register_module("fc3", fc3);
            Monitor = new GradientMonitor(this, new MonitoredLayer[]
            {
                new("fc1", LayerKind.Affine, fc1),
                new("relu1", LayerKind.ReLU),
                new("bn1", LayerKind.Normalization, bn1),
                new("fc2", LayerKind.Affine, fc2),
                new("relu2", LayerKind.ReLU),
                new("bn2", LayerKind.Normalization, bn2),
                new("fc3", LayerKind.Affine, fc3),
            }, new GradientMonitorOptions());
            Trainer = new TrainingStep(this, new TrainStepOptions { Monitor = Monitor });
        }

        /// <summary>Gradient health monitor ([GradientMonitor]).</summary>
        public GradientMonitor Monitor { get; }

        /// <summary>The training step behind <see cref="TrainStep(optim.Optimizer, Func{Tensor, Tensor, Tensor}, Tensor, Tensor)"/>.</summary>
        public TrainingStep Trainer { get; }

        public override Tensor forward(Tensor input)
        {
            Monitor.BeginForward();
            using var x1 = Monitor.Probe(0, fc1.call(input));
            using var x2 = Monitor.Probe(1, torch.nn.functional.relu(x1));
            using var x3 = Monitor.Probe(2, bn1.call(x2));
            using var x4 = Monitor.Probe(3, fc2.call(x3));
            using var x5 = Monitor.Probe(4, torch.nn.functional.relu(x4));
            using var x6 = Monitor.Probe(5, bn2.call(x5));
            return Monitor.Probe(6, fc3.call(x6));
        }

        public TrainStepResult TrainStep(optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target) =>
            Trainer.Run(optimizer, lossFn, input, target);

        public TrainStepResult TrainStep(optim.Optimizer optimizer, nn.Module<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target) =>
            Trainer.Run(optimizer, lossFn, input, target);
    }

    /// <summary>
    /// What the generator emits for the seed's DeepNet declared with <c>[GradientMonitor]</c>:
    /// <c>[Linear(100, 1000), ReLU] ×4 (1000 → 1000 after the first) [Linear(1000, 1)] [ClipGradNorm(1.0)] [GradientMonitor]</c>.
    /// </summary>
    public sealed class MonitoredDeepNet : nn.Module<Tensor, Tensor>
    {
        public readonly Linear fc1;
        public readonly Linear fc2;
        public readonly Linear fc3;
        public readonly Linear fc4;
        public readonly Linear fc5;

        public MonitoredDeepNet()
            : base(nameof(MonitoredDeepNet))
        {
            fc1 = torch.nn.Linear(100, 1000, hasBias: true);
            fc2 = torch.nn.Linear(1000, 1000, hasBias: true);
            fc3 = torch.nn.Linear(1000, 1000, hasBias: true);
            fc4 = torch.nn.Linear(1000, 1000, hasBias: true);
            fc5 = torch.nn.Linear(1000, 1, hasBias: true);
            register_module("fc1", fc1);
            register_module("fc2", fc2);
            register_module("fc3", fc3);
            register_module("fc4", fc4);
            register_module("fc5", fc5);
            Monitor = new GradientMonitor(this, new MonitoredLayer[]
            {
                new("fc1", LayerKind.Affine, fc1),
                new("relu1", LayerKind.ReLU),
                new("fc2", LayerKind.Affine, fc2),
                new("relu2", LayerKind.ReLU),
                new("fc3", LayerKind.Affine, fc3),
                new("relu3", LayerKind.ReLU),
                new("fc4", LayerKind.Affine, fc4),
                new("relu4", LayerKind.ReLU),
                new("fc5", LayerKind.Affine, fc5),
            }, new GradientMonitorOptions());
            Trainer = new TrainingStep(this, new TrainStepOptions { ClipNorm = 1.0, ClipNormType = 2.0, Monitor = Monitor });
        }

        /// <summary>Gradient health monitor ([GradientMonitor]).</summary>
        public GradientMonitor Monitor { get; }

        /// <summary>The training step behind <see cref="TrainStep(optim.Optimizer, Func{Tensor, Tensor, Tensor}, Tensor, Tensor)"/>.</summary>
        public TrainingStep Trainer { get; }

        public override Tensor forward(Tensor input)
        {
            Monitor.BeginForward();
            using var x1 = Monitor.Probe(0, fc1.call(input));
            using var x2 = Monitor.Probe(1, torch.nn.functional.relu(x1));
            using var x3 = Monitor.Probe(2, fc2.call(x2));
            using var x4 = Monitor.Probe(3, torch.nn.functional.relu(x3));
            using var x5 = Monitor.Probe(4, fc3.call(x4));
            using var x6 = Monitor.Probe(5, torch.nn.functional.relu(x5));
            using var x7 = Monitor.Probe(6, fc4.call(x6));
            using var x8 = Monitor.Probe(7, torch.nn.functional.relu(x7));
            return Monitor.Probe(8, fc5.call(x8));
        }

        public TrainStepResult TrainStep(optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target) =>
            Trainer.Run(optimizer, lossFn, input, target);

        public TrainStepResult TrainStep(optim.Optimizer optimizer, nn.Module<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target) =>
            Trainer.Run(optimizer, lossFn, input, target);
    }

    /// <summary>The activation of a <see cref="DeepMlp"/> block.</summary>
    public enum MlpActivation
    {
        ReLU,
        Sigmoid,
        Tanh,
    }

    /// <summary>
    /// The attributes a <see cref="DeepMlp"/> stands for: <paramref name="Depth"/> Linear layers of width <paramref name="Width"/>,
    /// each but the last followed by [BatchNorm] (when <paramref name="BatchNorm"/>) and the activation, a class-level init
    /// attribute (<see cref="NetGen.Init.None"/> for none), [ClipGradNorm] / [ClipGradValue] and [GradientMonitor(SampleEvery = ...)].
    /// </summary>
    public sealed record MlpDeclaration(
        int Depth,
        int Width,
        int Inputs,
        int Outputs,
        MlpActivation Activation,
        bool BatchNorm = false,
        Init Init = Init.None,
        double? ClipNorm = null,
        double ClipNormType = 2.0,
        double? ClipValue = null,
        int SampleEvery = 10);

    /// <summary>
    /// A deep MLP such as <c>[Linear(64, 64), BatchNorm, ReLU] × 19 [Linear(64, 10)] [KaimingInit(InitDistribution.Normal)] [GradientMonitor]</c>.
    /// The generator unrolls one field, one registration, one <c>WeightInit.Apply</c>, one table row and one <c>Probe</c> per
    /// layer; this stand-in makes the same calls in loops so that one class covers every depth the tests need.
    /// </summary>
    public sealed class DeepMlp : nn.Module<Tensor, Tensor>
    {
        private readonly List<(nn.Module<Tensor, Tensor>? Module, Func<Tensor, Tensor> Call)> layers = new();

        public DeepMlp(MlpDeclaration declaration)
            : base(nameof(DeepMlp))
        {
            Declaration = declaration;
            var table = new List<MonitoredLayer>();
            var counts = new Dictionary<string, int>();
            string Next(string prefix) => prefix + (counts[prefix] = counts.GetValueOrDefault(prefix) + 1);

            var linears = new List<Linear>();
            for (var i = 1; i <= declaration.Depth; i++)
            {
                var fc = torch.nn.Linear(i == 1 ? declaration.Inputs : declaration.Width, i == declaration.Depth ? declaration.Outputs : declaration.Width, hasBias: true);
                var name = Next("fc");
                register_module(name, fc);
                linears.Add(fc);
                layers.Add((fc, x => fc.call(x)));
                table.Add(new(name, LayerKind.Affine, fc));
                if (i == declaration.Depth)
                {
                    break;
                }

                if (declaration.BatchNorm)
                {
                    var bn = torch.nn.BatchNorm1d(declaration.Width);
                    var bnName = Next("bn");
                    register_module(bnName, bn);
                    layers.Add((bn, x => bn.call(x)));
                    table.Add(new(bnName, LayerKind.Normalization, bn));
                }

                switch (declaration.Activation)
                {
                    case MlpActivation.ReLU:
                        layers.Add((null, x => torch.nn.functional.relu(x)));
                        table.Add(new(Next("relu"), LayerKind.ReLU));
                        break;
                    case MlpActivation.Sigmoid:
                        layers.Add((null, x => torch.nn.functional.sigmoid(x)));
                        table.Add(new(Next("sigmoid"), LayerKind.Activation));
                        break;
                    default:
                        layers.Add((null, x => torch.nn.functional.tanh(x)));
                        table.Add(new(Next("tanh"), LayerKind.Activation));
                        break;
                }
            }

            // The gain comes from the activation after each Linear, looking through BatchNorm; the output layer has none.
            var following = declaration.Activation switch
            {
                MlpActivation.ReLU => Nonlinearity.ReLU,
                MlpActivation.Sigmoid => Nonlinearity.Sigmoid,
                _ => Nonlinearity.Tanh,
            };
            for (var i = 0; i < linears.Count; i++)
            {
                WeightInit.Apply(linears[i], declaration.Init, i == linears.Count - 1 ? Nonlinearity.Identity : following);
            }

            Monitor = new GradientMonitor(this, table, new GradientMonitorOptions { SampleEvery = declaration.SampleEvery });
            Trainer = new TrainingStep(this, new TrainStepOptions
            {
                ClipNorm = declaration.ClipNorm,
                ClipNormType = declaration.ClipNormType,
                ClipValue = declaration.ClipValue,
                Monitor = Monitor,
            });
            Linears = linears;
        }

        public MlpDeclaration Declaration { get; }

        /// <summary>The Linear layers, fc1 first (the generated code has them as fields).</summary>
        public IReadOnlyList<Linear> Linears { get; }

        /// <summary>Gradient health monitor ([GradientMonitor]).</summary>
        public GradientMonitor Monitor { get; }

        /// <summary>The training step behind <see cref="TrainStep(optim.Optimizer, Func{Tensor, Tensor, Tensor}, Tensor, Tensor)"/>.</summary>
        public TrainingStep Trainer { get; }

        public override Tensor forward(Tensor input)
        {
            Monitor.BeginForward();

            // Generated code: using var x1 = Monitor.Probe(0, fc1.call(input)); ... return Monitor.Probe(n - 1, fcN.call(x));
            var x = input;
            for (var i = 0; i < layers.Count; i++)
            {
                var next = Monitor.Probe(i, layers[i].Call(x));
                if (!ReferenceEquals(x, input))
                {
                    x.Dispose();
                }

                x = next;
            }

            return x;
        }

        public TrainStepResult TrainStep(optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target) =>
            Trainer.Run(optimizer, lossFn, input, target);
    }
}
