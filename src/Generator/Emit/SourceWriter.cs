using System.Text;

namespace NetGen.Generator.Emit
{
    /// <summary>A small indent-aware text writer for generated C# (the pattern of System.Text.Json's generator).</summary>
    internal sealed class SourceWriter
    {
        // A generated network file is 5-25 KB: starting there spares the builder a dozen regrowths per class.
        private readonly StringBuilder _text = new(8 * 1024);
        private int _indent;

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                _text.Append(' ', _indent * 4);
            }

            _text.Append(line).Append('\n');
        }

        public void Open(string line)
        {
            Line(line);
            Line("{");
            _indent++;
        }

        public void Close(string closer = "}")
        {
            _indent--;
            Line(closer);
        }

        public override string ToString() => _text.ToString();
    }
}
