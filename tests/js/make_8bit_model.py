#!/usr/bin/python3
"""Writes the 8-bit-activation test model of tests/js/parity8.test.mjs (docs/FORMAT.md "8-bit activations").

  make_8bit_model.py OUT_DIR   ->  OUT_DIR/resnet20-8bit.onnx

A CIFAR ResNet-20 with random ternary weights (TTQ-style asymmetric levels in odd layers, symmetric
per-channel scales in even ones, one two-plane layer; BN folded) whose 18 ternary convs read their input
through a uint8 QuantizeLinear/DequantizeLinear pair, scales calibrated (min-max) on 8 random inputs.
"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "models"))
sys.path.insert(0, os.path.join(REPO, "models", "train"))
sys.path.insert(0, os.path.join(REPO, "tests", "crosscheck"))
import arch  # noqa: E402
import export  # noqa: E402
from make_models import randomise_bn, ternarize  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_8bit_model.py OUT_DIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(8)
    gen = torch.Generator().manual_seed(8)
    m = arch.build("resnet20")
    convs = [mod for mod in m.modules() if isinstance(mod, nn.Conv2d)]

    def plan(i, mod):
        if mod is m.conv1:
            return None
        if i == 5:
            return {"kind": "planes2", "sparsity": 0.4}
        return {"kind": "ttq" if i % 2 else "channel", "sparsity": 0.3 + 0.1 * (i % 5)}
    tern = ternarize(convs, gen, plan)
    randomise_bn(m, (1, 3, 32, 32), gen)
    scales = export.calibrate_activations(m, [torch.randn(2, 3, 32, 32, generator=gen) for _ in range(4)], ternary=tern)
    meta = export.cifar_metadata("resnet20", "random", notes="random weights, 8-bit activations (JS tests)")
    proto, st = export.export_resnet(m, ternary=tern, metadata=meta, act_scales=scales)
    path = os.path.join(sys.argv[1], "resnet20-8bit.onnx")
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())
    print("%s: %d ternary layers with 8-bit (%s) activations, %d bytes" % (
        path, st["ternary_layers"], "+".join(sorted({k for _, k in scales.values()})), proto.ByteSize()))


if __name__ == "__main__":
    main()
