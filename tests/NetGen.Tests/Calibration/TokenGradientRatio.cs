using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Tests.Calibration;

/// <summary>
/// GradientRatio's measurement for networks that start with an Embedding: the same ratio of two weights' gradient norms,
/// summed over the same batches, for token ids drawn uniformly from the vocabulary instead of standard-normal inputs.
/// </summary>
public static class TokenGradientRatio
{
    public static double Measure(nn.Module<Tensor, Tensor> network, string firstWeight, string lastWeight, long steps, long vocabulary, long seed)
    {
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            network.to(ScalarType.Float64);
            network.train();
            var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var (first, last) = (parameters[firstWeight], parameters[lastWeight]);
            var generator = new torch.Generator((ulong)seed + 1000);
            double firstSum = 0, lastSum = 0;
            for (var b = 0; b < NetGen.Tests.GradientFlow.GradientRatio.Batches; b++)
            {
                using var scope = NewDisposeScope();
                network.zero_grad();
                var tokens = randint(0, vocabulary, new[] { (long)NetGen.Tests.GradientFlow.GradientRatio.BatchSize, steps }, generator: generator);
                var labels = randint(0, last.shape[0], new long[] { NetGen.Tests.GradientFlow.GradientRatio.BatchSize }, generator: generator);
                nn.functional.cross_entropy(network.call(tokens), labels).backward();
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
}
