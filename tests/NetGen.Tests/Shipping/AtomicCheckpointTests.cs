using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using TorchSharp;
using Xunit;
using static NetGen.Tests.Shipping.ShippingFiles;

namespace NetGen.Tests.Shipping;

/// <summary>
/// Checkpoints are written to a temporary file and renamed over the old one. These tests fault a save
/// midway (the file stream throws after half the bytes, standing in for a crash, a full disk or an I/O
/// error) and check the previous checkpoint is intact. What they do not prove: behaviour on power loss
/// (the save flushes to disk before the rename; that is not observable in a test).
/// </summary>
[Collection(NetGen.Tests.Monitoring.SeededCollection.Name)]
public sealed class AtomicCheckpointTests
{
    [Theory]
    [InlineData("model.pt")]
    [InlineData("model.safetensors")]
    public void A_save_that_fails_midway_leaves_the_previous_checkpoint_intact(string name)
    {
        var directory = NewScratchDirectory("checkpoint");
        try
        {
            using var scope = torch.NewDisposeScope();
            var path = Path.Combine(directory, name);
            torch.manual_seed(5);
            using var model = new ShipNet();
            model.SaveCheckpoint(path);
            var oldBytes = File.ReadAllBytes(path);
            var oldWeights = PyTorchWeightsTests.Snapshot(model);

            // Train a little so the next checkpoint differs, then fault its save half-way through.
            using (torch.no_grad())
            {
                foreach (var parameter in model.parameters())
                {
                    parameter.add_(1.0f);
                }
            }

            FaultingStream? fault = null;
            var error = Assert.Throws<IOException>(() => ModuleWeights.Save(
                model, path, ModuleWeights.FormatFromExtension(path), stream => fault = new FaultingStream(stream, failAfter: oldBytes.Length / 2)));

            Assert.Equal(FaultingStream.Message, error.Message);
            Assert.NotNull(fault);
            Assert.Equal(oldBytes.Length / 2, fault!.Written); // the save really was midway: half of the new file had been written
            Assert.Equal(SHA256.HashData(oldBytes), SHA256.HashData(File.ReadAllBytes(path)));
            Assert.Equal(new[] { name }, Directory.GetFiles(directory).Select(Path.GetFileName)); // no temporary file left

            using var restored = new ShipNet().LoadCheckpoint(path);
            PyTorchWeightsTests.AssertUnchanged(oldWeights, restored);
            Assert.True(
                (model.fc1.weight! - restored.fc1.weight!).abs().min().item<float>() > 0.99f,
                "the model in memory moved on; the checkpoint on disk is still the old one");
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    [Fact]
    public void A_failed_first_save_leaves_no_file_at_all()
    {
        var directory = NewScratchDirectory("checkpoint");
        try
        {
            using var model = new ShipNet();
            var path = Path.Combine(directory, "first.pt");
            Assert.Throws<IOException>(() => ModuleWeights.Save(model, path, WeightFormat.PyTorch, stream => new FaultingStream(stream, failAfter: 100)));
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    [Fact]
    public void A_successful_save_replaces_the_checkpoint_and_leaves_only_it()
    {
        var directory = NewScratchDirectory("checkpoint");
        try
        {
            using var scope = torch.NewDisposeScope();
            var path = Path.Combine(directory, "model.pt");
            torch.manual_seed(6);
            using var first = new ShipNet();
            using var second = new ShipNet();
            first.SaveCheckpoint(path);
            second.SaveCheckpoint(path);

            using var loaded = new ShipNet().LoadCheckpoint(path);
            PyTorchWeightsTests.AssertUnchanged(PyTorchWeightsTests.Snapshot(second), loaded);
            Assert.True((first.fc1.weight! - loaded.fc1.weight!).abs().max().item<float>() > 0.01f);
            Assert.Equal(new[] { "model.pt" }, Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            DeleteDirectory(directory);
        }
    }

    [Fact]
    public void Saving_into_a_missing_directory_names_it()
    {
        using var model = new ShipNet();
        var missing = Path.Combine(Path.GetTempPath(), $"netgen-absent-{Guid.NewGuid():N}");
        var error = Assert.Throws<DirectoryNotFoundException>(() => model.SaveCheckpoint(Path.Combine(missing, "model.pt")));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then throws as a failing disk would.</summary>
    private sealed class FaultingStream : Stream
    {
        public const string Message = "injected fault: the disk went away mid-save";
        private readonly Stream inner;
        private readonly long failAfter;

        public FaultingStream(Stream inner, long failAfter)
        {
            this.inner = inner;
            this.failAfter = failAfter;
        }

        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var allowed = (int)Math.Min(buffer.Length, failAfter - Written);
            inner.Write(buffer[..allowed]);
            Written += allowed;
            if (allowed < buffer.Length)
            {
                throw new IOException(Message);
            }
        }

        public override void WriteByte(byte value) => Write(new[] { value });

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);
    }
}
