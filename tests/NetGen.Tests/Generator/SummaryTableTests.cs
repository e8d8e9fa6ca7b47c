using System;
using System.Linq;
using System.Net;
using NetGen.Tests.Infrastructure;
using Xunit;

namespace NetGen.Tests.Generator;

/// <summary>
/// The summary table is laid out twice: by the generator, for the class's XML documentation (what the editor shows on
/// hover) and the PyTorch twin's header, and by the runtime, for <c>Summary.ToString()</c>, from the rows the generated
/// code holds. These tests hold the two to the same text, character for character, on every catalogue and seed network and the networks that write their own forward.
/// </summary>
public class SummaryTableTests
{
    private static readonly GeneratorRun CatalogRun = GeneratorHarness.Run(SourceFiles.Read("Catalog/CatalogNetworks.cs"), SourceFiles.Read("Catalog/VariedNetworks.cs"));
    private static readonly GeneratorRun SeedRun = GeneratorHarness.Run(SourceFiles.Read("Networks/SeedNetworks.cs"));
    private static readonly GeneratorRun UserForwardRun = GeneratorHarness.Run(SourceFiles.Read("Architectures/UserForwardNetworks.cs"));

    private static System.Collections.Generic.IEnumerable<(string HintName, string Text)> Generated =>
        CatalogRun.GeneratedSources.Concat(SeedRun.GeneratedSources).Concat(UserForwardRun.GeneratedSources);

    public static TheoryData<string> Networks()
    {
        var data = new TheoryData<string>();
        foreach (var (hintName, _) in Generated.Where(s => !s.HintName.Contains(".Onnx.", StringComparison.Ordinal)))
        {
            data.Add(hintName[..^".g.cs".Length]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Summary_ToString_is_the_table_of_the_generated_documentation(string fullName)
    {
        var text = Generated.Single(s => s.HintName == fullName + ".g.cs").Text;
        var lines = text.Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == "/// <code>");
        var end = Array.FindIndex(lines, l => l.Trim() == "/// </code>");
        Assert.True(start > 0 && end > start + 3, "the generated class documentation has no summary table");
        var documented = string.Join("\n", lines[(start + 1)..end].Select(l => WebUtility.HtmlDecode(l.Trim()[4..])));

        var type = typeof(SummaryTableTests).Assembly.GetType(fullName)!;
        var summary = (NetworkSummary)type.GetProperty("Summary")!.GetValue(null)!;

        Assert.Equal(documented, summary.ToString());
    }

    [Fact]
    public void A_declined_prediction_shows_n_a_in_the_table_and_null_in_the_layer()
    {
        // V08LstmRegressor: the LSTM's time ratio is predicted, the Linear head's weight-gradient ratio is not.
        var fc1 = Catalog.V08LstmRegressor.Summary["fc1"];
        Assert.Null(fc1.PredictedGradientScale);
        var row = Catalog.V08LstmRegressor.Summary.ToString().Split('\n').Single(l => l.StartsWith("fc1 (Linear)", StringComparison.Ordinal));
        Assert.EndsWith("n/a", row, StringComparison.Ordinal);
    }
}
