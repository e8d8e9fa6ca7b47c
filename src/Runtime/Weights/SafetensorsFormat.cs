using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header mapping
/// each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (plus an optional
/// <c>__metadata__</c> object of strings), then the tensors' raw little-endian bytes.
/// </summary>
/// <remarks>
/// NetGen has its own codec rather than TorchSharp.PyBridge's because PyBridge's uses reflection-based
/// System.Text.Json serialization, which NativeAOT apps disable (it throws "Reflection-based serialization
/// has been disabled"), and it checks neither the offsets nor that the file is long enough. This one uses
/// Utf8JsonWriter and JsonDocument only, and validates every entry before it allocates a tensor.
/// </remarks>
internal static class SafetensorsFormat
{
    /// <summary>Headers larger than this are refused: the reference implementation's limit is 100 MB.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    private const int CopyBufferBytes = 1 << 16;

    private static readonly (ScalarType Type, string Code)[] DTypes =
    {
        (ScalarType.Float64, "F64"), (ScalarType.Float32, "F32"), (ScalarType.Float16, "F16"), (ScalarType.BFloat16, "BF16"),
        (ScalarType.Int64, "I64"), (ScalarType.Int32, "I32"), (ScalarType.Int16, "I16"), (ScalarType.Int8, "I8"),
        (ScalarType.Byte, "U8"), (ScalarType.Bool, "BOOL"),
    };

    /// <summary>Writes <paramref name="tensors"/> in order; the stream is left open.</summary>
    internal static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var entries = tensors.ToList();
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, tensor) in entries)
            {
                var length = tensor.NumberOfElements * tensor.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", Code(tensor.dtype, name));
                json.WriteStartArray("shape");
                foreach (var size in tensor.shape)
                {
                    json.WriteNumberValue(size);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }

            json.WriteEndObject();
        }

        // Pad the header with spaces to a multiple of 8 bytes, as the reference implementation does, so that
        // the data that follows is aligned for readers that map the file.
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length8 = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length8, (ulong)header.Length);
        stream.Write(length8);
        header.Position = 0;
        header.CopyTo(stream);
        foreach (var (_, tensor) in entries)
        {
            using var scope = torch.NewDisposeScope();
            tensor.cpu().contiguous().WriteBytesToStream(stream, CopyBufferBytes);
        }
    }

    /// <summary>Reads every tensor of a safetensors stream (CPU tensors, created in the caller's dispose scope).</summary>
    /// <exception cref="InvalidDataException">The stream is not a well-formed safetensors file.</exception>
    internal static Dictionary<string, Tensor> Read(Stream stream) =>
        ReadInOrder(stream).ToDictionary(e => e.Key, e => e.Tensor, StringComparer.Ordinal);

    /// <summary>Reads every tensor of a safetensors stream in the order of the file's header.</summary>
    /// <exception cref="InvalidDataException">The stream is not a well-formed safetensors file.</exception>
    internal static List<(string Key, Tensor Tensor)> ReadInOrder(Stream stream)
    {
        Span<byte> length8 = stackalloc byte[8];
        if (stream.ReadAtLeast(length8, 8, throwOnEndOfStream: false) != 8)
        {
            throw new InvalidDataException("shorter than the 8-byte header length");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length8);
        var available = stream.Length - 8;
        if (headerLength > MaxHeaderBytes || (long)headerLength > available)
        {
            throw new InvalidDataException($"the header length {headerLength} exceeds the file ({available} bytes after the length)");
        }

        var headerBytes = new byte[(int)headerLength];
        stream.ReadExactly(headerBytes);
        var dataStart = 8 + (long)headerLength;
        var dataLength = stream.Length - dataStart;

        using var header = ParseHeader(headerBytes);
        if (header.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("the header is not a JSON object");
        }

        var entries = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                continue;
            }

            var (type, shape, begin, end) = ParseEntry(property);
            var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(type);
            if (begin < 0 || end < begin || end > dataLength || end - begin != expected)
            {
                throw new InvalidDataException(
                    $"{property.Name}: data_offsets [{begin}, {end}] do not hold {expected} bytes for shape {StateDictMismatch.Format(shape)} within the {dataLength} data bytes");
            }

            entries.Add((property.Name, type, shape, begin, end));
        }

        var result = new List<(string Key, Tensor Tensor)>(entries.Count);
        foreach (var (name, type, shape, begin, _) in entries)
        {
            var tensor = torch.empty(shape, type);
            stream.Position = dataStart + begin;
            tensor.ReadBytesFromStream(stream, CopyBufferBytes);
            result.Add((name, tensor));
        }

        return result;
    }

    private static JsonDocument ParseHeader(byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the header is not JSON ({e.Message}): {Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 40))}...", e);
        }
    }

    private static (ScalarType Type, long[] Shape, long Begin, long End) ParseEntry(JsonProperty property)
    {
        try
        {
            var value = property.Value;
            var code = value.GetProperty("dtype").GetString();
            var type = DTypes.FirstOrDefault(d => d.Code == code);
            if (type.Code is null)
            {
                throw new InvalidDataException($"{property.Name}: unsupported dtype {code}");
            }

            var shape = value.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(s => s.GetInt64()).ToArray();
            if (offsets.Length != 2 || shape.Any(s => s < 0))
            {
                throw new InvalidDataException($"{property.Name}: malformed shape or data_offsets");
            }

            return (type.Type, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{property.Name}: not a tensor entry ({e.Message})", e);
        }
    }

    private static string Code(ScalarType type, string name) =>
        DTypes.FirstOrDefault(d => d.Type == type).Code
        ?? throw new NotSupportedException($"{name}: safetensors has no code for element type {type}");

    private static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
