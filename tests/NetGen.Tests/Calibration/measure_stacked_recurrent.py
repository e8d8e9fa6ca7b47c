#!/usr/bin/env python3
"""Measures ||dL/dx_1|| / ||dL/dx_T|| of stacked RNN, LSTM and GRU layers in PyTorch, the numbers RecurrentFlow's
StackedInjectionCorrelation was fitted on: 32 hidden units, 8 input features, 1 to 4 layers, 5 to 30 steps, followed by
the last step and Linear(32, 10), cross-entropy on one batch of 64 standard-normal sequences with random labels, in double
precision; geometric mean over seeds 1 to 6. The tests do not run this (they measure the calibration suite in TorchSharp).
Run with Debian's python3-torch: /usr/bin/python3 measure_stacked_recurrent.py"""
import math
import torch

torch.set_num_threads(1)


def ratio(kind, layers, steps, hidden=32, inputs=8, seeds=6):
    logs = []
    for seed in range(1, seeds + 1):
        torch.manual_seed(seed)
        cell = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
        rnn = cell(inputs, hidden, num_layers=layers, batch_first=True).double()
        head = torch.nn.Linear(hidden, 10).double()
        x = torch.randn(64, steps, inputs, dtype=torch.float64, requires_grad=True)
        y = torch.randint(0, 10, (64,))
        out, _ = rnn(x)
        torch.nn.functional.cross_entropy(head(out[:, -1]), y).backward()
        logs.append(math.log(x.grad[:, 0].norm() / x.grad[:, -1].norm()))
    return math.exp(sum(logs) / len(logs))


for kind in ["RNN", "LSTM", "GRU"]:
    for layers in [1, 2, 3, 4]:
        for steps in [5, 10, 15, 20, 30]:
            print(kind, layers, steps, f"{ratio(kind, layers, steps):.3e}", flush=True)
