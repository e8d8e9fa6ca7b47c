using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace NetGen.Tests.Editor;

/// <summary>
/// A language-server client as small as an editor's: JSON-RPC over the server's stdin/stdout with
/// <c>Content-Length</c> framing, requests matched to responses by id, and the server's own requests answered
/// (<c>workspace/configuration</c> with <see cref="Configuration"/>, anything else with null).
/// </summary>
internal sealed class LanguageServerClient : IDisposable
{
    private readonly Process process;
    private readonly Stream input;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> pending = new();
    private readonly StringBuilder log = new();
    private readonly Thread reader;
    private int nextId;

    public LanguageServerClient(string executable, string workingDirectory, JsonObject configuration)
    {
        Configuration = configuration;
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var name in new List<string>(start.Environment.Keys))
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name); // the test host's MSBuild belongs to the outer build
            }
        }

        process = Process.Start(start)!;
        input = process.StandardInput.BaseStream;
        process.ErrorDataReceived += (_, e) => Log("stderr: " + e.Data);
        process.BeginErrorReadLine();
        reader = new Thread(ReadMessages) { IsBackground = true, Name = "LSP reader" };
        reader.Start();
    }

    /// <summary>What the client answers to <c>workspace/configuration</c>, for every item asked.</summary>
    public JsonObject Configuration { get; }

    /// <summary>Everything the server sent that was not a response, and its stderr, for the test output.</summary>
    public string Log()
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, TimeSpan timeout)
    {
        var id = Interlocked.Increment(ref nextId);
        var response = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = response;
        Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        var finished = await Task.WhenAny(response.Task, Task.Delay(timeout));
        if (finished != response.Task)
        {
            throw new TimeoutException($"{method} got no answer within {timeout}; server log:\n{Log()}");
        }

        return await response.Task;
    }

    public void Notify(string method, JsonNode? parameters) =>
        Send(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                var shutdown = RequestAsync("shutdown", null, TimeSpan.FromSeconds(10));
                shutdown.Wait(TimeSpan.FromSeconds(10));
                Notify("exit", null);
                process.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is TimeoutException or IOException or AggregateException or InvalidOperationException)
        {
            // Killed below.
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }

    private void Send(JsonObject message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        lock (input)
        {
            input.Write(header);
            input.Write(body);
            input.Flush();
        }
    }

    private void ReadMessages()
    {
        var stream = process.StandardOutput.BaseStream;
        try
        {
            while (ReadMessage(stream) is { } message)
            {
                Dispatch(message);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or JsonException)
        {
            Log("reader stopped: " + e.Message);
        }

        foreach (var waiting in pending.Values)
        {
            waiting.TrySetException(new IOException("the language server closed its output; log:\n" + Log()));
        }
    }

    private void Dispatch(JsonNode message)
    {
        var hasId = message["id"] is not null;
        var method = message["method"]?.GetValue<string>();
        if (hasId && method is null)
        {
            var id = message["id"]!.GetValue<int>();
            if (pending.TryRemove(id, out var response))
            {
                if (message["error"] is { } error)
                {
                    response.TrySetException(new InvalidOperationException("LSP error: " + error.ToJsonString()));
                }
                else
                {
                    response.TrySetResult(message["result"]?.DeepClone());
                }
            }

            return;
        }

        if (hasId)
        {
            // A request from the server: answer it, or the server waits.
            JsonNode? result = null;
            if (method == "workspace/configuration")
            {
                var items = new JsonArray();
                foreach (var _ in message["params"]?["items"]?.AsArray() ?? new JsonArray())
                {
                    items.Add(Configuration.DeepClone());
                }

                result = items;
            }

            Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = message["id"]!.DeepClone(), ["result"] = result });
        }

        if (method is not "textDocument/publishDiagnostics" and not "$/progress")
        {
            Log($"{method}: {Truncate(message["params"]?.ToJsonString() ?? string.Empty)}");
        }
    }

    private static JsonNode? ReadMessage(Stream stream)
    {
        var length = -1;
        while (true)
        {
            var line = ReadHeaderLine(stream);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                break;
            }

            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = stream.Read(body, read, length - read);
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        return JsonNode.Parse(body);
    }

    private static string? ReadHeaderLine(Stream stream)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                return null;
            }

            if (b == '\n')
            {
                return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            }

            bytes.Add((byte)b);
        }
    }

    private void Log(string line)
    {
        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
