#!/usr/bin/env python3
"""PyTorch reference numbers for NetGen's parity tests (PyTorchParityTests.cs).

Re-run from the repository root with Debian's system interpreter (it has python3-torch):

    /usr/bin/python3 tests/NetGen.Tests/Parity/make_reference.py

It rewrites tests/NetGen.Tests/Parity/pytorch_reference.json next to this script. The C# tests
only read that JSON file; running the tests needs no Python and no PyTorch.

The two networks mirror tests/NetGen.Tests/Parity/ParityNetworks.cs. Attribute names (fc1, bn1,
fc2, ...) are the generated field names, so the state-dict keys are identical on both sides.
Everything is float32 with PyTorch's default initialisation, seeded with torch.manual_seed(1234).

Recorded per network, in this order (the C# test replays the same order):
  1. initial state dict (every tensor, shape + nested values)
  2. train mode: forward output for a fixed 8x6 input, MSE loss (mean) against a fixed 8x2
     target, every parameter's gradient after loss.backward(), BatchNorm running stats after
     that one train-mode forward
  3. ParityNet only: clip_grad_norm_(parameters, 0.5, 2.0) total norm and the clipped gradients
  4. eval mode: forward output for the same input (running stats updated, parameters unchanged)
  5. one torch.optim.Adam(lr=1e-2) step on the (clipped) gradients: the updated parameters
"""

import datetime
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234
TOLERANCE = 1e-5
ADAM_LR = 1e-2
CLIP_MAX_NORM = 0.5
CLIP_NORM_TYPE = 2.0
BATCH = 8
TARGET_SCALE = 3.0
# Adam's first step is lr * g / (|g| + eps): a gradient near zero would make the reference
# hypersensitive to rounding noise (even its sign), so the data must keep every |g| above this.
MIN_ABS_GRADIENT = 1e-6


class ParityNet(nn.Module):
    """[Linear(6, 5), ReLU, BatchNorm] [Linear(5, 4), Sigmoid] [Linear(4, 3), Tanh] [Linear(3, 2)]
    [ClipGradNorm(0.5)]"""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.bn1 = nn.BatchNorm1d(5, eps=1e-5, momentum=0.1)
        self.fc2 = nn.Linear(5, 4)
        self.fc3 = nn.Linear(4, 3)
        self.fc4 = nn.Linear(3, 2)

    def forward(self, x):
        x = self.bn1(F.relu(self.fc1(x)))
        x = torch.sigmoid(self.fc2(x))
        x = torch.tanh(self.fc3(x))
        return self.fc4(x)


class ParityNoBiasNet(nn.Module):
    """[Linear(6, 4, Bias = false), Tanh] [Linear(4, 2)]"""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 4, bias=False)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        x = torch.tanh(self.fc1(x))
        return self.fc2(x)


def tensor_json(t):
    t = t.detach().cpu()
    return {
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        # tolist() turns each float32 into the Python float of exactly that value.
        "values": t.tolist(),
    }


def tensors_json(named):
    return {name: tensor_json(t) for name, t in named}


def running_stats(model):
    return tensors_json(
        (name, b) for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var", "num_batches_tracked"))
    )


def run(cls, clip):
    torch.manual_seed(SEED)
    model = cls()  # default PyTorch init, drawn from the seed
    x = torch.randn(BATCH, 6)
    # Scaled so that the loss and the gradient norm are large enough for ClipGradNorm(0.5) to
    # actually clip (checked below).
    target = TARGET_SCALE * torch.randn(BATCH, 2)

    record = {
        "seed": SEED,
        "input": tensor_json(x),
        "target": tensor_json(target),
        "target_scale": TARGET_SCALE,
        "initial_state_dict": tensors_json(model.state_dict().items()),
    }

    model.train()
    out = model(x)
    loss = F.mse_loss(out, target)  # reduction='mean'
    loss.backward()
    record["train_output"] = tensor_json(out)
    record["loss"] = loss.item()
    record["gradients"] = tensors_json((n, p.grad) for n, p in model.named_parameters())
    record["running_stats_after_train_forward"] = running_stats(model)
    for n, p in model.named_parameters():
        smallest = p.grad.abs().min().item()
        assert smallest > MIN_ABS_GRADIENT, f"{cls.__name__}.{n}: |grad| {smallest} too small for a stable Adam check"

    if clip:
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_MAX_NORM, CLIP_NORM_TYPE)
        assert total.item() > 1.5 * CLIP_MAX_NORM, f"total norm {total.item()} would not exercise clipping"
        record["clip_grad_norm"] = {
            "max_norm": CLIP_MAX_NORM,
            "norm_type": CLIP_NORM_TYPE,
            "total_norm": total.item(),
            "clipped_gradients": tensors_json((n, p.grad) for n, p in model.named_parameters()),
        }

    model.eval()
    with torch.no_grad():
        record["eval_output"] = tensor_json(model(x))

    opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR)
    opt.step()
    record["adam"] = {
        "lr": ADAM_LR,
        "betas": [0.9, 0.999],
        "eps": 1e-8,
        "gradients_used": "clipped" if clip else "raw",
        "parameters_after_step": tensors_json(model.named_parameters()),
    }
    return record


def dump(obj, indent=0):
    """Pretty but compact JSON: innermost number lists stay on one line."""
    pad = "  " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{pad}  {json.dumps(k)}: {dump(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ", ".join(json.dumps(v) for v in obj) + "]"
        return "[\n" + ",\n".join(pad + "  " + dump(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    reference = {
        "torch_version": torch.__version__,
        "script": "tests/NetGen.Tests/Parity/make_reference.py",
        "generated": "generated by make_reference.py on "
        + datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        + " (UTC); do not edit by hand, re-run the script instead",
        "tolerance": TOLERANCE,
        "networks": {
            "ParityNet": run(ParityNet, clip=True),
            "ParityNoBiasNet": run(ParityNoBiasNet, clip=False),
        },
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch_reference.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(dump(reference) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
