#!/usr/bin/env python3
"""PyTorch reference for a depthwise-separable block (GroupedConvolutionTests.A_depthwise_separable_block_matches_PyTorch...).

Re-run from the repository root with Debian's system interpreter (it has python3-torch):

    /usr/bin/python3 tests/NetGen.Tests/Parity/make_depthwise_reference.py

It rewrites tests/NetGen.Tests/Parity/depthwise_reference.json. The network mirrors DepthwiseSeparableBlock in
tests/NetGen.Tests/Catalog/GroupedConvolutionTests.cs (names are NetGen's field names, so the state-dict keys match).
Weights, input and target come from one formula both sides compute, 0.5*sin(0.37*i + offset) over the flattened
tensor, with offset 0.1*k for the k-th parameter in state-dict order, 0.05 for the input and 0.7 for the target.
Train mode (BatchNorm uses the batch's statistics), float32. Recorded: output, MSE loss, the input's gradient and
every parameter's gradient.
"""

import datetime
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-5


class DepthwiseSeparableBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 4, 3, stride=1, padding=1, groups=4, bias=True)
        self.bn1 = nn.BatchNorm2d(4, eps=1e-5, momentum=0.1)
        self.conv2 = nn.Conv2d(4, 8, 1, bias=True)
        self.bn2 = nn.BatchNorm2d(8, eps=1e-5, momentum=0.1)
        self.conv3 = nn.Conv2d(8, 8, 3, stride=2, padding=2, dilation=2, groups=8, bias=False)
        self.fc1 = nn.Linear(32, 3)

    def forward(self, x):
        x = F.relu6(self.bn1(self.conv1(x)))
        x = F.relu6(self.bn2(self.conv2(x)))
        x = self.conv3(x)
        x = F.max_pool2d(x, 2, stride=2, padding=0, ceil_mode=True)
        x = F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        return self.fc1(x.flatten(1))


def formula(shape, offset):
    count = math.prod(shape)
    values = [0.5 * math.sin(0.37 * i + offset) for i in range(count)]
    return torch.tensor(values, dtype=torch.float64).to(torch.float32).reshape(shape)


def dump(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().reshape(-1).tolist()]}


def main():
    model = DepthwiseSeparableBlock()
    model.train()
    names = []
    with torch.no_grad():
        for k, (name, p) in enumerate(model.named_parameters()):
            p.copy_(formula(tuple(p.shape), 0.1 * k))
            names.append(name)
    x = formula((2, 4, 9, 9), 0.05).requires_grad_(True)
    out = model(x)
    target = formula(tuple(out.shape), 0.7)
    loss = F.mse_loss(out, target)
    loss.backward()
    result = {
        "generated_by": "tests/NetGen.Tests/Parity/make_depthwise_reference.py",
        "torch_version": torch.__version__,
        "date": datetime.date.today().isoformat(),
        "tolerance": TOLERANCE,
        "parameter_order": names,
        "output": dump(out),
        "loss": float(loss.item()),
        "input_grad": dump(x.grad),
        "grads": {name: dump(p.grad) for name, p in model.named_parameters()},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "depthwise_reference.json")
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: output {list(out.shape)}, loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
