using System;
using static TorchSharp.torch;

namespace NetGen.GradientLab.Data;

/// <summary>A data set held in memory: inputs, targets, and a test split drawn from the same distribution.</summary>
/// <param name="Name">What it is, for the report.</param>
/// <param name="TrainInputs">Training inputs, one sample per row.</param>
/// <param name="TrainTargets">Class indices (int64) or regression targets (float32, one column).</param>
/// <param name="TestInputs">Held-out inputs.</param>
/// <param name="TestTargets">Held-out targets.</param>
public sealed record LabData(string Name, Tensor TrainInputs, Tensor TrainTargets, Tensor TestInputs, Tensor TestTargets) : IDisposable
{
    /// <summary>Training samples.</summary>
    public int TrainCount => (int)TrainInputs.shape[0];

    /// <inheritdoc/>
    public void Dispose()
    {
        TrainInputs.Dispose();
        TrainTargets.Dispose();
        TestInputs.Dispose();
        TestTargets.Dispose();
    }
}

/// <summary>
/// The lab's built-in data sets. They are generated with <see cref="Random"/> from the seed rather than with
/// TorchSharp's generator, so they are identical on every machine and independent of how many threads run.
/// </summary>
public static class LabDataSets
{
    /// <summary>Points per spiral arm (class) in the training set; the test set has the same number again.</summary>
    public const int SpiralPointsPerClass = 500;

    /// <summary>Spiral arms, that is classes.</summary>
    public const int SpiralClasses = 3;

    /// <summary>Training samples of the DeepNet regression task; the test set has half as many.</summary>
    public const int RegressionSamples = 512;

    /// <summary>
    /// Three interleaved spiral arms in the plane (the classic CS231n data set): arm c is the curve
    /// r ↦ (r·sin t, r·cos t) with t = 3π·r + 2πc/3 + 0.2·N(0, 1), r from 0.05 to 1. Each arm turns 1.5 times,
    /// so a linear model gets about a third right, and a network must bend the plane many times over.
    /// </summary>
    /// <param name="seed">The seed; the test split uses a stream derived from it.</param>
    public static LabData Spiral(int seed)
    {
        var (trainX, trainY) = SpiralPoints(new Random(seed));
        var (testX, testY) = SpiralPoints(new Random(unchecked(seed * 7919 + 1)));
        return new LabData(
            $"spiral: {SpiralClasses} classes, 2 inputs, {trainY.Length:N0} training and {testY.Length:N0} test points",
            tensor(trainX, trainY.Length, 2), tensor(trainY), tensor(testX, testY.Length, 2), tensor(testY));
    }

    private static (float[] Points, long[] Labels) SpiralPoints(Random random)
    {
        const int n = SpiralPointsPerClass;
        var points = new float[SpiralClasses * n * 2];
        var labels = new long[SpiralClasses * n];
        for (var c = 0; c < SpiralClasses; c++)
        {
            for (var i = 0; i < n; i++)
            {
                var r = 0.05 + 0.95 * i / (n - 1);
                var t = r * 1.5 * 2 * Math.PI + c * 2 * Math.PI / SpiralClasses + 0.2 * Gaussian(random);
                var k = c * n + i;
                points[2 * k] = (float)(r * Math.Sin(t));
                points[2 * k + 1] = (float)(r * Math.Cos(t));
                labels[k] = c;
            }
        }

        return (points, labels);
    }

    /// <summary>
    /// The seed's DeepNet task made learnable: 100 standard-normal inputs and one target,
    /// y = (2/√8)·Σⱼ sin(x·wⱼ) over 8 fixed random directions wⱼ with |wⱼ| ≈ 1, so y has a variance of about 1.7.
    /// </summary>
    /// <param name="seed">The seed.</param>
    public static LabData DeepNetRegression(int seed)
    {
        const int features = 100, directions = 8;
        var random = new Random(unchecked(seed * 31 + 17));
        var w = new double[directions, features];
        for (var j = 0; j < directions; j++)
        {
            for (var f = 0; f < features; f++)
            {
                w[j, f] = Gaussian(random) / Math.Sqrt(features);
            }
        }

        (float[] X, float[] Y) Draw(int count)
        {
            var x = new float[count * features];
            var y = new float[count];
            for (var s = 0; s < count; s++)
            {
                for (var f = 0; f < features; f++)
                {
                    x[s * features + f] = (float)Gaussian(random);
                }

                double sum = 0;
                for (var j = 0; j < directions; j++)
                {
                    double dot = 0;
                    for (var f = 0; f < features; f++)
                    {
                        dot += w[j, f] * x[s * features + f];
                    }

                    sum += Math.Sin(dot);
                }

                y[s] = (float)(2 * sum / Math.Sqrt(directions));
            }

            return (x, y);
        }

        var (trainX, trainY) = Draw(RegressionSamples);
        var (testX, testY) = Draw(RegressionSamples / 2);
        return new LabData(
            $"DeepNet regression: 100 inputs, 1 target, {RegressionSamples:N0} training and {RegressionSamples / 2:N0} test samples",
            tensor(trainX, trainY.Length, features), tensor(trainY, trainY.Length, 1),
            tensor(testX, testY.Length, features), tensor(testY, testY.Length, 1));
    }

    /// <summary>Training images of the stripes task; the test set has half as many.</summary>
    public const int StripeImages = 960;

    /// <summary>Training sequences of the long-sequence task; the test set has half as many.</summary>
    public const int Sequences = 1024;

    /// <summary>Time steps per sequence of the long-sequence task.</summary>
    public const int SequenceSteps = 30;

    /// <summary>
    /// Noisy stripes on a 1×8×8 image: class 0 horizontal, 1 vertical, 2 diagonal, each sin(2π·d/4 + φ) along its
    /// direction d with a random phase φ, plus Gaussian noise of standard deviation 0.8 on every pixel. A small
    /// convolutional network tells them apart; a network that does not learn stays at a third.
    /// </summary>
    /// <param name="seed">The seed.</param>
    public static LabData Stripes(int seed)
    {
        const int side = 8;
        var random = new Random(unchecked(seed * 53 + 5));
        (float[] X, long[] Y) Draw(int count)
        {
            var x = new float[count * side * side];
            var y = new long[count];
            for (var s = 0; s < count; s++)
            {
                var label = random.Next(3);
                var phase = random.NextDouble() * 2 * Math.PI;
                y[s] = label;
                for (var r = 0; r < side; r++)
                {
                    for (var c = 0; c < side; c++)
                    {
                        double along = label switch { 0 => r, 1 => c, _ => (r + c) / Math.Sqrt(2) };
                        x[(s * side + r) * side + c] = (float)(Math.Sin(2 * Math.PI * along / 4 + phase) + 0.8 * Gaussian(random));
                    }
                }
            }

            return (x, y);
        }

        var (trainX, trainY) = Draw(StripeImages);
        var (testX, testY) = Draw(StripeImages / 2);
        return new LabData(
            $"stripes: 3 classes, 1×8×8 images, {StripeImages:N0} training and {StripeImages / 2:N0} test images",
            tensor(trainX, new long[] { trainY.Length, 1, side, side }), tensor(trainY), tensor(testX, new long[] { testY.Length, 1, side, side }), tensor(testY));
    }

    /// <summary>
    /// Sequences of 30 steps of 3 standard-normal features, labelled by which feature of the last step is largest:
    /// the 29 steps before are noise the recurrent state has to carry along and get past.
    /// </summary>
    /// <param name="seed">The seed.</param>
    public static LabData LongSequence(int seed)
    {
        const int features = 3;
        var random = new Random(unchecked(seed * 71 + 3));
        (float[] X, long[] Y) Draw(int count)
        {
            var x = new float[count * SequenceSteps * features];
            var y = new long[count];
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = (float)Gaussian(random);
            }

            for (var s = 0; s < count; s++)
            {
                var last = (s * SequenceSteps + SequenceSteps - 1) * features;
                y[s] = x[last] >= x[last + 1] ? (x[last] >= x[last + 2] ? 0 : 2) : (x[last + 1] >= x[last + 2] ? 1 : 2);
            }

            return (x, y);
        }

        var (trainX, trainY) = Draw(Sequences);
        var (testX, testY) = Draw(Sequences / 2);
        return new LabData(
            $"long sequences: 3 classes, {SequenceSteps} steps of {features} features, {Sequences:N0} training and {Sequences / 2:N0} test sequences",
            tensor(trainX, new long[] { trainY.Length, SequenceSteps, features }), tensor(trainY), tensor(testX, new long[] { testY.Length, SequenceSteps, features }), tensor(testY));
    }

    /// <summary>A standard normal draw (Box–Muller), from <paramref name="random"/> only.</summary>
    internal static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
