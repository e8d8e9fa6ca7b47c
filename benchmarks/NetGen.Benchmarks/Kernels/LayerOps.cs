using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Benchmarks.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Benchmarks.Kernels;

/// <summary>
/// <c>ops</c>: ConvNet's operations (batch 64), DeepNet's layers (batch 1) and DeepNet's training step with its matrix products (batch 10) one at a time in libtorch (one thread), each with the minor page faults it
/// takes per call, and the same list from PyTorch (<c>bench_pytorch.py --ops</c>). It locates where ConvNet's time goes
/// in each framework: the kernels themselves, or fresh pages the allocator maps for a large output on every call.
/// </summary>
public static class LayerOps
{
    public static IReadOnlyList<string> Run(bool quick)
    {
        torch.set_num_threads(1);
        torch.manual_seed(0);
        var calls = quick ? 20 : 200;
        var lines = new List<string> { "| operation | CPU ms per call | minor page faults per call |", "|---|---:|---:|" };
        using var x = torch.randn(64, 1, 28, 28);
        using var y = torch.randint(0, 10, new long[] { 64 });
        using var conv1 = nn.Conv2d(1, 16, 3, padding: 1);
        using var conv2 = nn.Conv2d(16, 32, 3);
        using var fc = nn.Linear(1152, 10);
        Tensor a1, r1, p1, a2, r2, p2;
        using (torch.no_grad())
        {
            a1 = conv1.call(x);
            r1 = F.relu(a1);
            p1 = F.max_pool2d(r1, 2);
            a2 = conv2.call(p1);
            r2 = F.relu(a2);
            p2 = F.max_pool2d(r2, 2);
        }

        void Add(string name, Action call)
        {
            var (ms, faults) = Measure(call, calls);
            var line = $"| {name} | {ms.ToString("F4", CultureInfo.InvariantCulture)} | {faults.ToString("F0", CultureInfo.InvariantCulture)} |";
            Console.WriteLine(line);
            lines.Add(line);
        }

        Action NoGrad(Func<Tensor> op) => () =>
        {
            using var _ = torch.no_grad();
            using var output = op();
        };

        Action ForwardBackward(Tensor leaf, Func<Tensor, Tensor> op) => () =>
        {
            using var output = op(leaf);
            using var gradient = torch.ones_like(output);
            output.backward(new[] { gradient });
        };

        Add("conv1 forward, no_grad", NoGrad(() => conv1.call(x)));
        Add("relu1, no_grad", NoGrad(() => F.relu(a1)));
        Add("pool1, no_grad", NoGrad(() => F.max_pool2d(r1, 2)));
        Add("conv2 forward, no_grad", NoGrad(() => conv2.call(p1)));
        Add("relu2, no_grad", NoGrad(() => F.relu(a2)));
        Add("pool2, no_grad", NoGrad(() => F.max_pool2d(r2, 2)));
        Add("flatten + linear, no_grad", NoGrad(() =>
        {
            using var flat = p2.flatten(1);
            return fc.call(flat);
        }));
        Add("conv1 forward + backward (weight gradient)", ForwardBackward(x, t => conv1.call(t)));
        using var p1Leaf = p1.detach().clone().requires_grad_();
        Add("conv2 forward + backward (input and weight gradients)", ForwardBackward(p1Leaf, t => conv2.call(t)));
        using var a1Leaf = a1.detach().clone().requires_grad_();
        Add("relu1 + pool1 forward + backward", ForwardBackward(a1Leaf, t =>
        {
            using var r = F.relu(t);
            return F.max_pool2d(r, 2);
        }));
        using var r1Leaf = r1.detach().clone().requires_grad_();
        Add("pool1 forward + backward", ForwardBackward(r1Leaf, t => F.max_pool2d(t, 2)));
        using var a2Leaf = a2.detach().clone().requires_grad_();
        Add("relu2 + pool2 forward + backward", ForwardBackward(a2Leaf, t =>
        {
            using var r = F.relu(t);
            return F.max_pool2d(r, 2);
        }));

        // What the generated ConvNet runs instead (GeneratedLayers.MaxPool2d: NetGen's kernel for window 2, stride 2; the
        // ReLU after the pooling, in place, when nobody observes the pass).
        Add("pool1 (NetGen kernel), no_grad", NoGrad(() => GeneratedLayers.MaxPool2d(r1, 2, 2, 0)));
        Add("pool2 (NetGen kernel), no_grad", NoGrad(() => GeneratedLayers.MaxPool2d(r2, 2, 2, 0)));
        Add("pool1 (NetGen kernel) forward + backward", ForwardBackward(r1Leaf, t => GeneratedLayers.MaxPool2d(t, 2, 2, 0)));
        Add("pool1 (NetGen kernel) then relu1 in place, forward + backward", ForwardBackward(a1Leaf, t => GeneratedLayers.MaxPool2d(t, 2, 2, 0).relu_()));
        Add("pool2 (NetGen kernel) then relu2 in place, forward + backward", ForwardBackward(a2Leaf, t => GeneratedLayers.MaxPool2d(t, 2, 2, 0).relu_()));
        using var p2Leaf = p2.detach().clone().requires_grad_();
        Add("flatten + linear + cross-entropy forward + backward", () =>
        {
            using var flat = p2Leaf.flatten(1);
            using var logits = fc.call(flat);
            using var loss = F.cross_entropy(logits, y);
            loss.backward();
        });

        foreach (var t in new[] { a1, r1, p1, a2, r2, p2 })
        {
            t.Dispose();
        }

        // DeepNet's layers at batch 1 under no_grad: matrix-vector products where per-call costs and the BLAS library's
        // small-matrix path decide.
        using var v = torch.randn(1, 100);
        using var h = torch.randn(1, 1000);
        using var wide = nn.Linear(100, 1000);
        using var square = nn.Linear(1000, 1000);
        using var last = nn.Linear(1000, 1);
        Add("DeepNet Linear(100, 1000), batch 1, no_grad", NoGrad(() => wide.call(v)));
        Add("DeepNet Linear(1000, 1000), batch 1, no_grad", NoGrad(() => square.call(h)));
        Add("DeepNet ReLU(1000), batch 1, no_grad", NoGrad(() => F.relu(h)));
        Add("DeepNet Linear(1000, 1), batch 1, no_grad", NoGrad(() => last.call(h)));

        // DeepNet's training step at its batch of 10, and the matrix products in it: what the low-rank update leaves to
        // libtorch (the forward product; dW is never formed) and what NetGen's kernel replaces (G·W, the input gradient).
        using var rows = torch.randn(10, 1000);
        using var g = torch.randn(10, 1000);
        Add("DeepNet Linear(1000, 1000) forward, batch 10, no_grad", NoGrad(() => square.call(rows)));
        Add("DeepNet input gradient G·W (libtorch mm), batch 10", NoGrad(() => g.mm(square.weight!)));
        Add("DeepNet weight gradient Gᵀ·X (libtorch mm), batch 10", NoGrad(() => g.t().mm(rows)));
        foreach (var lowRank in new[] { true, false })
        {
            using var network = new Networks.DeepNet();
            network.Trainer.Options.LowRankUpdates = lowRank;
            using var optimizer = new NetGen.Training.FusedAdam(network.parameters(), lr: 1e-3);
            using var loss = nn.MSELoss();
            using var input = torch.randn(10, 100);
            using var target = torch.randn(10, 1);
            Add($"DeepNet training step (TrainStep + FusedAdam{(lowRank ? ", low-rank update" : ", full gradients")}), batch 10", () => network.TrainStep(optimizer, loss, input, target));
        }

        return lines;
    }

    /// <summary>The median over 7 rounds of CPU ms per call, and the minor page faults per call over all rounds.</summary>
    private static (double Ms, double Faults) Measure(Action call, int calls)
    {
        for (var i = 0; i < 10; i++)
        {
            call();
        }

        var samples = new List<double>();
        var faults = MinorFaults();
        for (var round = 0; round < 7; round++)
        {
            var cpu = ProcessCpu.Milliseconds();
            for (var i = 0; i < calls; i++)
            {
                call();
            }

            samples.Add((ProcessCpu.Milliseconds() - cpu) / calls);
        }

        return (samples.OrderBy(s => s).ElementAt(3), (MinorFaults() - faults) / (7.0 * calls));
    }

    /// <summary>The process's minor page faults so far (getrusage); 0 where the call is unavailable.</summary>
    public static long MinorFaults()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var usage = new RUsage();
        return getrusage(0, ref usage) == 0 ? usage.MinorFaults : 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long MaxRss, SharedRss, UnsharedData, UnsharedStack;
        public long MinorFaults, MajorFaults;
        public long Swaps, BlockIn, BlockOut, MessagesSent, MessagesReceived, Signals, VoluntarySwitches, InvoluntarySwitches;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, ref RUsage usage);
}
