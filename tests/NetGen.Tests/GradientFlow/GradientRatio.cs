using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Tests.GradientFlow;

/// <summary>
/// Measures what NG0001 predicts, on real TorchSharp: the ratio of the first to the last Linear layer's
/// weight-gradient norm at initialisation, in training mode, for standard-normal inputs and cross-entropy
/// against random labels, summed over a few batches (ratio of the summed norms). Double precision, so
/// ratios down to 1e-30 are not lost to float underflow.
/// </summary>
public static class GradientRatio
{
    public const int BatchSize = 64;
    public const int Batches = 3;

    public static double Measure(nn.Module<Tensor, Tensor> network, Linear first, Linear last, long inFeatures, long seed)
    {
        if (ReferenceEquals(first, last))
        {
            throw new ArgumentException($"{network.GetName()} has one Linear layer; the ratio needs two.", nameof(last));
        }

        // One intra-op thread: these matrices are small, and libtorch's spinning worker threads made each
        // measurement up to 50 times slower on a busy 2-core machine.
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            return MeasureOnOneThread(network, first, last, inFeatures, seed);
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>
    /// The ratio as <see cref="Measure(nn.Module{Tensor, Tensor}, Linear, Linear, long, long)"/> measures it, and how much the
    /// forward signal grows: the last layer's mean squared output (pre-activation) over the first's, over the same batches.
    /// </summary>
    public static (double Ratio, double ForwardGrowth) MeasureWithGrowth(nn.Module<Tensor, Tensor> network, Linear first, Linear last, long inFeatures, long seed)
    {
        double firstSquares = 0, lastSquares = 0;
        var firstHook = first.register_forward_hook((_, _, output) =>
        {
            firstSquares += output.detach().square().mean().item<double>();
            return output;
        });
        var lastHook = last.register_forward_hook((_, _, output) =>
        {
            lastSquares += output.detach().square().mean().item<double>();
            return output;
        });
        try
        {
            var ratio = Measure(network, first, last, inFeatures, seed);
            return (ratio, lastSquares / firstSquares);
        }
        finally
        {
            firstHook.remove();
            lastHook.remove();
        }
    }

    private static double MeasureOnOneThread(nn.Module<Tensor, Tensor> network, Linear first, Linear last, long inFeatures, long seed)
    {
        network.to(ScalarType.Float64);
        network.train();
        var classes = last.weight!.shape[0];
        var generator = new torch.Generator((ulong)seed + 1000);
        double firstSum = 0, lastSum = 0;
        for (var b = 0; b < Batches; b++)
        {
            using var scope = NewDisposeScope();
            network.zero_grad();
            var input = randn(new long[] { BatchSize, inFeatures }, dtype: ScalarType.Float64, generator: generator);
            var labels = randint(0, classes, new long[] { BatchSize }, generator: generator);
            nn.functional.cross_entropy(network.call(input), labels).backward();
            firstSum += first.weight!.grad!.norm().item<double>();
            lastSum += last.weight!.grad!.norm().item<double>();
        }

        return firstSum / lastSum;
    }

    /// <summary>
    /// The same ratio for any two weights of a network, named as in <c>named_parameters()</c> (<c>conv1.weight</c>,
    /// <c>fc3.weight</c>), for inputs of <paramref name="inputShape"/> per sample; the last one's rows are the classes.
    /// </summary>
    public static double Measure(nn.Module<Tensor, Tensor> network, string firstWeight, string lastWeight, long[] inputShape, long seed)
    {
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            network.to(ScalarType.Float64);
            network.train();
            var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var (first, last) = (parameters[firstWeight], parameters[lastWeight]);
            var classes = last.shape[0];
            var generator = new torch.Generator((ulong)seed + 1000);
            double firstSum = 0, lastSum = 0;
            for (var b = 0; b < Batches; b++)
            {
                using var scope = NewDisposeScope();
                network.zero_grad();
                var input = randn(new[] { (long)BatchSize }.Concat(inputShape).ToArray(), dtype: ScalarType.Float64, generator: generator);
                var labels = randint(0, classes, new long[] { BatchSize }, generator: generator);
                nn.functional.cross_entropy(network.call(input), labels).backward();
                firstSum += first.grad!.norm().item<double>();
                lastSum += last.grad!.norm().item<double>();
            }

            return firstSum / lastSum;
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>
    /// ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ for sequences [steps, features]: the gradient reaching the first input step over the one reaching
    /// the last, for one batch of random labels over the network's outputs. A recurrent network reuses one random W_hh at
    /// every step, so its ratio over tens of steps varies by a factor 2 to 3 from one initialisation to the next: the
    /// measurement is the geometric mean over <paramref name="seeds"/> initialisations (torch.manual_seed(1), 2, ...), one
    /// batch each.
    /// </summary>
    public static double MeasureTimeRatio(Func<nn.Module<Tensor, Tensor>> create, long steps, long features, int seeds = 3)
    {
        var logSum = 0.0;
        for (var seed = 1; seed <= seeds; seed++)
        {
            torch.manual_seed(seed);
            using var network = create();
            logSum += Math.Log(MeasureTimeRatio(network, steps, features, seed, batches: 1));
        }

        return Math.Exp(logSum / seeds);
    }

    private static double MeasureTimeRatio(nn.Module<Tensor, Tensor> network, long steps, long features, long seed, int batches)
    {
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            network.to(ScalarType.Float64);
            network.train();
            var generator = new torch.Generator((ulong)seed + 1000);
            double firstSum = 0, lastSum = 0;
            for (var b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                network.zero_grad();
                var input = randn(new long[] { BatchSize, steps, features }, dtype: ScalarType.Float64, generator: generator).requires_grad_();
                var output = network.call(input);
                var labels = randint(0, output.shape[1], new long[] { BatchSize }, generator: generator);
                nn.functional.cross_entropy(output, labels).backward();
                firstSum += input.grad!.select(1, 0).norm().item<double>();
                lastSum += input.grad!.select(1, steps - 1).norm().item<double>();
            }

            return firstSum / lastSum;
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>A generated network's Linear layers fc1 … fcN in declaration order, by their registered names.</summary>
    public static List<Linear> GeneratedLinears(nn.Module module) =>
        module.named_children()
            .Where(c => c.module is Linear && c.name.StartsWith("fc", StringComparison.Ordinal))
            .OrderBy(c => int.Parse(c.name.Substring(2), System.Globalization.CultureInfo.InvariantCulture))
            .Select(c => (Linear)c.module)
            .ToList();
}
