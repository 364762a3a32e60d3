#!/usr/bin/env python3
"""Benchmark models (random weights, fixed seeds) for `make bench`.

Usage: /usr/bin/python3 bench/make_models.py OUTDIR

For each network writes
    OUTDIR/<name>.onnx        trit format (docs/FORMAT.md): ternary convs as packed codes + per-channel scale
                              (BatchNorm folded), first conv and FC float. trit runs it with its ternary kernels;
                              onnxruntime-web runs the same file (it folds the unpack subgraph to float weights at
                              session creation), so both compute the same float network.
    OUTDIR/<name>.8bit.onnx   the same ternary network with 8-bit activations (a uint8 QuantizeLinear/DequantizeLinear
                              pair before each ternary conv, scales calibrated on 8 random inputs): trit's tconv_i8 path
    OUTDIR/<name>.float.onnx  the float equivalent (dequantized weights, BN folded into conv weights/bias)
    OUTDIR/<name>.net.json    the same network for tfjs: a list of ops and float weights (dequantized ternary x
    OUTDIR/<name>.net.bin     scale, folded bias) in OIHW order, offsets in floats into the .bin
Networks: resnet20 (CIFAR, option-A shortcuts, 1x3x32x32, ~50 % zeros, TTQ-style asymmetric levels),
resnet18_z50 / resnet18_z85 (torchvision ResNet-18, 1x3x224x224, 50 % / 85 % zeros).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "models"))
sys.path.insert(0, os.path.join(REPO, "models", "train"))
sys.path.insert(0, os.path.join(REPO, "tests", "crosscheck"))
import arch  # noqa: E402
import export  # noqa: E402
from make_models import randomise_bn, ternarize  # noqa: E402


class NetWriter:
    """Float ops for the tfjs build: conv weights with BN folded exactly as export.py folds it."""

    def __init__(self, tern):
        self.ops, self.blobs, self.size, self.tern = [], [], 0, tern

    def blob(self, array):
        a = np.ascontiguousarray(array, dtype=np.float32).ravel()
        off = self.size
        self.blobs.append(a)
        self.size += a.size
        return off

    def conv(self, conv, bn, x, y, relu, add=None):
        w = conv.weight.detach().numpy().astype(np.float64)
        b = conv.bias.detach().numpy() if conv.bias is not None else np.zeros(w.shape[0])
        if bn is not None:
            s = bn.weight.detach().numpy() / np.sqrt(bn.running_var.detach().numpy() + bn.eps)
            b = bn.bias.detach().numpy() - bn.running_mean.detach().numpy() * s + b * s
            w = w * s.reshape(-1, 1, 1, 1)
        self.ops.append({"op": "conv", "x": x, "y": y, "w": self.blob(w), "shape": list(w.shape), "b": self.blob(b),
                         "stride": conv.stride[0], "pad": conv.padding[0], "relu": relu, "add": add,
                         "ternary": conv in self.tern})


def describe(model, net):
    """The op list of a ResNet (CifarResNet or torchvision), in the order export.py writes the ONNX graph."""
    from arch import ShortcutA
    net.conv(model.conv1, model.bn1, "input", "t0", True)
    x, n = "t0", 1
    if isinstance(getattr(model, "maxpool", None), nn.MaxPool2d):
        net.ops.append({"op": "maxpool", "x": x, "y": "pool", "k": 3, "stride": 2, "pad": 1})
        x = "pool"
    stage = 1
    while hasattr(model, "layer%d" % stage):
        for block in getattr(model, "layer%d" % stage):
            a, sc = "t%d" % n, x
            n += 1
            net.conv(block.conv1, block.bn1, x, a, True)
            ds = block.downsample
            if isinstance(ds, ShortcutA):
                sc = "t%d" % n
                n += 1
                net.ops.append({"op": "shortcutA", "x": x, "y": sc, "before": ds.pad_before, "after": ds.pad_after})
            elif ds is not None:
                sc = "t%d" % n
                n += 1
                net.conv(ds[0], ds[1], x, sc, False)
            out = "t%d" % n
            n += 1
            net.conv(block.conv2, block.bn2, a, out, True, add=sc)
            x = out
        stage += 1
    net.ops.append({"op": "gap", "x": x, "y": "gap"})
    fc = model.fc
    net.ops.append({"op": "fc", "x": "gap", "y": "logits", "w": net.blob(fc.weight.detach().numpy()),
                    "shape": list(fc.weight.shape), "b": net.blob(fc.bias.detach().numpy())})


def write(outdir, name, model, tern, input_shape, notes, meta):
    proto, st = export.export_resnet(model, ternary=tern, fold_bn=True, metadata=meta, input_shape=input_shape)
    with open(os.path.join(outdir, name + ".onnx"), "wb") as f:
        f.write(proto.SerializeToString())
    gen = torch.Generator().manual_seed(77)
    calib = [torch.randn(2, *input_shape[1:], generator=gen) for _ in range(4)]
    scales = export.calibrate_activations(model, calib, ternary=tern)
    qproto, _ = export.export_resnet(model, ternary=tern, fold_bn=True, metadata=meta, input_shape=input_shape,
                                     act_scales=scales)
    with open(os.path.join(outdir, name + ".8bit.onnx"), "wb") as f:
        f.write(qproto.SerializeToString())
    # the float equivalent (dequantized weights, BN folded) for the peers
    fproto, _ = export.export_resnet(model, ternary={}, fold_bn=True, metadata=meta, input_shape=input_shape)
    with open(os.path.join(outdir, name + ".float.onnx"), "wb") as f:
        f.write(fproto.SerializeToString())
    net = NetWriter(tern)
    describe(model, net)
    with open(os.path.join(outdir, name + ".net.bin"), "wb") as f:
        for b in net.blobs:
            f.write(b.tobytes())
    desc = {"name": name, "input": list(input_shape), "ops": net.ops, "sparsity": st["sparsity"],
            "ternary_layers": st["ternary_layers"], "notes": notes}
    with open(os.path.join(outdir, name + ".net.json"), "w") as f:
        json.dump(desc, f)
    print("%-13s %d ternary layers, %.3f zeros, %d bytes onnx  (%s)" % (
        name, st["ternary_layers"], st["sparsity"], proto.ByteSize(), notes), flush=True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_models.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)

    gen = torch.Generator().manual_seed(2020)
    torch.manual_seed(2020)
    m = arch.build("resnet20")
    convs = [c for c in m.modules() if isinstance(c, nn.Conv2d) and c is not m.conv1]
    tern = ternarize(convs, gen, lambda i, conv: {"kind": "ttq", "sparsity": 0.5})
    randomise_bn(m, (1, 3, 32, 32), gen)
    write(outdir, "resnet20", m, tern, (1, 3, 32, 32), "random ternary ResNet-20, TTQ-style levels, 50 % zeros",
          export.cifar_metadata("resnet20", "random", notes="benchmark: random weights"))

    import torchvision
    for zeros in (50, 85):
        gen = torch.Generator().manual_seed(1800 + zeros)
        torch.manual_seed(1800 + zeros)
        m = torchvision.models.resnet18(num_classes=1000)
        convs = [c for c in m.modules() if isinstance(c, nn.Conv2d) and c is not m.conv1]
        tern = ternarize(convs, gen, lambda i, conv: {"kind": "sym", "sparsity": zeros / 100.0})
        randomise_bn(m, (1, 3, 224, 224), gen)
        meta = {"trit.resize": "256", "trit.mean": "0.485,0.456,0.406", "trit.std": "0.229,0.224,0.225",
                "trit.arch": "resnet18-torchvision", "trit.method": "random", "trit.notes": "benchmark: random weights"}
        write(outdir, "resnet18_z%d" % zeros, m, tern, (1, 3, 224, 224),
              "random ternary torchvision ResNet-18, %d %% zeros, first conv and FC float" % zeros, meta)


if __name__ == "__main__":
    main()
