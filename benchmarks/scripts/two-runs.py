#!/usr/bin/env python3
"""Summarises two outputs of `interleaved --threads 1` as docs/performance.md's results table: for every row, NetGen's
route against PyTorch in each run. Training rows are NetGen's training step (TrainStep with FusedAdam); inference rows
give the generated TorchSharp module and the ONNX Runtime route. A TorchSharp-route ratio is the run's own median of
per-round ratios with its 25th-75th percentiles; an ONNX Runtime ratio is the quotient of the two CPU medians (the
runner reports per-round ratios against the first contender only).

    python3 benchmarks/scripts/two-runs.py benchmarks/results/RUN1.txt benchmarks/results/RUN2.txt
"""
import sys


def rows(path):
    table = {}
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9 or cells[0] in ("benchmark", "---"):
            continue
        benchmark, network, batch, _threads, contender, cpu, _wall, ratio, spread = cells
        key = (benchmark, network, batch)
        table.setdefault(key, {})[contender] = (float(cpu), ratio, spread)
    return table


def pytorch(contenders):
    return next(v for k, v in contenders.items() if k.startswith("PyTorch"))


def main():
    if len(sys.argv) != 3:
        print("usage: two-runs.py RUN1 RUN2", file=sys.stderr)
        sys.exit(2)
    runs = [rows(p) for p in sys.argv[1:]]
    print("| row | NetGen route | run 1: NetGen / PyTorch ms CPU | run 1 ratio [25th–75th] | run 2: NetGen / PyTorch ms CPU | run 2 ratio [25th–75th] |")
    print("|---|---|---:|---|---:|---|")
    for network in ("SimpleNet", "DeepNet", "Mlp20", "ConvNet"):
        lines = [("training step", ("training step, Adam", network, ""), "NetGen FusedAdam, TrainStep", "TrainStep + FusedAdam")]
        for batch in ("1", "64"):
            lines.append((f"inference, batch {batch}", ("inference", network, batch), "NetGen", "generated module (TorchSharp)"))
            lines.append((f"inference, batch {batch}", ("inference", network, batch), "NetGen ONNX Runtime", "ONNX Runtime (NetGen.Inference)"))
        for label, key, contender, route in lines:
            cells = []
            for run in runs:
                contenders = run.get(key)
                if not contenders or contender not in contenders:
                    cells += ["–", "–"]
                    continue
                mine = contenders[contender]
                theirs = pytorch(contenders)
                times = f"{mine[0]:.4g} / {theirs[0]:.4g}"
                if contender == next(iter(contenders)):
                    cells += [times, f"{theirs[1]} [{theirs[2]}]"]
                else:
                    cells += [times, f"{mine[0] / theirs[0]:.3f} (of medians)"]
            print(f"| {network} {label} | {route} | " + " | ".join(cells) + " |")

    print()
    print("| update (FusedAdam) | run 1: ms CPU | / PyTorch's Adam [25th–75th] | / libtorch copy_ of the bytes moved | run 2: ms CPU | / PyTorch's Adam | / copy_ |")
    print("|---|---:|---|---|---:|---|---|")
    for network in ("SimpleNet", "DeepNet", "Mlp20", "ConvNet"):
        cells = []
        for run in runs:
            key = next((k for k in run if k[0].startswith("Adam update") and k[1] == network), None)
            if key is None:
                cells += ["–", "–", "–"]
                continue
            contenders = run[key]
            fused = contenders["NetGen FusedAdam"]
            copy = next(v for k, v in contenders.items() if k.startswith("libtorch copy_"))
            theirs = pytorch(contenders)
            cells += [f"{fused[0]:.4g}", f"{theirs[1]} [{theirs[2]}]", f"{copy[1]} [{copy[2]}]"]
        print(f"| {network}{' (clipping included)' if network == 'DeepNet' else ''} | " + " | ".join(cells) + " |")

    print()
    print("| row | NetGen / hand-written, run 1 [25th–75th] | run 2 [25th–75th] | NetGen / Sequential, run 1 | run 2 |")
    print("|---|---|---|---|---|")
    for network in ("SimpleNet", "DeepNet", "Mlp20", "ConvNet"):
        for label, key in [("training step (TorchSharp's Adam)", ("training step", network, "")),
                           ("inference, batch 1", ("inference", network, "1")),
                           ("inference, batch 64", ("inference", network, "64"))]:
            cells = []
            for other in ("hand-written", "Sequential"):
                for run in runs:
                    contender = run.get(key, {}).get(other)
                    cells.append(f"{contender[1]} [{contender[2]}]" if contender else "–")
            print(f"| {network} {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
