using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using NetGen.GradientLab;
using NetGen.GradientLab.Mnist;
using Xunit;

namespace NetGen.Tests.GradientLab;

/// <summary>The optional MNIST mode, on small IDX files written here in MNIST's format (no download).</summary>
[Collection(GradientLabCollection.Name)]
public sealed class MnistTests
{
    [Fact]
    public void IDX_files_load_plain_or_gzipped_and_SimpleNet_learns_from_them()
    {
        var folder = Directory.CreateTempSubdirectory("gradient-lab-mnist-");
        try
        {
            WriteDigits(folder.FullName, "train", 640, seed: 1, gzip: true);
            WriteDigits(folder.FullName, "t10k", 200, seed: 2, gzip: false);

            using var data = MnistData.Load(folder.FullName);
            Assert.Equal(new long[] { 640, 784 }, data.TrainImages.shape);
            Assert.Equal(new long[] { 640 }, data.TrainLabels.shape);
            Assert.Equal(new long[] { 200, 784 }, data.TestImages.shape);
            Assert.Equal(Enumerable.Range(0, 10).Select(d => (long)d), data.TrainLabels.unique().output.data<long>().ToArray());

            var epochs = 0;
            var result = MnistRunner.Train(data, epochs: 2, seed: 3, threads: 1, (epoch, batch, batches, loss) =>
            {
                Assert.Equal(10, batches);
                epochs = epoch;
            }, CancellationToken.None);

            Assert.Equal(2, epochs);
            Assert.Equal(2, result.EpochLoss.Length);
            Assert.True(result.EpochLoss[1] < result.EpochLoss[0], $"loss {result.EpochLoss[0]} -> {result.EpochLoss[1]}");
            // Each synthetic digit is a bright band at its own rows: easy, so 2 epochs must get most of them right.
            Assert.InRange(result.TestAccuracy, 0.9, 1.0);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Without_the_files_a_one_line_error_says_where_to_get_them()
    {
        var folder = Directory.CreateTempSubdirectory("gradient-lab-mnist-");
        try
        {
            var (code, output) = CommandLineTests.Run(["--mnist", folder.FullName]);
            Assert.Equal(LabProgram.UsageError, code);
            Assert.Contains("train-images-idx3-ubyte", output, StringComparison.Ordinal);
            Assert.Contains("yann.lecun.com/exdb/mnist", output, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', output);

            (code, output) = CommandLineTests.Run(["--mnist", Path.Combine(folder.FullName, "nowhere")]);
            Assert.Equal(LabProgram.UsageError, code);
            Assert.Contains("does not exist", output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_file_that_is_not_IDX_is_named_in_the_error()
    {
        var folder = Directory.CreateTempSubdirectory("gradient-lab-mnist-");
        try
        {
            WriteDigits(folder.FullName, "train", 20, seed: 1, gzip: false);
            WriteDigits(folder.FullName, "t10k", 20, seed: 2, gzip: false);
            File.WriteAllText(Path.Combine(folder.FullName, "t10k-labels-idx1-ubyte"), "<html>not found</html>");

            var error = Assert.Throws<UsageException>(() => MnistData.Load(folder.FullName));
            Assert.Contains("t10k-labels-idx1-ubyte' is not an IDX label file", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Writes count 28x28 "digits" in IDX format: digit d is a bright band at rows 2d+3 and 2d+4, plus noise.</summary>
    private static void WriteDigits(string folder, string prefix, int count, int seed, bool gzip)
    {
        var random = new Random(seed);
        var images = new byte[16 + count * 784];
        var labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        for (var i = 0; i < count; i++)
        {
            var digit = i % 10;
            labels[8 + i] = (byte)digit;
            for (var p = 0; p < 784; p++)
            {
                var row = p / 28;
                var bright = row == 2 * digit + 3 || row == 2 * digit + 4;
                images[16 + i * 784 + p] = (byte)(bright ? 200 + random.Next(56) : random.Next(40));
            }
        }

        Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), images, gzip);
        Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), labels, gzip);
    }

    private static void Write(string path, byte[] bytes, bool gzip)
    {
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }

        using var file = File.Create(path + ".gz");
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }
}
