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


if __name__ == "__main__":
    main()
