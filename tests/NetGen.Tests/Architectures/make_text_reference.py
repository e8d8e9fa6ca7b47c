#!/usr/bin/env python3
"""PyTorch references for NetGen's text layers (TextLayerTests.cs).

Re-run from the repository root with Debian's system interpreter (apt-get install -y python3-torch):

    /usr/bin/python3 tests/NetGen.Tests/Architectures/make_text_reference.py

It writes, next to this script:
  text_parity.pt         EveryTextLayerNet's PyTorch twin (tests/NetGen.Tests/Catalog/CatalogNetworks.cs):
                         its state dict (seeded with torch.manual_seed(1234)) under the same names, a fixed
                         batch of token ids, the eval-mode output, and every parameter's gradient of
                         loss = (output * weights).sum() for fixed weights, as "grad.<name>".
  text_classifier.json   the parameter count and state-dict shapes of the PyTorch model equivalent to
                         samples/TextClassifier's network.

Eval mode turns dropout off on both sides. TorchSharp has no batch-first, pre-norm TransformerEncoderLayer,
so NetGen's runtime implements one (NetGen.Layers.TransformerEncoderLayer) with PyTorch's structure; this
file is the check that it computes what nn.TransformerEncoderLayer(batch_first=True) computes.
"""

import collections
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class EveryTextLayerNet(nn.Module):
    """[Input(6), Embedding(20, 8, PaddingIdx = 0), PositionalEmbedding]
    [TransformerEncoderLayer(2, 16), TransformerEncoderLayer(2, 16, Dropout = 0, NormFirst = true), MultiheadAttention(2, Causal = true)]
    [MeanPool, Linear(3)]"""

    def __init__(self):
        super().__init__()
        self.emb1 = nn.Embedding(20, 8, padding_idx=0)
        self.pos1 = nn.Embedding(6, 8)
        self.enc1 = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)
        self.enc2 = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True)
        self.attn1 = nn.MultiheadAttention(8, 2, batch_first=True)
        self.fc1 = nn.Linear(8, 3)

    def forward(self, tokens):
        x = self.emb1(tokens) + self.pos1.weight
        x = self.enc2(self.enc1(x))
        steps = x.shape[1]
        causal = torch.triu(torch.ones(steps, steps, dtype=torch.bool), diagonal=1)
        x = self.attn1(x, x, x, attn_mask=causal, need_weights=False)[0]
        return self.fc1(x.mean(1))


class TextClassifier(nn.Module):
    """samples/TextClassifier: [Input(16), Embedding(64, 32, PaddingIdx = 0), PositionalEmbedding]
    [TransformerEncoderLayer(4, 64, Dropout = 0.1), TransformerEncoderLayer(4, 64, Dropout = 0.1)] [MeanPool, Linear(4)]"""

    def __init__(self):
        super().__init__()
        self.emb1 = nn.Embedding(64, 32, padding_idx=0)
        self.pos1 = nn.Embedding(16, 32)
        self.enc1 = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, batch_first=True)
        self.enc2 = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, batch_first=True)
        self.fc1 = nn.Linear(32, 4)


def main():
    torch.manual_seed(1234)
    model = EveryTextLayerNet()
    with torch.no_grad():
        # PyTorch zeroes these biases at initialisation; random values test that they are applied.
        for module in model.modules():
            if isinstance(module, nn.MultiheadAttention):
                module.in_proj_bias.normal_(0.0, 0.1)
                module.out_proj.bias.normal_(0.0, 0.1)
    model.eval()
    tokens = torch.randint(0, 20, (3, 6))
    tokens[0, 4:] = 0  # padding
    weights = torch.randn(3, 3)
    output = model(tokens)
    (output * weights).sum().backward()

    entries = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    entries["input"] = tokens
    entries["output"] = output.detach()
    entries["loss_weights"] = weights
    for name, parameter in model.named_parameters():
        entries["grad." + name] = parameter.grad.detach().clone()
    torch.save(entries, os.path.join(HERE, "text_parity.pt"))

    classifier = TextClassifier()
    summary = {
        "parameters": sum(p.numel() for p in classifier.parameters()),
        "state_dict": {k: list(v.shape) for k, v in classifier.state_dict().items()},
        "torch": torch.__version__,
    }
    with open(os.path.join(HERE, "text_classifier.json.tmp"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    os.replace(os.path.join(HERE, "text_classifier.json.tmp"), os.path.join(HERE, "text_classifier.json"))
    print(f"EveryTextLayerNet output {output.detach().abs().max().item():.4f}; TextClassifier {summary['parameters']:,} parameters")


if __name__ == "__main__":
    main()
