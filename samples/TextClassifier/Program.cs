// A transformer text classifier declared with NetGen attributes (TextClassifierNet.cs), trained on built-in data.
// The data is synthetic and deterministic (no download): sequences of 16 token ids, 6 to 16 of them real and the
// rest padding (id 0). Ordinary tokens are ids 1-59; ids 60-63 are four marker tokens. Each sequence holds one kind of
// marker, one to three times at random positions, and its class is which marker it is: the model must find the marker
// among up to 15 ordinary tokens wherever it stands.
using System;
using System.Diagnostics;
using NetGen.Samples;
using TorchSharp;
using static TorchSharp.torch;

const int steps = 16, trainCount = 2048, testCount = 1024, batchSize = 64, epochs = 4;
torch.manual_seed(7);
torch.set_num_threads(1);
var random = new Random(7);
var (trainX, trainY) = Data(trainCount);
var (testX, testY) = Data(testCount);

using var model = new TextClassifierNet();
using var optimizer = torch.optim.Adam(model.parameters(), lr: 2e-3);
Console.WriteLine(TextClassifierNet.Summary);
var clock = Stopwatch.StartNew();
for (var epoch = 1; epoch <= epochs; epoch++)
{
    model.train();
    var permutation = torch.randperm(trainCount);
    double lossSum = 0;
    var batches = 0;
    for (var start = 0; start < trainCount; start += batchSize)
    {
        using var scope = torch.NewDisposeScope();
        var index = permutation.narrow(0, start, batchSize);
        optimizer.zero_grad();
        var loss = model.Loss(model.call(trainX.index_select(0, index)), trainY.index_select(0, index));
        loss.backward();
        optimizer.step();
        lossSum += loss.item<float>();
        batches++;
    }

    Console.WriteLine($"Epoch {epoch,2}: loss {lossSum / batches:F4}, test accuracy {Accuracy(testX, testY):P1}");
}

var accuracy = Accuracy(testX, testY);
Console.WriteLine($"Test accuracy {accuracy:P1} on {testCount:N0} held-out sequences after {epochs} epochs ({clock.Elapsed.TotalSeconds:F0} s of training).");
return accuracy >= 0.95 ? 0 : 1;

double Accuracy(Tensor x, Tensor y)
{
    model.eval();
    using var noGrad = torch.no_grad();
    using var scope = torch.NewDisposeScope();
    return model.call(x).argmax(1).eq(y).to_type(ScalarType.Float32).mean().item<float>();
}

(Tensor Tokens, Tensor Labels) Data(int count)
{
    var tokens = new long[count, steps];
    var labels = new long[count];
    for (var i = 0; i < count; i++)
    {
        var length = random.Next(6, steps + 1);
        for (var t = 0; t < length; t++)
        {
            tokens[i, t] = random.Next(1, 60);
        }

        var marker = random.Next(4);
        for (var copy = random.Next(1, 4); copy > 0; copy--)
        {
            tokens[i, random.Next(length)] = 60 + marker;
        }

        labels[i] = marker;
    }

    return (torch.tensor(tokens), torch.tensor(labels));
}
