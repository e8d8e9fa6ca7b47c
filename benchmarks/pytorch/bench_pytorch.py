#!/usr/bin/env python3
"""PyTorch peer baseline for NetGen's benchmarks: the same networks, batches, losses, clipping and Adam
as benchmarks/NetGen.Benchmarks, timed the same way (warm-up, then rounds of many steps, median of the
per-step time over rounds). Run by the benchmark runner when python3 with torch is present, or by hand:

    /usr/bin/python3 benchmarks/pytorch/bench_pytorch.py --threads 1 --threads default --json out.json
    /usr/bin/python3 benchmarks/pytorch/bench_pytorch.py --memory DeepNet --steps 10000
    /usr/bin/python3 benchmarks/pytorch/bench_pytorch.py --worker --threads 1   # JSON lines on stdin/stdout
    /usr/bin/python3 benchmarks/pytorch/bench_pytorch.py --ops   # ConvNet's operations and DeepNet's batch-1 layers one at a time, as `ops`

The worker is how the .NET runner's `interleaved` command gives PyTorch its turn in every round: it sets up the
contenders it is asked for and runs N calls of one when told, answering with wall and process CPU time per call.

Which BLAS PyTorch loaded (Debian's python3-torch uses whatever libblas.so.3 the system selects:
the slow reference BLAS unless OpenBLAS is installed) is read from the process's memory map and reported.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
from torch import nn

DEFAULT_THREADS = torch.get_num_threads()

# name: (batch, sample shape, outputs, loss, clip norm) -- as NetworkSetup in BenchmarkNetworks.cs
SETUPS = {
    "SimpleNet": (64, (784,), 10, "ce", None),
    "DeepNet": (10, (100,), 1, "mse", 1.0),
    "Mlp20": (64, (256,), 10, "ce", None),
    "ConvNet": (64, (1, 28, 28), 10, "ce", None),
}

# Parameter counts of the .NET declarations (BenchmarkNetworks.ExpectedParameters): the models must match.
PARAMETERS = {"SimpleNet": 267_410, "DeepNet": 3_105_001, "Mlp20": 1_252_618, "ConvNet": 16_330}


def make(name):
    model = build(name)
    count = sum(p.numel() for p in model.parameters())
    if count != PARAMETERS[name]:
        raise SystemExit(f"{name}: {count:,} parameters, the .NET declaration has {PARAMETERS[name]:,}")
    return model


def build(name):
    torch.manual_seed(42)
    if name == "SimpleNet":
        return nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.BatchNorm1d(300),
                             nn.Linear(300, 100), nn.ReLU(), nn.BatchNorm1d(100), nn.Linear(100, 10))
    if name == "DeepNet":
        layers = [nn.Linear(100, 1000), nn.ReLU()]
        for _ in range(3):
            layers += [nn.Linear(1000, 1000), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(1000, 1))
    if name == "Mlp20":
        layers = []
        for _ in range(19):
            layers += [nn.Linear(256, 256), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(256, 10))
    if name == "ConvNet":
        return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(32 * 6 * 6, 10))
    raise SystemExit(f"unknown network {name!r}; known: {', '.join(SETUPS)}")


class Session:
    def __init__(self, name):
        batch, sample, outputs, loss, clip = SETUPS[name]
        self.model = make(name)
        self.model.train()
        # foreach=False: PyTorch 1.13's CPU default, the single-tensor loop TorchSharp's Adam mirrors.
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, foreach=False)
        torch.manual_seed(0)
        self.x = torch.randn(batch, *sample)
        if loss == "ce":
            self.y = torch.randint(0, outputs, (batch,))
            self.criterion = nn.CrossEntropyLoss()
        else:
            self.y = torch.randn(batch, outputs)
            self.criterion = nn.MSELoss()
        self.clip = clip

    def step(self):
        self.optimizer.zero_grad(set_to_none=False)  # TorchSharp's zero_grad zeroes in place too
        loss = self.criterion(self.model(self.x), self.y)
        loss.backward()
        if self.clip is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()

    def update(self):
        """The optimiser update with the declared clipping, on the gradients already there."""
        if self.clip is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()

    def compute_gradients(self):
        self.optimizer.zero_grad(set_to_none=False)
        self.criterion(self.model(self.x), self.y).backward()


def measure(fn, warmup_s, rounds, round_s):
    """Median per-call wall and CPU time in ms over `rounds` rounds of about `round_s` seconds each."""
    deadline = time.perf_counter() + warmup_s
    calls = 0
    while time.perf_counter() < deadline or calls < 3:
        fn()
        calls += 1
    start = time.perf_counter()
    fn()
    single = max(time.perf_counter() - start, 1e-6)
    per_round = max(1, int(round_s / single))
    samples, cpu_samples = [], []
    for _ in range(rounds):
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        samples.append((time.perf_counter() - start) * 1000 / per_round)
        cpu_samples.append((time.process_time() - cpu) * 1000 / per_round)
    # Process CPU time (all threads) per call: on a machine shared with other jobs, the steadier figure.
    return statistics.median(samples), statistics.median(cpu_samples), per_round


def blas_library():
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    real = sorted({os.path.realpath(p) for p in paths})
    if any("openblas" in p for p in real):
        return "OpenBLAS (" + ", ".join(real) + ")"
    if any("/blas/" in p for p in real):
        return "reference BLAS (" + ", ".join(real) + ")"
    return ", ".join(real) or "none found"


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_benchmarks(args):
    results = []
    thread_settings = args.threads or ["1", "default"]
    for setting in thread_settings:
        torch.set_num_threads(DEFAULT_THREADS if setting == "default" else int(setting))
        for name in args.networks:
            session = Session(name)
            ms, cpu, n = measure(session.step, args.warmup, args.rounds, args.round_time)
            results.append({"benchmark": "Training", "network": name, "threads": setting, "median_ms": ms, "cpu_ms": cpu, "calls_per_round": n})
            print(f"training  {name:10s} threads={setting:8s} {ms:9.3f} ms (CPU {cpu:9.3f} ms)", file=sys.stderr)
            if name in ("SimpleNet", "DeepNet"):
                session.compute_gradients()
                ms, cpu, n = measure(session.optimizer.step, args.warmup, args.rounds, args.round_time)
                results.append({"benchmark": "AdamUpdate", "network": name, "threads": setting, "median_ms": ms, "cpu_ms": cpu, "calls_per_round": n})
                print(f"adam      {name:10s} threads={setting:8s} {ms:9.3f} ms (CPU {cpu:9.3f} ms)", file=sys.stderr)
            model = make(name).eval()
            for batch in (1, 64):
                x = torch.randn(batch, *SETUPS[name][1])

                def infer():
                    with torch.no_grad():
                        model(x)
                ms, cpu, n = measure(infer, args.warmup, args.rounds, args.round_time)
                results.append({"benchmark": "Inference", "network": name, "batch": batch, "threads": setting, "median_ms": ms, "cpu_ms": cpu, "calls_per_round": n})
                print(f"inference {name:10s} batch={batch:<3d} threads={setting:8s} {ms:9.3f} ms (CPU {cpu:9.3f} ms)", file=sys.stderr)
    return results


def run_memory(args):
    torch.set_num_threads(1 if (args.threads or ["1"])[0] == "1" else DEFAULT_THREADS)
    session = Session(args.memory)
    session.step()
    start = rss_mb()
    peak = start
    report_every = max(1, args.steps // 10)
    for i in range(1, args.steps + 1):
        session.step()
        if i % report_every == 0:
            peak = max(peak, rss_mb())
            print(f"step {i:6d}: RSS {rss_mb():8.1f} MB", file=sys.stderr)
    end = rss_mb()
    return {"network": args.memory, "steps": args.steps, "threads": torch.get_num_threads(),
            "start_mb": start, "end_mb": end, "max_mb": max(peak, end)}


def minor_faults():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def run_ops(args):
    """ConvNet's operations and DeepNet's batch-1 layers one at a time at one thread, as the .NET runner's `ops` command times them in libtorch:
    CPU ms per call (median of 7 rounds) and minor page faults per call. Set MALLOC_MMAP_THRESHOLD_ and
    MALLOC_TRIM_THRESHOLD_ in the environment for the runner's `--malloc fixed`."""
    import torch.nn.functional as F
    torch.set_num_threads(1)
    torch.manual_seed(0)
    calls = 20 if args.quick else 200
    x = torch.randn(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    conv1, conv2, fc = nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3), nn.Linear(1152, 10)
    with torch.no_grad():
        a1 = conv1(x); r1 = F.relu(a1); p1 = F.max_pool2d(r1, 2)
        a2 = conv2(p1); r2 = F.relu(a2); p2 = F.max_pool2d(r2, 2)

    def no_grad(op):
        def call():
            with torch.no_grad():
                op()
        return call

    def forward_backward(leaf, op):
        def call():
            output = op(leaf)
            output.backward(torch.ones_like(output))
        return call

    def leaf(t):
        return t.detach().clone().requires_grad_()

    def head(t):
        def call():
            F.cross_entropy(fc(t.flatten(1)), y).backward()
        return call

    ops = [
        ("conv1 forward, no_grad", no_grad(lambda: conv1(x))),
        ("relu1, no_grad", no_grad(lambda: F.relu(a1))),
        ("pool1, no_grad", no_grad(lambda: F.max_pool2d(r1, 2))),
        ("conv2 forward, no_grad", no_grad(lambda: conv2(p1))),
        ("relu2, no_grad", no_grad(lambda: F.relu(a2))),
        ("pool2, no_grad", no_grad(lambda: F.max_pool2d(r2, 2))),
        ("flatten + linear, no_grad", no_grad(lambda: fc(p2.flatten(1)))),
        ("conv1 forward + backward (weight gradient)", forward_backward(x, conv1)),
        ("conv2 forward + backward (input and weight gradients)", forward_backward(leaf(p1), conv2)),
        ("relu1 + pool1 forward + backward", forward_backward(leaf(a1), lambda t: F.max_pool2d(F.relu(t), 2))),
        ("pool1 forward + backward", forward_backward(leaf(r1), lambda t: F.max_pool2d(t, 2))),
        ("relu2 + pool2 forward + backward", forward_backward(leaf(a2), lambda t: F.max_pool2d(F.relu(t), 2))),
        ("flatten + linear + cross-entropy forward + backward", head(leaf(p2))),
    ]
    v, h = torch.randn(1, 100), torch.randn(1, 1000)
    wide, square, last = nn.Linear(100, 1000), nn.Linear(1000, 1000), nn.Linear(1000, 1)
    ops += [
        ("DeepNet Linear(100, 1000), batch 1, no_grad", no_grad(lambda: wide(v))),
        ("DeepNet Linear(1000, 1000), batch 1, no_grad", no_grad(lambda: square(h))),
        ("DeepNet ReLU(1000), batch 1, no_grad", no_grad(lambda: F.relu(h))),
        ("DeepNet Linear(1000, 1), batch 1, no_grad", no_grad(lambda: last(h))),
    ]
    print("| operation | CPU ms per call | minor page faults per call |")
    print("|---|---:|---:|")
    for name, call in ops:
        for _ in range(10):
            call()
        samples, faults = [], minor_faults()
        for _ in range(7):
            cpu = time.process_time()
            for _ in range(calls):
                call()
            samples.append((time.process_time() - cpu) * 1000 / calls)
        faults = (minor_faults() - faults) / (7 * calls)
        print(f"| {name} | {statistics.median(samples):.4f} | {faults:.0f} |", flush=True)


def contender(benchmark, name, batch):
    """A callable for one row: Training, Update (optimiser with clipping) or Inference at a batch size."""
    if benchmark == "Training":
        return Session(name).step
    if benchmark == "Update":
        session = Session(name)
        session.compute_gradients()
        return session.update
    model = make(name).eval()
    x = torch.randn(batch, *SETUPS[name][1])

    def infer():
        with torch.no_grad():
            model(x)
    return infer


def worker(args):
    setting = (args.threads or ["1"])[0]
    torch.set_num_threads(DEFAULT_THREADS if setting == "default" else int(setting))
    contenders = {}
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "info":
            torch.mm(torch.randn(64, 64), torch.randn(64, 64))  # loads the BLAS
            reply = {"python": platform.python_version(), "torch": torch.__version__, "blas": blas_library(), "threads": torch.get_num_threads()}
        elif op == "setup":
            contenders[request["id"]] = contender(request["benchmark"], request["network"], request.get("batch") or 0)
            reply = {"ok": True}
        elif op == "calibrate":
            fn = contenders[request["id"]]
            deadline = time.perf_counter() + request["warmup_s"]
            calls, start = 0, time.perf_counter()
            while time.perf_counter() < deadline or calls < 3:
                fn()
                calls += 1
            elapsed = time.perf_counter() - start
            reply = {"calls": max(1, int(calls * request["round_s"] / elapsed))}
        elif op == "run":
            fn = contenders[request["id"]]
            n = request["calls"]
            cpu, start = time.process_time(), time.perf_counter()
            for _ in range(n):
                fn()
            reply = {"wall_ms": (time.perf_counter() - start) * 1000 / n, "cpu_ms": (time.process_time() - cpu) * 1000 / n}
        elif op == "drop":
            contenders.pop(request["id"], None)
            reply = {"ok": True}
        else:
            reply = {"error": f"unknown op {op!r}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", action="append", choices=["1", "default"], help="thread setting (repeatable; default both)")
    parser.add_argument("--networks", nargs="+", default=list(SETUPS), choices=list(SETUPS))
    parser.add_argument("--quick", action="store_true", help="short warm-up and few rounds (a check, not a measurement)")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--memory", choices=list(SETUPS), help="instead of timing, train this network for --steps steps and report RSS")
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--worker", action="store_true", help="answer JSON-line requests on stdin (see the module docstring)")
    parser.add_argument("--ops", action="store_true", help="time ConvNet's operations and DeepNet's batch-1 layers one at a time (see run_ops)")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.ops:
        run_ops(args)
        return
    args.warmup, args.rounds, args.round_time = (0.2, 3, 0.1) if args.quick else (2.0, 15, 0.25)

    report = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "blas": blas_library(),
        "default_threads": DEFAULT_THREADS,
        "machine": platform.machine(),
    }
    if args.memory:
        report["memory"] = run_memory(args)
        report["blas"] = blas_library()
    else:
        report["results"] = run_benchmarks(args)
        report["blas"] = blas_library()  # BLAS loads lazily on the first matrix product
    text = json.dumps(report, indent=2)
    if args.json:
        with open(args.json, "w") as out:
            out.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
