using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analyzers.Rules
{
    /// <summary>
    /// NG0009: the network declares its loss with <c>[Loss]</c>, and its last layer does not produce what that loss
    /// expects: Softmax, Sigmoid, Tanh or LogSoftmax before a loss that takes logits (LogSoftmax before
    /// cross_entropy is harmless: log_softmax is idempotent), anything but LogSoftmax before nll_loss, anything but
    /// Sigmoid before binary_cross_entropy. Reported at the output layer, with the [Loss] attribute as an additional location.
    /// </summary>
    internal sealed class OutputLossRule : NetworkRule
    {
        public override ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = ImmutableArray.Create(DiagnosticDescriptors.OutputDoesNotFitLoss);

        public override void Analyze(NetworkRuleContext network)
        {
            if (network.Parsed.Model?.Loss is not { } loss || network.Layers.Count == 0)
            {
                return;
            }

            var last = network.Layers.Count - 1;
            var output = network.Layers[last].Definition.AttributeName;
            var function = loss.Function;
            string? expects = null, why = null, advice = null, fix = null;
            switch (loss.Expects)
            {
                case LossInput.Logits when output is "Softmax" or "Sigmoid" or "Tanh" || (output == "LogSoftmax" && loss.Name != "CrossEntropy"):
                    var applies = loss.Name == "CrossEntropy" ? "log_softmax" : "the sigmoid";
                    expects = "raw logits";
                    why = output switch
                    {
                        "Softmax" when loss.Name == "CrossEntropy" =>
                            $"{function} applies log_softmax itself, so it reads the probabilities in [0, 1] as logits: with C classes the predicted probability of the right class can never exceed e/(e + C − 1), the loss never approaches 0, and softmax's derivative (at most 0.25) shrinks the gradient a second time",
                        "Sigmoid" when loss.Name == "BinaryCrossEntropyWithLogits" =>
                            $"{function} applies the sigmoid itself, so the network's predicted probabilities are confined to [0.5, 0.73] and the loss can never approach 0",
                        "Tanh" => $"{function} applies {applies} itself, and Tanh bounds the logits to [−1, 1], so the predictions can never become confident",
                        _ => $"{function} applies {applies} itself, so {output} bounds the logits it sees and the loss can never approach 0",
                    };
                    advice = $"remove {network.Name(last)} and apply {(loss.Name == "CrossEntropy" ? "softmax" : "the sigmoid")} only when you need probabilities at inference";
                    fix = DiagnosticProperties.FixRemove;
                    break;
                case LossInput.LogProbabilities when output != "LogSoftmax":
                    expects = "log-probabilities (LogSoftmax)";
                    why = output == "Softmax"
                        ? $"{function} only negates the input at the target class, so on probabilities the loss lies in [−1, 0] and its gradient does not shrink as predictions improve"
                        : $"{function} only negates the input at the target class, so on unnormalised outputs the loss is unbounded below and training drives the outputs to infinity";
                    advice = output == "Softmax" ? $"replace {network.Name(last)} with LogSoftmax" : "add [LogSoftmax] as the last layer, or declare LossFunction.CrossEntropy instead";
                    fix = output == "Softmax" ? DiagnosticProperties.FixLogSoftmax : null;
                    break;
                case LossInput.Probabilities when output is not ("Sigmoid" or "Softmax"):
                    expects = "probabilities in [0, 1] (Sigmoid)";
                    why = $"{network.Name(last)} does not keep its outputs in [0, 1], and {function} fails at run time on the first value outside ('all elements of input should be between 0 and 1')";
                    advice = "declare LossFunction.BinaryCrossEntropyWithLogits, which applies the sigmoid itself and is numerically stabler, or add [Sigmoid] as the last layer";
                    break;
            }

            if (expects is null)
            {
                return;
            }

            var properties = ImmutableDictionary<string, string?>.Empty;
            if (fix is not null)
            {
                properties = properties.Add(DiagnosticProperties.Fix, fix);
            }

            var additional = network.Parsed.LossAttribute?.ApplicationSyntaxReference is { } reference
                ? new[] { Location.Create(reference.SyntaxTree, reference.Span) }
                : null;
            network.Report(Diagnostic.Create(
                DiagnosticDescriptors.OutputDoesNotFitLoss,
                network.Layers[last].Location,
                additional,
                properties,
                network.Name(last),
                loss.Name,
                expects,
                why,
                advice));
        }
    }
}
