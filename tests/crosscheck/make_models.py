#!/usr/bin/env python3
"""Cross-check models for trit vs onnxruntime (issue 2), with fixed seeds and random weights.

Usage: /usr/bin/python3 tests/crosscheck/make_models.py [--out] OUTDIR

Layout written (the ONNX backend-test layout, one directory per model):
    OUTDIR/<model>/model.onnx
    OUTDIR/<model>/test_data_set_0/input_0.pb    random input (TensorProto, float32, batch 1)
    OUTDIR/<model>/test_data_set_0/output_0.pb   logits computed by PyTorch (float32)
    OUTDIR/manifest.json                         {"<model>": {"input": [dims], "output": [dims], "notes": ...}}
Models:
    resnet20_float    CIFAR ResNet-20 (option-A shortcuts: Slice steps 2 + Pad), 1x3x32x32, float convs, BN nodes kept
    resnet20_ternary  same arch, ternary weights in the FORMAT.md subgraph: TTQ-style asymmetric levels in some
                      layers, per-channel W.scale (BN folded) in others, one conv with 2 residual-expansion planes,
                      n % 5 != 0 layers (most 3x3 convs here) and a ternary FC (n % 5 == 0); first conv float
    resnet18_float    torchvision ResNet-18, 1x3x224x224, exported by torch.onnx.export (opset 13)
    resnet18_ternary  torchvision ResNet-18, ternary convs at ~50 % zeros (BN kept as nodes in stage 1-2, folded
                      into W.scale in stage 3-4), first conv and FC float
BN running statistics are calibrated on random data then perturbed, so BN folding is really exercised.
The expected outputs come from PyTorch with the dequantized ternary weights; onnxruntime and trit must match
them to 1e-4 relative (relative to the largest |logit|). Runs in well under a minute on 2 cores.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "models"))
sys.path.insert(0, os.path.join(REPO, "models", "train"))
import arch  # noqa: E402
import export  # noqa: E402


def randomise_bn(model, shape, gen):
    """Calibrate BN running stats on a random batch (so activations stay in a sane range), then perturb them
    and gamma/beta so that folding BN is not the identity."""
    with arch.recalibrating_bn(model):
        model(torch.randn((4,) + tuple(shape[1:]), generator=gen))
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.running_var.mul_(torch.empty(c).uniform_(0.5, 2.0, generator=gen))
                m.running_mean.add_(0.2 * torch.randn(c, generator=gen) * m.running_var.sqrt())
                m.weight.copy_(torch.empty(c).uniform_(0.5, 1.5, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
    model.eval()


def random_ternary(weight, sparsity, gen):
    """Ternary values from the weight's signs, zero where |w| is below the `sparsity` quantile."""
    w = weight.detach()
    thr = w.abs().flatten().kthvalue(max(1, int(sparsity * w.numel()))).values
    t = torch.sign(w) * (w.abs() > thr)
    return t.to(torch.int8)


def he_scale(weight, sparsity):
    fan_in = weight[0].numel()
    return (2.0 / fan_in / max(0.05, 1.0 - sparsity)) ** 0.5


def ternarize(modules, gen, plan):
    """plan(i, module) → dict(kind='ttq'|'channel'|'planes2'|'sym', sparsity=s), or None to keep the module
    float (bench/make_models.py uses it too). Sets module.weight to the dequantized weight (so PyTorch computes
    the reference) and returns {module: TernaryWeight}."""
    result = {}
    for i, m in enumerate(modules):
        spec = plan(i, m)
        if spec is None:
            continue
        s = spec["sparsity"]
        a = he_scale(m.weight, s)
        t = random_ternary(m.weight, s, gen)
        if spec["kind"] == "ttq":
            wp, wn = a * float(torch.empty(1).uniform_(0.7, 1.3, generator=gen)), \
                a * float(torch.empty(1).uniform_(0.7, 1.3, generator=gen))
            tw = arch.TernaryWeight([(t, (wn, wp))])
        elif spec["kind"] == "channel":
            scale = a * torch.empty(m.weight.shape[0]).uniform_(0.5, 1.5, generator=gen)
            tw = arch.TernaryWeight([(t, (1.0, 1.0))], scale=scale)
        elif spec["kind"] == "planes2":
            # residual expansion: nested non-zero sets, second plane on the larger weights
            t2 = random_ternary(m.weight, min(0.95, s + 0.3), gen)
            tw = arch.TernaryWeight([(t, (a, a)), (t2, (0.5 * a, 0.5 * a))])
        else:
            tw = arch.TernaryWeight([(t, (a, a))])
        with torch.no_grad():
            m.weight.copy_(tw.dequantize())
        result[m] = tw
    return result


def write_case(outdir, name, model_bytes, model, shape, gen, manifest, notes):
    d = os.path.join(outdir, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    x = torch.randn(shape, generator=gen)
    with torch.no_grad():
        y = model(x)
    export.write_pb(x.numpy(), os.path.join(d, "test_data_set_0", "input_0.pb"), "input")
    export.write_pb(y.numpy(), os.path.join(d, "test_data_set_0", "output_0.pb"), "logits")
    manifest[name] = {"input": list(shape), "output": list(y.shape), "bytes": len(model_bytes), "notes": notes}
    print("%-17s %8d bytes  %s" % (name, len(model_bytes), notes), flush=True)


def main():
    argv = [a for a in sys.argv[1:] if a != "--out"]
    if len(argv) != 1:
        sys.exit("usage: make_models.py [--out] OUTDIR")
    outdir = argv[0]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(2)
    manifest = {}
    meta = export.cifar_metadata("resnet20", "random", notes="random weights for cross-checks")

    # resnet20_float
    torch.manual_seed(20)
    gen = torch.Generator().manual_seed(20)
    m = arch.build("resnet20")
    randomise_bn(m, (1, 3, 32, 32), gen)
    proto, _ = export.export_resnet(m, fold_bn=False, metadata=dict(meta, **{"trit.method": "float"}))
    write_case(outdir, "resnet20_float", proto.SerializeToString(), m, (1, 3, 32, 32), gen, manifest,
               "float convs, BatchNormalization nodes, option-A Slice+Pad shortcuts")

    # resnet20_ternary
    torch.manual_seed(21)
    gen = torch.Generator().manual_seed(21)
    m = arch.build("resnet20")
    convs = [mod for mod in m.modules() if isinstance(mod, nn.Conv2d)]
    kinds = {}

    def plan20(i, mod):
        if mod is m.conv1:
            return None
        if mod is m.fc:
            return {"kind": "sym", "sparsity": 0.3}
        if i == 5:
            return {"kind": "planes2", "sparsity": 0.4}
        kind = "ttq" if i % 2 == 1 else "channel"
        kinds[mod] = kind
        return {"kind": kind, "sparsity": 0.3 + 0.05 * (i % 5)}
    tern = ternarize(convs + [m.fc], gen, plan20)
    randomise_bn(m, (1, 3, 32, 32), gen)
    # fold BN into W.scale for the per-channel layers, keep BatchNormalization nodes after the TTQ ones
    proto, st = export.export_resnet(m, ternary=tern, fold_bn=lambda conv: kinds.get(conv) == "channel",
                                     metadata=dict(meta, **{"trit.method": "ttq"}))
    write_case(outdir, "resnet20_ternary", proto.SerializeToString(), m, (1, 3, 32, 32), gen, manifest,
               "%d ternary layers, sparsity %.3f, TTQ levels + BN nodes / per-channel scale (folded BN), "
               "2-plane conv, ternary FC" % (st["ternary_layers"], st["sparsity"]))

    # resnet18_float (torch.onnx.export)
    import torchvision
    torch.manual_seed(18)
    gen = torch.Generator().manual_seed(18)
    m = torchvision.models.resnet18(num_classes=1000)
    randomise_bn(m, (1, 3, 224, 224), gen)
    import io
    buf = io.BytesIO()
    torch.onnx.export(m, torch.zeros(1, 3, 224, 224), buf, opset_version=13, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True)
    write_case(outdir, "resnet18_float", buf.getvalue(), m, (1, 3, 224, 224), gen, manifest,
               "torchvision ResNet-18 via torch.onnx.export (BN folded by the exporter)")

    # resnet18_ternary
    torch.manual_seed(19)
    gen = torch.Generator().manual_seed(19)
    m = torchvision.models.resnet18(num_classes=1000)
    convs = [mod for mod in m.modules() if isinstance(mod, nn.Conv2d)]
    late = set()
    for stage in (m.layer3, m.layer4):
        late.update(mod for mod in stage.modules() if isinstance(mod, nn.Conv2d))
    tern = ternarize(convs, gen, lambda i, mod: None if mod is m.conv1 else
                     {"kind": "channel" if mod in late else "sym", "sparsity": 0.5})
    randomise_bn(m, (1, 3, 224, 224), gen)
    meta18 = {"trit.resize": "256", "trit.mean": "0.485,0.456,0.406", "trit.std": "0.229,0.224,0.225",
              "trit.arch": "resnet18-torchvision", "trit.method": "random", "trit.notes": "random weights"}
    proto, st = export.export_resnet(m, ternary=tern, fold_bn=lambda conv: conv in late, metadata=meta18,
                                     input_shape=(1, 3, 224, 224))
    write_case(outdir, "resnet18_ternary", proto.SerializeToString(), m, (1, 3, 224, 224), gen, manifest,
               "%d ternary convs, sparsity %.3f, BN nodes in stages 1-2, folded W.scale in 3-4; first conv, "
               "FC float" % (st["ternary_layers"], st["sparsity"]))
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
