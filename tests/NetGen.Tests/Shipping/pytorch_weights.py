#!/usr/bin/env python3
"""Reference files for NetGen's PyTorch weight round-trip tests (PyTorchWeightsTests.cs).

Run from the repository root with Debian's system interpreter (python3-torch 1.13):

    /usr/bin/python3 tests/NetGen.Tests/Shipping/pytorch_weights.py make
        PyTorch -> NetGen. Trains ShipNet for a few Adam steps in PyTorch, then writes, under
        tests/NetGen.Tests/Shipping/Reference/:
          pytorch_trained.pt           torch.save(model.state_dict())
          pytorch_trained.safetensors  the same tensors in the safetensors format (written by this
                                       script from the format's specification: Debian 12 has no
                                       python3-safetensors)
          pytorch_trained.json         a fixed input batch and the eval-mode outputs PyTorch computes

    /usr/bin/python3 tests/NetGen.Tests/Shipping/pytorch_weights.py check
        NetGen -> PyTorch. Loads Reference/netgen_trained.pt (written by NetGen's
        SavePyTorchStateDict, see PyTorchWeightsTests.WriteNetGenReference) with
        model.load_state_dict(torch.load(path)) in strict mode, runs the input batch recorded in
        Reference/netgen_trained.json in eval mode, compares with the outputs NetGen recorded there
        (tolerance 1e-5) and writes what PyTorch computed to Reference/netgen_trained.pytorch.json.
        It also parses Reference/netgen_trained.safetensors (NetGen's SaveSafetensors) by hand from the
        format's specification and compares every tensor with the .pt file's. Exits non-zero on any
        difference.

The C# tests need neither Python nor PyTorch: they read the committed files.

ShipNet mirrors tests/NetGen.Tests/Shipping/ShippingNetworks.cs:
    [Linear(4, 8), ReLU, BatchNorm]
    [Linear(8, 3)]
so the state-dict keys are fc1.*, bn1.*, fc2.* on both sides.
"""

import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "Reference")
SEED = 2024
TOLERANCE = 1e-5
TRAIN_STEPS = 25


class ShipNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.bn1 = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.bn1(F.relu(self.fc1(x))))


def tolist(t):
    return t.detach().cpu().tolist()


def write_safetensors(path, state_dict):
    """The safetensors layout: u64 little-endian header length, a JSON header mapping each name to its
    dtype, shape and [begin, end) byte offsets into the data section, then the raw little-endian bytes."""
    dtypes = {torch.float32: ("F32", 4), torch.int64: ("I64", 8)}
    header, blobs, offset = {}, [], 0
    for name, tensor in state_dict.items():
        code, size = dtypes[tensor.dtype]
        data = tensor.detach().contiguous().cpu().numpy().tobytes()
        assert len(data) == tensor.numel() * size
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)  # the reference implementation pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    """Reads a safetensors file by hand, from the format's specification (no safetensors library here)."""
    dtypes = {"F32": torch.float32, "I64": torch.int64}
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length].decode("utf-8"))
    data = blob[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = dtypes[entry["dtype"]]
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors


def make():
    torch.manual_seed(SEED)
    model = ShipNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    data = torch.randn(64, 4)
    targets = (data @ torch.randn(4, 3)).tanh() * 2
    model.train()
    for _ in range(TRAIN_STEPS):
        optimiser.zero_grad()
        loss = F.mse_loss(model(data), targets)
        loss.backward()
        optimiser.step()

    model.eval()
    inputs = torch.randn(6, 4)
    with torch.no_grad():
        outputs = model(inputs)

    os.makedirs(REFERENCE, exist_ok=True)
    state = model.state_dict()
    torch.save(state, os.path.join(REFERENCE, "pytorch_trained.pt"))
    write_safetensors(os.path.join(REFERENCE, "pytorch_trained.safetensors"), state)
    with open(os.path.join(REFERENCE, "pytorch_trained.json"), "w") as f:
        json.dump({
            "generator": "tests/NetGen.Tests/Shipping/pytorch_weights.py make",
            "torch": torch.__version__,
            "seed": SEED,
            "train_steps": TRAIN_STEPS,
            "final_train_loss": loss.item(),
            "tolerance": TOLERANCE,
            "state_dict": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in state.items()},
            "bn1_num_batches_tracked": int(state["bn1.num_batches_tracked"]),
            "fc1_weight_sum": float(state["fc1.weight"].sum()),
            "inputs": tolist(inputs),
            "outputs": tolist(outputs),
        }, f, indent=1)
    print(f"wrote {REFERENCE}: torch {torch.__version__}, final train loss {loss.item():.6f}")


def check():
    with open(os.path.join(REFERENCE, "netgen_trained.json")) as f:
        recorded = json.load(f)
    model = ShipNet()
    loaded = torch.load(os.path.join(REFERENCE, "netgen_trained.pt"))
    result = model.load_state_dict(loaded, strict=True)
    model.eval()
    inputs = torch.tensor(recorded["inputs"], dtype=torch.float32)
    with torch.no_grad():
        outputs = model(inputs)
    netgen = torch.tensor(recorded["outputs"], dtype=torch.float32)
    difference = (outputs - netgen).abs().max().item()
    safetensors = read_safetensors(os.path.join(REFERENCE, "netgen_trained.safetensors"))
    assert sorted(safetensors) == sorted(loaded), "the safetensors file has other keys than the .pt file"
    safetensors_difference = max((safetensors[k].double() - loaded[k].double()).abs().max().item() for k in loaded)
    report = {
        "generator": "tests/NetGen.Tests/Shipping/pytorch_weights.py check",
        "torch": torch.__version__,
        "load_state_dict": str(result),
        "keys": sorted(loaded.keys()),
        "dtypes": {k: str(v.dtype) for k, v in loaded.items()},
        "bn1_num_batches_tracked": int(loaded["bn1.num_batches_tracked"]),
        "max_abs_difference_from_netgen": difference,
        "safetensors_keys": len(safetensors),
        "safetensors_max_abs_difference_from_pt": safetensors_difference,
        "outputs": tolist(outputs),
    }
    with open(os.path.join(REFERENCE, "netgen_trained.pytorch.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(f"PyTorch {torch.__version__} loaded netgen_trained.pt ({result}); "
          f"max |PyTorch - NetGen| = {difference:.3g} over {outputs.numel()} outputs")
    print(f"netgen_trained.safetensors: {len(safetensors)} tensors, max |safetensors - pt| = {safetensors_difference}")
    if difference > TOLERANCE or safetensors_difference != 0:
        sys.exit(f"difference {difference} (safetensors {safetensors_difference}) exceeds the tolerance")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("make", "check"):
        sys.exit("usage: pytorch_weights.py make|check")
    make() if sys.argv[1] == "make" else check()
