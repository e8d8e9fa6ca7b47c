using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace NetGen.Generator.Emit
{
    /// <summary>
    /// A small indent-aware text writer for generated code (the pattern of System.Text.Json's generator), C# and the
    /// PyTorch twin's Python alike. Interpolated lines (<c>w.Line($"...{name}...")</c>) go straight into the file through
    /// <see cref="LineHandler"/>, without a string per line; and the generator writes one file after another on a thread,
    /// so each writer takes one of that thread's spare builders and <see cref="ToSource"/> hands it back. Writing a
    /// network then allocates little more than its text.
    /// </summary>
    internal sealed class SourceWriter
    {
        // A generated network file is 5-25 KB: starting there spares the builder its regrowths.
        private const int InitialCapacity = 16 * 1024;

        // A builder that grew past this (a very large network) is let go rather than kept for the thread's lifetime.
        private const int LargestSpare = 256 * 1024;

        // Two per thread: a file, and the text embedded in it (the PyTorch twin inside the C# class).
        [ThreadStatic]
        private static StringBuilder?[]? t_spares;

        private StringBuilder? _text;
        private int _indent;

        public SourceWriter()
        {
            var spares = t_spares ??= new StringBuilder?[2];
            for (var i = 0; i < spares.Length; i++)
            {
                if (spares[i] is { } spare)
                {
                    spares[i] = null;
                    _text = spare;
                    return;
                }
            }

            _text = new StringBuilder(InitialCapacity);
        }

        private StringBuilder Text => _text ?? throw new InvalidOperationException("The source was already taken with ToSource().");

        public void Line(string line = "")
        {
            var text = Text;
            if (line.Length > 0)
            {
                text.Append(' ', _indent * 4);
            }

            text.Append(line).Append('\n');
        }

        /// <summary>An interpolated line, written straight into the file.</summary>
        public void Line([InterpolatedStringHandlerArgument("")] ref LineHandler line) => Text.Append('\n');

        public void Open(string line)
        {
            Line(line);
            Line("{");
            _indent++;
        }

        public void Open([InterpolatedStringHandlerArgument("")] ref LineHandler line)
        {
            Text.Append('\n');
            Line("{");
            _indent++;
        }

        public void Close(string closer = "}")
        {
            _indent--;
            Line(closer);
        }

        /// <summary>One level deeper, for languages without braces.</summary>
        public void Indent() => _indent++;

        public void Dedent() => _indent--;

        /// <summary>
        /// One line <c>{before}@"{content}"{after}</c>: <paramref name="writeContent"/> writes the content (lines of another
        /// language, not indented) with a writer of its own, which is copied in with its quotes doubled, as a verbatim string needs.
        /// </summary>
        public void VerbatimStringLine(string before, Action<SourceWriter> writeContent, string after)
        {
            var content = new SourceWriter();
            writeContent(content);
            var embedded = content.Text;
            var text = Text;
            text.Append(' ', _indent * 4).Append(before).Append("@\"");
            for (var i = 0; i < embedded.Length; i++)
            {
                var c = embedded[i];
                if (c == '"')
                {
                    text.Append('"');
                }

                text.Append(c);
            }

            text.Append('"').Append(after).Append('\n');
            content.Release();
        }

        /// <summary>The text written; the writer is done, and its builder goes back to the thread's spares.</summary>
        public string ToSource()
        {
            var source = Text.ToString();
            Release();
            return source;
        }

        private void Release()
        {
            var text = Text;
            _text = null;
            if (text.Capacity > LargestSpare)
            {
                return;
            }

            text.Clear();
            var spares = t_spares ??= new StringBuilder?[2];
            for (var i = 0; i < spares.Length; i++)
            {
                if (spares[i] is null)
                {
                    spares[i] = text;
                    return;
                }
            }
        }

        /// <summary>
        /// Builds an interpolated line in the writer's text: the indentation, then each literal and value as the compiler
        /// hands them over. Values that format themselves are written with the invariant culture.
        /// </summary>
        [InterpolatedStringHandler]
        internal readonly ref struct LineHandler
        {
            private readonly StringBuilder _text;

            public LineHandler(int literalLength, int formattedCount, SourceWriter writer)
            {
                _text = writer.Text;
                _text.Append(' ', writer._indent * 4);
            }

            public void AppendLiteral(string value) => _text.Append(value);

            public void AppendFormatted(string? value) => _text.Append(value);

            public void AppendFormatted<T>(T value)
            {
                if (value is IFormattable formattable)
                {
                    _text.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                }
                else
                {
                    _text.Append(value?.ToString());
                }
            }
        }
    }
}
