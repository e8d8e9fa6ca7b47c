#!/usr/bin/env python3
"""Reference files for NetGen's ONNX tests (OnnxPyTorchReferenceTests.cs).

Debian's system interpreter with `apt-get install -y python3-onnx python3-torch` (ONNX 1.12, PyTorch 1.13).
Run from the repository root, in three steps:

    /usr/bin/python3 tests/NetGen.Tests/Onnx/make_onnx_reference.py twins
    NETGEN_WRITE_ONNX_EXPORTS=$PWD/tests/NetGen.Tests/Onnx/reference \
        dotnet test tests/NetGen.Tests --filter "FullyQualifiedName~OnnxPyTorchReference"
    /usr/bin/python3 tests/NetGen.Tests/Onnx/make_onnx_reference.py check

`twins` builds the PyTorch twin of each network below (same attribute names as NetGen's generated fields, so
the same state-dict keys), seeded with torch.manual_seed(SEED), and writes into reference/:
  <Name>.pt            its state dict (torch.save), which the C# test loads into the NetGen module
  <Name>.pytorch.onnx  PyTorch's own torch.onnx.export of it (opset 17, symbolic batch, input/output names)
  and pytorch_onnx_reference.json: a fixed input and PyTorch's eager eval-mode output for it.
The dotnet step then writes <Name>.netgen.onnx with NetGen's ExportOnnx from the same weights.
`check` runs onnx.checker.check_model (full check, with shape inference) on every .onnx file and records
the result and each NetGen file's SHA-256 in onnx_checker.json; the C# test re-exports and compares the hash,
so the recorded check applies to what the exporter writes today.

The tests read only these files; running them needs no Python.
"""

import datetime
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference")
SEED = 20261206
BATCH = 3
OPSET = 17


def twins():
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        """Runs the registered children in order, with PyTorch spellings for NetGen's parameter-free layers."""

        def __init__(self, steps):
            super().__init__()
            self.steps = steps
            for i, (name, module) in enumerate(steps):
                if isinstance(module, nn.Module):
                    # Parameter-free steps are registered too (under names that add no state-dict keys), so eval() reaches Dropout.
                    self.add_module(f"step{i}" if name.startswith("_") else name, module)

        def forward(self, x):
            for name, step in self.steps:
                if name == "_laststep":
                    x = x[:, -1]
                elif name == "_residual":
                    x = x + step(x)
                elif isinstance(step, (nn.LSTM, nn.GRU, nn.RNN)):
                    x = step(x)[0]
                else:
                    x = step(x)
            return x

    class ConvShapeBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(2, 2, 3, padding=1)

        def forward(self, x):
            return torch.tanh(self.conv1(x))


    f = nn.functional
    networks = {
        "V01Mlp": ([10], lambda: Net([("fc1", nn.Linear(10, 20)), ("_", nn.ReLU()), ("fc2", nn.Linear(20, 5))])),
        "V03InferredLinear": ([6], lambda: Net([("fc1", nn.Linear(6, 12)), ("_", nn.Sigmoid()), ("fc2", nn.Linear(12, 3))])),
        "V05MnistCnn": ([1, 28, 28], lambda: Net([
            ("conv1", nn.Conv2d(1, 16, 3, padding=1)), ("bn1", nn.BatchNorm2d(16)), ("_", nn.ReLU()), ("_", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(16, 32, 3, padding=1)), ("_", nn.ReLU()), ("_", nn.AdaptiveAvgPool2d(1)), ("_", nn.Flatten()),
            ("fc1", nn.Linear(32, 10))])),
        "V07Conv1d": ([4, 32], lambda: Net([
            ("conv1", nn.Conv1d(4, 8, 5, stride=2)), ("_", nn.ReLU()), ("conv2", nn.Conv1d(8, 2, 3)), ("_", nn.Flatten()),
            ("fc1", nn.Linear(24, 6))])),
        "V08LstmRegressor": ([20, 3], lambda: Net([("lstm1", nn.LSTM(3, 16, batch_first=True)), ("_laststep", None), ("fc1", nn.Linear(16, 1))])),
        "V09DeepGru": ([15, 4], lambda: Net([
            ("gru1", nn.GRU(4, 8, num_layers=3, batch_first=True)), ("_laststep", None), ("fc1", nn.Linear(8, 2)), ("_", nn.LogSoftmax(1))])),
        "V10Rnn": ([7, 2], lambda: Net([("rnn1", nn.RNN(2, 5, num_layers=2, batch_first=True)), ("ln1", nn.LayerNorm(5)), ("_laststep", None)])),
        "V13PRelu": ([5], lambda: Net([
            ("fc1", nn.Linear(5, 5)), ("prelu1", nn.PReLU()), ("fc2", nn.Linear(5, 5)), ("prelu2", nn.PReLU(init=0.1)), ("fc3", nn.Linear(5, 1))])),
        "V14Transformerish": ([6], lambda: Net([
            ("fc1", nn.Linear(6, 6)), ("ln1", nn.LayerNorm(6)), ("_", nn.GELU()), ("_", nn.Dropout(0.1)), ("fc2", nn.Linear(6, 6)),
            ("ln2", nn.LayerNorm(6)), ("_", nn.GELU()), ("fc3", nn.Linear(6, 3)), ("_", nn.Softmax(1))])),
        "V15PoolFirst": ([3, 8, 8], lambda: Net([
            ("_", nn.AvgPool2d(2, stride=2)), ("bn1", nn.BatchNorm2d(3)), ("_", nn.Flatten()), ("fc1", nn.Linear(48, 7))])),
        "V17ActivationMix": ([4], lambda: Net([
            ("fc1", nn.Linear(4, 3)), ("_", nn.ELU()), ("fc2", nn.Linear(3, 3)), ("_", nn.SELU()), ("fc3", nn.Linear(3, 3)), ("_", nn.ReLU6()),
            ("fc4", nn.Linear(3, 2)), ("_", nn.LeakyReLU())])),
        "V20ResidualConv": ([2, 6, 6], lambda: Net([("res1", ConvShapeBlock()), ("_", nn.Flatten()), ("fc1", nn.Linear(72, 3))])),
    }

    os.makedirs(OUT, exist_ok=True)
    reference = {
        "generator": "tests/NetGen.Tests/Onnx/make_onnx_reference.py twins",
        "torch": torch.__version__,
        "created": datetime.date.today().isoformat(),
        "opset": OPSET,
        "networks": {},
    }
    for name, (shape, make) in networks.items():
        torch.manual_seed(SEED)
        model = make()
        if name == "V20ResidualConv":
            # The residual connection: x + res1(x) before Flatten.
            model.steps[0] = ("_residual", model.res1)
        # Move BatchNorm's running statistics away from (0, 1), as the C# parity tests do.
        model.train()
        with torch.no_grad():
            for _ in range(2):
                model(torch.randn([8] + shape) * 2 + 0.5)
        model.eval()
        torch.save(model.state_dict(), os.path.join(OUT, name + ".pt"))
        x = torch.randn([BATCH] + shape)
        with torch.no_grad():
            y = model(x)
            torch.onnx.export(
                model, x, os.path.join(OUT, name + ".pytorch.onnx"),
                input_names=["input"], output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=OPSET)
        reference["networks"][name] = {
            "input_shape": list(x.shape),
            "input": x.flatten().tolist(),
            "output_shape": list(y.shape),
            "output": y.flatten().tolist(),
        }
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, output {list(y.shape)}")

    with open(os.path.join(HERE, "pytorch_onnx_reference.json"), "w") as f:
        json.dump(reference, f, indent=1)


def check():
    import onnx

    results = {
        "generator": "tests/NetGen.Tests/Onnx/make_onnx_reference.py check",
        "onnx": onnx.__version__,
        "created": datetime.date.today().isoformat(),
        "files": {},
    }
    failures = 0
    for file in sorted(os.listdir(OUT)):
        if not file.endswith(".onnx"):
            continue
        path = os.path.join(OUT, file)
        model = onnx.load(path)
        entry = {
            "ir_version": model.ir_version,
            "opset": model.opset_import[0].version,
            "nodes": len(model.graph.node),
            "initializers": sorted(t.name for t in model.graph.initializer if not t.name.startswith(("/", "onnx::"))),
        }
        try:
            onnx.checker.check_model(model, full_check=True)
            entry["check_model"] = "passed"
        except Exception as e:  # the checker's own exception types differ between ONNX versions
            entry["check_model"] = "failed: " + str(e).splitlines()[0]
            failures += 1
        if file.endswith(".netgen.onnx"):
            with open(path, "rb") as f:
                entry["sha256"] = hashlib.sha256(f.read()).hexdigest()
        results["files"][file] = entry
        print(f"{file}: {entry['check_model']}")

    with open(os.path.join(HERE, "onnx_checker.json"), "w") as f:
        json.dump(results, f, indent=1)
    return failures


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "twins":
        twins()
    elif step == "check":
        sys.exit(1 if check() else 0)
    else:
        print("usage: make_onnx_reference.py twins|check")
        sys.exit(2)
