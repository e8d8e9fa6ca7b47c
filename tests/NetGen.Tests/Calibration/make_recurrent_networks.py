#!/usr/bin/env python3
"""Writes RecurrentCalibrationNetworks.cs: the recurrent part of the calibration suite, from a fixed grid.
Run from this folder: python3 make_recurrent_networks.py > RecurrentCalibrationNetworks.cs"""

nets = []
def net(kind, steps, hidden, layers=1, inputs=8, split=False):
    name = f"{kind}{hidden}x{layers}Steps{steps}" + ("Split" if split else "") + (f"In{inputs}" if inputs != 8 else "")
    if split:
        body = ", ".join([f"{kind}({hidden})"] * layers)
    else:
        body = f"{kind}({hidden}" + (f", numLayers: {layers}" if layers > 1 else "") + ")"
    nets.append((name, [f"[Input({steps}, {inputs})]", f"[{body}, LastStep, Linear(10)]"]))

for kind in ["RNN", "LSTM", "GRU"]:
    for steps in [5, 8, 10, 12, 15, 20, 30, 50, 100, 200]:
        net(kind, steps, 32)
    for steps in [10, 20, 50]:
        net(kind, steps, 16)
        net(kind, steps, 64)
    net(kind, 10, 32, inputs=32)
    net(kind, 20, 32, inputs=2)
for layers in [2, 3, 4]:
    for steps in [5, 10, 20, 50, 100]:
        net("RNN", steps, 32, layers)
net("RNN", 10, 32, 2, split=True)
net("RNN", 20, 16, 3, split=True)
# Stacked gated layers, whose injections from the layer above add coherently (RecurrentFlow.StackedInjectionCorrelation).
for kind in ["LSTM", "GRU"]:
    for layers in [2, 3, 4]:
        for steps in [5, 10, 20, 30]:
            net(kind, steps, 32, layers)
net("LSTM", 10, 16, 3, split=True)
net("GRU", 20, 64, 2, split=True)

print("""// The recurrent part of the calibration suite: RNN (tanh), LSTM and GRU over 5 to 200 steps, 1 to 4 layers, at PyTorch's
// default initialisation, each followed by LastStep and a Linear classifier. Written by make_recurrent_networks.py;
// regenerate, don't edit.
using NetGen;

// These networks are meant to trip the gradient-risk rules: .editorconfig beside this file silences them in the build.

namespace NetGen.Tests.Calibration.Recurrent;
""")
for name, lines in nets:
    print("\n".join(lines))
    print(f"public partial class {name};\n")
