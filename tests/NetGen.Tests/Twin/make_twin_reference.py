#!/usr/bin/env python3
"""PyTorch reference numbers for the twin parity tests (TwinParityTests.cs).

Regenerate from the repository root, in two steps:

    NETGEN_WRITE_TWIN_FIXTURES=1 dotnet test tests/NetGen.Tests --filter "FullyQualifiedName~TwinParityTests"
    /usr/bin/python3 tests/NetGen.Tests/Twin/make_twin_reference.py

The first writes tests/NetGen.Tests/Twin/Fixtures/: each network's twin source (<Name>.py, the generated
PyTorchSource), the .NET module's weights (<Name>.safetensors, written by NetGen's SaveSafetensors) and a small
data file for the launcher. This script (Debian's python3-torch, standard library and torch only) then, for
every network:
  1. loads the twin module from Fixtures/<Name>.py and the .NET weights into it,
  2. draws a fixed input batch of 4 and a fixed projection of the output (seeded: inputs multiples of 1/8 in [-1, 1],
     or int64 token ids over the whole vocabulary for twins that declare TOKENS; output weights multiples of 1/64 in
     [-1/8, 1/8]),
  3. in eval mode (and in train mode when the network has no dropout or channel dropout) runs forward, then backward of
     sum(output * projection), and records the output, the input's gradient (float inputs), every parameter's gradient and,
     in train mode, the BatchNorm running statistics,
  4. for networks declaring [Loss]: the declared loss on a fixed target, backward, the declared clipping
     (clip_gradients) and the clipped gradients,
  5. for networks declaring initialisation: the twin's initial state dict after torch.manual_seed(7).
Large tensors are recorded by their L2 norm and every k-th element (at most 128 values each); inputs exactly.
It writes Twin/twin_reference.json. It also trains V01Mlp's twin for one epoch with the shipped launcher
(src/Runtime/PyTorch/train.py) and keeps the state dict it writes as Fixtures/launcher/V01Mlp.pt for the
.NET loader tests, and EveryTextLayerNet's twin (int64 token data, cross-entropy, from the .NET weights) for one
epoch, keeping its weights as Fixtures/launcher/EveryTextLayerNet.safetensors and their eval-mode loss on the data
in twin_reference.json ("launcher"). The C# tests read only committed files: they need no Python.
"""

import datetime
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "Fixtures")
REPOSITORY = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
LAUNCHER = os.path.join(REPOSITORY, "src", "Runtime", "PyTorch", "train.py")
TOLERANCE = 1e-5
BATCH = 4
MAX_VALUES = 128
INIT_SEED = 7
SEED = 1206

sys.path.insert(0, os.path.dirname(LAUNCHER))
import train  # noqa: E402  (the launcher's safetensors reader and weight loader)


def load_twin(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(FIXTURES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tensor_json(t, exact=False):
    """Shape, L2 norm and every stride-th element (flattened), at most MAX_VALUES of them; exact=True keeps all."""
    t = t.detach().cpu()
    flat = t.reshape(-1)
    stride = 1 if exact else max(1, -(-flat.numel() // MAX_VALUES))
    if not t.is_floating_point():
        return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "stride": 1, "values": flat.tolist()}
    return {
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "norm": float(f"{float(flat.double().norm()):.9g}"),
        "stride": stride,
        "values": [float(f"{v:.9g}") for v in flat[::stride].double().tolist()],
    }


def fresh_model(twin, name):
    model = twin.MODEL()
    train.load_weights(model, os.path.join(FIXTURES, name + ".safetensors"))
    return model


def run_mode(twin, name, mode, x, projection):
    model = fresh_model(twin, name)
    model.train(mode == "train")
    x = x.clone().requires_grad_(True) if x.is_floating_point() else x
    output = model(x)
    (output * projection).sum().backward()
    record = {"output": tensor_json(output)}
    if x.is_floating_point():
        record["input_grad"] = tensor_json(x.grad)
    record["grads"] = {n: tensor_json(p.grad) for n, p in model.named_parameters()}
    if mode == "train":
        buffers = {n: tensor_json(b) for n, b in model.named_buffers() if "running" in n}
        if buffers:
            record["buffers"] = buffers
    return record


def run_declared(twin, name, x, generator):
    model = fresh_model(twin, name)
    model.train()
    output = model(x)
    if twin.LOSS in ("cross_entropy", "nll_loss"):
        target = torch.randint(0, output.shape[1], (x.shape[0],), generator=generator)
    else:
        target = torch.randint(-8, 9, output.shape, generator=generator).float() / 8
    loss = twin.loss(output, target)
    loss.backward()
    norm = twin.clip_gradients(model)
    return {
        "target": tensor_json(target, exact=True),
        "loss": float(loss),
        "norm": float(norm),
        "grads": {n: tensor_json(p.grad) for n, p in model.named_parameters()},
    }


def reference_for(name):
    twin = load_twin(name)
    generator = torch.Generator().manual_seed(SEED)
    # Multiples of 1/8 in [-1, 1]: exact in float32 and short in JSON.
    if getattr(twin, "TOKENS", None) is not None:
        x = torch.randint(0, twin.TOKENS, (BATCH,) + tuple(twin.INPUT_SHAPE), generator=generator)
    else:
        x = torch.randint(-8, 9, (BATCH,) + tuple(twin.INPUT_SHAPE), generator=generator).float() / 8
    # The loss weights are multiples of 1/64 in [-1/8, 1/8]: gradients that are zero in exact arithmetic (a convolution's
    # bias before a train-mode BatchNorm) come out as float32 rounding noise in both engines, which scales with them.
    projection = torch.randint(-8, 9, (BATCH,) + tuple(twin.OUTPUT_SHAPE), generator=generator).float() / 64
    with open(os.path.join(FIXTURES, name + ".py"), encoding="utf-8") as f:
        source = f.read()
    # F.dropout in forward, or a module built with a dropout probability above zero (attention, encoder layers).
    has_dropout = "F.dropout(" in source or "F.dropout2d(" in source or any(float(p) > 0 for p in re.findall(r"dropout=([0-9.e+-]+)", source))
    modes = ["eval"] if has_dropout else ["eval", "train"]
    result = {
        "input": tensor_json(x, exact=True),
        "projection": tensor_json(projection, exact=True),
        "modes": {mode: run_mode(twin, name, mode, x, projection) for mode in modes},
    }
    if hasattr(twin, "loss"):
        result["declared"] = run_declared(twin, name, x, generator)
    if "_initialise(self." in source:
        # The declared initialisation from a seeded generator: the .NET test seeds TorchSharp alike and compares.
        torch.manual_seed(INIT_SEED)
        result["seeded_init"] = {"seed": INIT_SEED, "state": {n: tensor_json(t) for n, t in twin.MODEL().state_dict().items()}}
    return result


def launcher_fixture():
    """One epoch of V01Mlp and of EveryTextLayerNet (token ids) through the shipped launcher; the loader tests' twin-written files."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, LAUNCHER, os.path.join(FIXTURES, "EveryTextLayerNet.py"),
                   os.path.join(FIXTURES, "EveryTextLayerNet.data.safetensors"), "--out", out, "--epochs", "1", "--batch-size", "8",
                   "--loss", "cross_entropy", "--lr", "0.01", "--init-weights", os.path.join(FIXTURES, "EveryTextLayerNet.safetensors")]
        subprocess.run(command, check=True)
        os.makedirs(os.path.join(FIXTURES, "launcher"), exist_ok=True)
        trained = os.path.join(FIXTURES, "launcher", "EveryTextLayerNet.safetensors")
        shutil.copyfile(os.path.join(out, "EveryTextLayerNet.safetensors"), trained)
    twin = load_twin("EveryTextLayerNet")
    model = twin.MODEL()
    train.load_weights(model, trained)
    model.eval()
    data = train.read_safetensors(os.path.join(FIXTURES, "EveryTextLayerNet.data.safetensors"))
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(model(data["inputs"]), data["targets"])
    text_launcher = {"network": "EveryTextLayerNet", "eval_cross_entropy": float(loss)}
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, LAUNCHER, os.path.join(FIXTURES, "V01Mlp.py"), os.path.join(FIXTURES, "V01Mlp.data.safetensors"),
                   "--out", out, "--epochs", "1", "--batch-size", "8", "--loss", "mse_loss", "--lr", "0.01"]
        subprocess.run(command, check=True)
        os.makedirs(os.path.join(FIXTURES, "launcher"), exist_ok=True)
        for extension in (".pt", ".safetensors"):
            shutil.copyfile(os.path.join(out, "V01Mlp" + extension), os.path.join(FIXTURES, "launcher", "V01Mlp" + extension))
    return text_launcher


def main():
    torch.set_num_threads(1)
    names = sorted(f[:-len(".safetensors")] for f in os.listdir(FIXTURES)
                   if f.endswith(".safetensors") and not f.endswith(".data.safetensors"))
    reference = {
        "generated_by": "tests/NetGen.Tests/Twin/make_twin_reference.py",
        "date": datetime.date.today().isoformat(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "tolerance": TOLERANCE,
        "networks": {name: reference_for(name) for name in names},
    }
    reference["launcher"] = launcher_fixture()
    with open(os.path.join(HERE, "twin_reference.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote twin_reference.json for {len(names)} networks, Fixtures/launcher/V01Mlp.pt and EveryTextLayerNet.safetensors")


if __name__ == "__main__":
    main()
