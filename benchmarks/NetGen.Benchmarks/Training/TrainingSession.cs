using System;
using System.Linq;
using NetGen.Benchmarks.Networks;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks.Training;

/// <summary>Which Adam a training step uses.</summary>
public enum AdamKind
{
    /// <summary><c>torch.optim.Adam</c>, TorchSharp's own.</summary>
    TorchSharp,

    /// <summary><see cref="NetGen.Training.InPlaceAdam"/>, the same update without per-parameter temporaries.</summary>
    InPlace,

    /// <summary>
    /// <see cref="NetGen.Training.FusedAdam"/> through NetGen's <see cref="TrainingStep"/> (what a generated <c>TrainStep</c>
    /// runs): finiteness check, clipping coefficient, update and zeroing in one pass per parameter.
    /// </summary>
    Fused,

    /// <summary>
    /// As <see cref="Fused"/> with <see cref="TrainStepOptions.LowRankUpdates"/> off: every weight gradient materialised by
    /// autograd, as for a batch above the low-rank path's limit.
    /// </summary>
    FusedFullGradients,

    /// <summary><see cref="NetGen.Training.FusedAdam"/> in a plain loop: <c>zero_grad()</c>, forward, backward, <c>step()</c>.</summary>
    FusedPlain,
}

/// <summary>
/// One network, its optimiser, loss and a fixed batch: <see cref="Step"/> is the training step every
/// benchmark and the memory run time (zero-grad, forward, loss, backward, clip when declared, Adam step).
/// </summary>
public sealed class TrainingSession : IDisposable
{
    private readonly BenchmarkModel _model;
    private readonly optim.Optimizer _optimizer;
    private readonly Tensor _input;
    private readonly Tensor _target;
    private readonly Func<Tensor, Tensor, Tensor> _loss;
    private readonly TrainingStep? _trainer;

    /// <summary>A session for one of the benchmark networks; a <see cref="NetGen.Training.FusedAdam"/> takes <paramref name="squareRoot"/> as its square root.</summary>
    public TrainingSession(NetworkKind kind, Implementation implementation, AdamKind adam = AdamKind.TorchSharp, AdamSquareRoot squareRoot = AdamSquareRoot.CorrectlyRounded)
        : this(kind, BenchmarkNetworks.Create(kind, implementation), adam, squareRoot)
    {
    }

    /// <summary>A session for a model built elsewhere (the SimpleNet variants); the session disposes it.</summary>
    public TrainingSession(NetworkKind kind, BenchmarkModel model, AdamKind adam, AdamSquareRoot squareRoot = AdamSquareRoot.CorrectlyRounded)
    {
        Setup = BenchmarkNetworks.Setup(kind);
        _model = model;
        _model.Module.train();
        _optimizer = CreateOptimizer(adam, _model.Module.parameters(), squareRoot);
        if (adam is AdamKind.Fused or AdamKind.FusedFullGradients)
        {
            _trainer = new TrainingStep(_model.Module, new TrainStepOptions { ClipNorm = Setup.ClipNorm, LowRankUpdates = adam == AdamKind.Fused });
        }

        torch.manual_seed(0);
        _input = torch.randn(Setup.InputShape(Setup.Batch));
        if (Setup.Loss == LossKind.CrossEntropy)
        {
            _target = torch.randint(0, Setup.Outputs, new long[] { Setup.Batch });
            var criterion = nn.CrossEntropyLoss();
            _loss = criterion.call;
        }
        else
        {
            _target = torch.randn(Setup.Batch, Setup.Outputs);
            var criterion = nn.MSELoss();
            _loss = criterion.call;
        }
    }

    public NetworkSetup Setup { get; }

    /// <summary>
    /// The optimiser every benchmark uses: Adam with learning rate 1e-3 and the default betas; a <see cref="FusedAdam"/>
    /// takes <paramref name="squareRoot"/> as its square root.
    /// </summary>
    public static optim.Optimizer CreateOptimizer(AdamKind adam, System.Collections.Generic.IEnumerable<TorchSharp.Modules.Parameter> parameters, AdamSquareRoot squareRoot = AdamSquareRoot.CorrectlyRounded) => adam switch
    {
        AdamKind.InPlace => new InPlaceAdam(parameters, lr: 1e-3),
        AdamKind.Fused or AdamKind.FusedFullGradients or AdamKind.FusedPlain => new FusedAdam(parameters, lr: 1e-3, square_root: squareRoot),
        _ => optim.Adam(parameters, lr: 1e-3),
    };

    /// <summary>The optimiser's name in tables.</summary>
    public static string Describe(AdamKind adam) => adam switch
    {
        AdamKind.InPlace => "NetGen InPlaceAdam",
        AdamKind.Fused => "NetGen FusedAdam, TrainStep",
        AdamKind.FusedFullGradients => "NetGen FusedAdam, TrainStep, full gradients",
        AdamKind.FusedPlain => "NetGen FusedAdam, plain loop",
        _ => "TorchSharp Adam",
    };

    /// <summary>One training step; returns the loss (read only when asked, so timing does not include it).</summary>
    public void Step()
    {
        if (_trainer is not null)
        {
            _trainer.Run(_optimizer, _loss, _input, _target);
            return;
        }

        _optimizer.zero_grad();
        using var output = _model.Module.call(_input);
        using var loss = _loss(output, _target);
        loss.backward();
        _model.ClipGradients?.Invoke();
        _optimizer.step();
    }

    /// <summary>Forward, loss and backward once, so <see cref="OptimizerStep"/> has gradients to apply.</summary>
    public void ComputeGradients()
    {
        _optimizer.zero_grad();
        using var output = _model.Module.call(_input);
        using var loss = _loss(output, _target);
        loss.backward();
    }

    /// <summary>
    /// Only the optimiser's update, on whatever gradients the parameters hold, with the declared clipping: the model's
    /// clipping (the generated <c>ClipGradients()</c>, or TorchSharp's <c>clip_grad_norm_</c> for the hand-written modules)
    /// then <c>step()</c>, or for the fused optimiser the norm pass then the fused update (gradients kept, so every call
    /// does the same work).
    /// </summary>
    public void OptimizerStep()
    {
        var clip = Setup.ClipNorm;
        if (_optimizer is IFusedOptimizer fused)
        {
            var coefficient = 1.0;
            if (clip is { } max)
            {
                var norm = GradientClipping.Measure(_model.Module.named_parameters());
                coefficient = Math.Min(1.0, max / (norm.Total + GradientClipping.Epsilon));
            }

            fused.Step(coefficient, zeroGradients: false);
            return;
        }

        _model.ClipGradients?.Invoke();
        _optimizer.step();
    }

    /// <summary>The number of float32 values in the parameters.</summary>
    public long ParameterCount => _model.Module.parameters().Sum(p => p.numel());

    public float Loss()
    {
        using var _ = torch.no_grad();
        using var output = _model.Module.call(_input);
        using var loss = _loss(output, _target);
        return loss.item<float>();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _input.Dispose();
        _target.Dispose();
    }
}
