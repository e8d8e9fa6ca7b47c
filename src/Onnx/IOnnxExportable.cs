namespace NetGen.Onnx;

/// <summary>
/// A network that can describe its inference graph in ONNX. NetGen implements it on every generated
/// TorchSharp module (when this assembly is referenced); users call <c>model.ExportOnnx(path)</c> instead.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>
    /// Describes the network to <paramref name="graph"/>: its input, one call per layer in declaration
    /// order (blocks inline under their names), and its output. Weights are read through the builder
    /// by their state-dict keys.
    /// </summary>
    /// <param name="graph">The graph being built.</param>
    void BuildOnnxGraph(OnnxGraphBuilder graph);
}
