using System;
using System.Collections.Generic;
using NetGen.Generator.GradientFlow;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Tests.GradientFlow;

/// <summary>
/// A network written twice from one description: as signal-propagation steps for the predictor and as
/// hand-built TorchSharp modules for measurement. It covers what NetGen cannot declare yet (Xavier and
/// Kaiming initialisation, residual connections, LeakyReLU, ELU, GELU), so those predictor terms are checked
/// against real gradients before the layers exist.
/// </summary>
public sealed class HandNet
{
    private readonly List<SignalStep> _steps = new();
    private readonly List<Func<List<TorchSharp.Modules.Linear>, nn.Module<Tensor, Tensor>>> _modules = new();

    public HandNet(string name, long inFeatures)
    {
        Name = name;
        InFeatures = inFeatures;
        Features = inFeatures;
    }

    public string Name { get; }

    public long InFeatures { get; }

    public long Features { get; private set; }

    internal IReadOnlyList<SignalStep> Steps => _steps;

    public override string ToString() => Name;

    public HandNet Linear(long outFeatures, string init = "default")
    {
        var inFeatures = Features;
        var initialization = init switch
        {
            "default" => Initialization.PyTorchDefault,
            "xavier" => Initialization.Xavier(),
            "kaiming" => Initialization.Kaiming(),
            _ => throw new ArgumentException("unknown init " + init, nameof(init)),
        };
        _steps.Add(new DenseStep(inFeatures, outFeatures, initialization));
        _modules.Add(linears =>
        {
            var linear = nn.Linear(inFeatures, outFeatures);
            linears.Add(linear);
            using var noGrad = torch.no_grad();
            if (init == "xavier")
            {
                nn.init.xavier_uniform_(linear.weight!);
                nn.init.zeros_(linear.bias!);
            }
            else if (init == "kaiming")
            {
                nn.init.kaiming_normal_(linear.weight!);
                nn.init.zeros_(linear.bias!);
            }

            return linear;
        });
        Features = outFeatures;
        return this;
    }

    public HandNet Activation(string name)
    {
        var (term, module) = name switch
        {
            "ReLU" => (ActivationTerm.ReLU, (Func<nn.Module<Tensor, Tensor>>)(() => nn.ReLU())),
            "Sigmoid" => (ActivationTerm.Sigmoid, () => nn.Sigmoid()),
            "Tanh" => (ActivationTerm.Tanh, () => nn.Tanh()),
            "LeakyReLU" => (ActivationTerm.LeakyReLU(), () => nn.LeakyReLU(0.01)),
            "ELU" => (ActivationTerm.ELU(), () => nn.ELU()),
            "GELU" => (ActivationTerm.GELU, () => nn.GELU()),
            _ => throw new ArgumentException("unknown activation " + name, nameof(name)),
        };
        _steps.Add(new ActivationStep(term));
        _modules.Add(_ => module());
        return this;
    }

    public HandNet BatchNorm()
    {
        var features = Features;
        _steps.Add(new BatchNormStep());
        _modules.Add(_ => nn.BatchNorm1d(features));
        return this;
    }

    /// <summary>y = x + branch(x).</summary>
    public HandNet Residual(Action<HandNet> branch)
    {
        var inner = new HandNet(Name + ".branch", Features);
        branch(inner);
        if (inner.Features != Features)
        {
            throw new ArgumentException($"the branch must keep {Features} features", nameof(branch));
        }

        _steps.Add(new ResidualStep(inner.Steps));
        _modules.Add(linears => new ResidualModule(inner.Build(linears)));
        return this;
    }

    /// <summary>Builds the TorchSharp modules, collecting the Linear layers in declaration order; the caller seeds torch first.</summary>
    public nn.Module<Tensor, Tensor> Build(List<TorchSharp.Modules.Linear> linears)
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        foreach (var make in _modules)
        {
            modules.Add(make(linears));
        }

        return nn.Sequential(modules.ToArray());
    }

    public double Predict() => SignalPropagation.Predict(InFeatures, _steps).FirstToLastRatio;

    public double Measure(long seed)
    {
        torch.manual_seed(seed);
        var linears = new List<TorchSharp.Modules.Linear>();
        using var network = Build(linears);
        return GradientRatio.Measure(network, linears[0], linears[^1], InFeatures, seed);
    }

    private sealed class ResidualModule : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _branch;

        public ResidualModule(nn.Module<Tensor, Tensor> branch)
            : base("Residual")
        {
            _branch = branch;
            register_module("branch", branch);
        }

        public override Tensor forward(Tensor input) => input + _branch.call(input);
    }
}
