#!/usr/bin/env python3
"""Writes ConvCalibrationNetworks.cs: the convolutional part of the calibration suite, from a fixed grid.
Run from this folder: python3 make_conv_networks.py > ConvCalibrationNetworks.cs"""

nets = []

def conv_stack(name, act, depth, channels=8, size=8, bn=False, pool=None, pool_every=0, init=None, dims=2):
    lines = []
    if init:
        lines.append(f"[{init}]")
    lines.append(f"[Input(1, {size}, {size})]" if dims == 2 else f"[Input(2, {size})]")
    conv = "Conv2d" if dims == 2 else "Conv1d"
    for i in range(depth):
        parts = [f"{conv}({channels}, 3, padding: 1)"]
        if bn:
            parts.append("BatchNorm")
        parts.append(act)
        if pool and pool_every and (i + 1) % pool_every == 0:
            parts.append(pool)
        lines.append("[" + ", ".join(parts) + "]")
    lines.append("[Flatten, Linear(10)]")
    nets.append((name, lines))

for act in ["Sigmoid", "Tanh", "ReLU"]:
    for depth in [2, 3, 4, 6, 8, 12]:
        conv_stack(f"Conv{act}{depth}", act, depth)
    for depth in [4, 8]:
        conv_stack(f"Conv{act}{depth}MaxPool", act, depth, size=16, pool="MaxPool2d(2)", pool_every=depth // 2)
        conv_stack(f"Conv{act}{depth}AvgPool", act, depth, size=16, pool="AvgPool2d(2)", pool_every=depth // 2)
    for depth in [4, 8, 12]:
        conv_stack(f"Conv{act}{depth}BatchNorm", act, depth, bn=True)
    conv_stack(f"Conv{act}6Wide", act, 6, channels=16)
    conv_stack(f"Conv1d{act}6", act, 6, size=32, dims=1)

for depth in [4, 8]:
    conv_stack(f"ConvTanh{depth}Xavier", "Tanh", depth, init="XavierInit")
    conv_stack(f"ConvSigmoid{depth}Xavier", "Sigmoid", depth, init="XavierInit")
for depth in [4, 8, 12]:
    conv_stack(f"ConvReLU{depth}Kaiming", "ReLU", depth, init="KaimingInit")
conv_stack("ConvReLU8KaimingMaxPool", "ReLU", 8, size=16, pool="MaxPool2d(2)", pool_every=4, init="KaimingInit")

# LeNet-5 shapes (28x28 input, 5x5 kernels), Sigmoid as in 1998 and ReLU.
for act in ["Sigmoid", "Tanh", "ReLU"]:
    for pool in ["MaxPool2d", "AvgPool2d"]:
        nets.append((f"LeNet{act}{pool.replace('2d', '')}", [
            "[Input(1, 28, 28)]",
            f"[Conv2d(6, 5, padding: 2), {act}, {pool}(2)]",
            f"[Conv2d(16, 5), {act}, {pool}(2)]",
            f"[Flatten, Linear(120), {act}]",
            f"[Linear(84), {act}]",
            "[Linear(10)]"]))
# Global average pooling into the classifier, and a strided stack.
for act in ["Sigmoid", "ReLU"]:
    nets.append((f"Conv{act}6GlobalPool", ["[Input(1, 8, 8)]"] + [f"[Conv2d(8, 3, padding: 1), {act}]"] * 6 + ["[AdaptiveAvgPool2d(1), Flatten, Linear(10)]"]))
    nets.append((f"Conv{act}4Strided", ["[Input(1, 32, 32)]"] + [f"[Conv2d(8, 3, stride: 2, padding: 1), {act}]"] * 4 + ["[Flatten, Linear(10)]"]))

print("""// The convolutional part of the calibration suite: Sigmoid, Tanh and ReLU stacks of 2 to 12 convolutions, with and
// without BatchNorm, with max and average pooling, at PyTorch's default, Xavier and Kaiming initialisation, Conv1d stacks,
// LeNet-5 shapes, global average pooling and strided stacks. Written by make_conv_networks.py; regenerate, don't edit.
using NetGen;

// These networks are meant to trip the gradient-risk rules: .editorconfig beside this file silences them in the build.

namespace NetGen.Tests.Calibration.Convolutional;
""")
for name, lines in nets:
    print("\n".join(lines))
    print(f"public partial class {name};\n")
