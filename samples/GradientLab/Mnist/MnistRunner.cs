using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using NetGen;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.GradientLab.Mnist;

/// <summary>The seed's SimpleNet: Linear -> ReLU -> BatchNorm, twice, then the output layer (784 pixels in, 10 digits out).</summary>
[Linear(784, 300), ReLU, BatchNorm]
[Linear(300, 100), ReLU, BatchNorm]
[Linear(100, 10)]
public partial class SimpleNet;

/// <summary>MNIST in IDX files, as published by LeCun, Cortes and Burges, read into tensors.</summary>
/// <param name="TrainImages">Training images, [n, 784], pixels scaled to [0, 1] then standardised with MNIST's mean and deviation.</param>
/// <param name="TrainLabels">Training labels, [n], int64.</param>
/// <param name="TestImages">Test images, [m, 784].</param>
/// <param name="TestLabels">Test labels, [m].</param>
public sealed record MnistData(Tensor TrainImages, Tensor TrainLabels, Tensor TestImages, Tensor TestLabels) : IDisposable
{
    /// <summary>The four files, as the original distribution names them (each may also end in .gz).</summary>
    public static readonly string[] FileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Where the files can be downloaded (this program never downloads anything).</summary>
    public const string Where = "https://yann.lecun.com/exdb/mnist/ or torchvision's mirror https://ossci-datasets.s3.amazonaws.com/mnist/";

    // MNIST's pixel mean and standard deviation after scaling to [0, 1], as torchvision's examples use.
    private const float PixelMean = 0.1307f;
    private const float PixelStd = 0.3081f;

    /// <summary>Reads the four IDX files from <paramref name="folder"/>; throws <see cref="UsageException"/> naming a missing or malformed file.</summary>
    /// <param name="folder">The folder holding the files.</param>
    public static MnistData Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"MNIST folder '{folder}' does not exist; put the four IDX files ({string.Join(", ", FileNames)}) there, from {Where}");
        }

        var paths = FileNames.Select(name => Find(folder, name)).ToArray();
        var trainImages = ReadImages(paths[0]);
        var trainLabels = ReadLabels(paths[1]);
        var testImages = ReadImages(paths[2]);
        var testLabels = ReadLabels(paths[3]);
        if (trainImages.Count != trainLabels.Length || testImages.Count != testLabels.Length)
        {
            throw new UsageException($"MNIST files in '{folder}' disagree: {trainImages.Count} training images but {trainLabels.Length} labels, {testImages.Count} test images but {testLabels.Length} labels");
        }

        return new MnistData(ToTensor(trainImages), tensor(trainLabels.Select(b => (long)b).ToArray()), ToTensor(testImages), tensor(testLabels.Select(b => (long)b).ToArray()));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        TrainImages.Dispose();
        TrainLabels.Dispose();
        TestImages.Dispose();
        TestLabels.Dispose();
    }

    private static string Find(string folder, string name)
    {
        // The original names, the dotted variant some mirrors use (train-images.idx3-ubyte), and gzip.
        var dotted = name.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (var candidate in new[] { name, name + ".gz", dotted, dotted + ".gz" })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new UsageException($"MNIST file '{name}' (or {name}.gz) is missing in '{folder}'; download the four IDX files from {Where}");
    }

    private static byte[] ReadAll(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>An IDX image file: magic 0x00000803, then count, rows, columns (big-endian), then the pixels.</summary>
    private static (int Count, byte[] Pixels) ReadImagesRaw(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x803)
        {
            throw new UsageException($"'{path}' is not an IDX image file (expected magic number 0x00000803)");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        var columns = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (rows != 28 || columns != 28 || bytes.Length != 16 + (long)count * 784)
        {
            throw new UsageException($"'{path}' holds {count} images of {rows}x{columns} in {bytes.Length} bytes; expected 28x28 MNIST images");
        }

        return (count, bytes[16..]);
    }

    private static ImageSet ReadImages(string path)
    {
        var (count, pixels) = ReadImagesRaw(path);
        return new ImageSet(count, pixels);
    }

    /// <summary>An IDX label file: magic 0x00000801, then count (big-endian), then one byte per label.</summary>
    private static byte[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x801)
        {
            throw new UsageException($"'{path}' is not an IDX label file (expected magic number 0x00000801)");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (bytes.Length != 8 + count || bytes.AsSpan(8).IndexOfAnyExceptInRange((byte)0, (byte)9) >= 0)
        {
            throw new UsageException($"'{path}' should hold {count} labels from 0 to 9 in {8 + count} bytes");
        }

        return bytes[8..];
    }

    private static Tensor ToTensor(ImageSet images)
    {
        var values = new float[images.Pixels.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (images.Pixels[i] / 255f - PixelMean) / PixelStd;
        }

        return tensor(values, images.Count, 784);
    }

    private sealed record ImageSet(int Count, byte[] Pixels);
}

/// <summary>Trains the seed's SimpleNet on MNIST as the seed's BatchNorm example does: Adam, learning rate 1e-3, batches of 64.</summary>
public static class MnistRunner
{
    /// <summary>Epochs when <c>--epochs</c> is not given.</summary>
    public const int DefaultEpochs = 5;

    private const int BatchSize = 64;

    /// <summary>What one MNIST training run produced.</summary>
    /// <param name="EpochLoss">Mean training loss per epoch.</param>
    /// <param name="TestAccuracy">Accuracy on the test images after training.</param>
    public sealed record MnistResult(double[] EpochLoss, double TestAccuracy);

    /// <summary>Loads the files, trains with a progress bar per epoch and prints the test accuracy; returns the exit code.</summary>
    /// <param name="folder">The folder with the IDX files.</param>
    /// <param name="options">Epochs (default <see cref="DefaultEpochs"/> here), seed and threads.</param>
    /// <param name="console">Where to write.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    public static int Run(string folder, LabOptions options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var data = MnistData.Load(folder);
        var epochs = options.EpochsGiven ? options.Epochs : DefaultEpochs;
        console.MarkupLine($"[bold]SimpleNet on MNIST[/]: {data.TrainLabels.shape[0]:N0} training and {data.TestLabels.shape[0]:N0} test images, {epochs} epochs, seed {options.Seed}");
        MnistResult? result = null;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask? current = null;
                result = Train(data, epochs, options.Seed, options.Threads, (epoch, batch, batches, lastLoss) =>
                {
                    if (batch == 1)
                    {
                        current = context.AddTask($"epoch {epoch}/{epochs}", maxValue: batches);
                    }

                    current!.Value = batch;
                    if (batch == batches)
                    {
                        current.Description = $"epoch {epoch}/{epochs} [grey]loss {lastLoss.ToString("0.0000", CultureInfo.InvariantCulture)}[/]";
                    }
                }, cancellationToken);
            });
        console.MarkupLine($"Test accuracy: [bold]{result!.TestAccuracy.ToString("P2", CultureInfo.InvariantCulture)}[/]");
        return LabProgram.Success;
    }

    /// <summary>Trains a fresh SimpleNet on <paramref name="data"/> and measures its test accuracy.</summary>
    /// <param name="data">MNIST.</param>
    /// <param name="epochs">Epochs.</param>
    /// <param name="seed">Seeds the weights and the batch order.</param>
    /// <param name="threads">TorchSharp's intra-op threads.</param>
    /// <param name="progress">(epoch, batch, batches in the epoch, the epoch's mean loss so far) after every batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static MnistResult Train(MnistData data, int epochs, int seed, int threads, Action<int, int, int, double>? progress, CancellationToken cancellationToken)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(seed);
        using var model = new SimpleNet();
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
        var order = new Random(seed);
        var count = (int)data.TrainImages.shape[0];
        var permutation = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
        var batches = (count + BatchSize - 1) / BatchSize;
        var epochLoss = new double[epochs];
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            model.train();
            for (var i = count - 1; i > 0; i--)
            {
                var j = order.Next(i + 1);
                (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
            }

            double lossSum = 0;
            for (var batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var start = batch * BatchSize;
                var index = torch.tensor(permutation.AsSpan(start, Math.Min(BatchSize, count - start)).ToArray());
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(data.TrainImages.index_select(0, index)), data.TrainLabels.index_select(0, index));
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                progress?.Invoke(epoch, batch + 1, batches, lossSum / (batch + 1));
            }

            epochLoss[epoch - 1] = lossSum / batches;

            // TorchSharp's Adam frees native scalars only through finalizers; collecting once per epoch keeps memory flat.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        model.eval();
        using var noGrad = torch.no_grad();
        using var evalScope = torch.NewDisposeScope();
        var accuracy = model.call(data.TestImages).argmax(1).eq(data.TestLabels).to_type(ScalarType.Float64).mean().item<double>();
        return new MnistResult(epochLoss, accuracy);
    }
}
