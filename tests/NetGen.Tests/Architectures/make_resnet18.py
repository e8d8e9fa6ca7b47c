#!/usr/bin/env python3
"""torchvision's ResNet-18 as a fixture for NetGen's ResNet18Tests.cs.

Re-run from the repository root with Debian's system interpreter
(apt-get install -y python3-torch python3-torchvision):

    /usr/bin/python3 tests/NetGen.Tests/Architectures/make_resnet18.py

It writes, next to this script:
  resnet18_fp16.pt  torchvision.models.resnet18()'s state dict, randomly initialised with
                    torch.manual_seed(18), saved with torch.save in torchvision's key order and
                    naming (conv1.weight, bn1.*, layer1.0.conv1.weight, ..., fc.bias).
  resnet18_io.pt    a fixed input of shape (2, 3, 64, 64) and the model's eval-mode output (2, 1000).

Why float16 and 64x64: the 11,689,512 parameters take 47 MB as float32 and 23 MB as float16, and the
fixture is committed. Every floating tensor is rounded to float16 first and loaded back into the model
as float32, so the reference output is computed from exactly the values the file holds; only the
storage is half precision, all arithmetic is float32 on both sides. A 64x64 input keeps the C# test
fast (ResNet-18 is fully convolutional up to its adaptive average pool, so the parameters do not depend
on the input size).

torchvision initialises BatchNorm to weight 1, bias 0, running mean 0, running variance 1, which would
leave those tensors untested; the script replaces them with seeded random values of the same order
(weight and variance in [0.5, 1.5], bias and mean with standard deviation 0.1).
"""

import collections
import os

import torch
import torchvision

SEED = 18
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    torch.manual_seed(SEED)
    model = torchvision.models.resnet18()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.1)
                module.running_mean.normal_(0.0, 0.1)
                module.running_var.uniform_(0.5, 1.5)

    half = collections.OrderedDict(
        (k, v.half() if v.is_floating_point() else v.clone()) for k, v in model.state_dict().items())
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in half.items()})
    model.eval()

    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        y = model(x)

    parameters = sum(p.numel() for p in model.parameters())
    assert parameters == 11689512, parameters
    torch.save(half, os.path.join(HERE, "resnet18_fp16.pt"))
    torch.save(collections.OrderedDict([("input", x), ("output", y)]), os.path.join(HERE, "resnet18_io.pt"))
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}: {parameters:,} parameters, "
          f"{len(half)} state-dict entries, output |max| {y.abs().max().item():.4f}, std {y.std().item():.4f}")


if __name__ == "__main__":
    main()
