#!/usr/bin/python3
"""Writes the two models the browser tests switch between, so they never depend on trained models:

  make_models.py OUT_DIR

OUT_DIR/web-test-a.onnx(.gz), OUT_DIR/web-test-b.onnx(.gz): CIFAR ResNet-20s with random ternary weights
(threshold 0.7·mean|w| for a, 1.1·mean|w| for b, so their sparsity differs), BatchNorm statistics measured on
random smooth pictures so the answer depends on the input, CIFAR-10 labels and preprocessing, written by
models/export.py. Deterministic.
"""
import os
import sys

import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "models"))
sys.path.insert(0, os.path.join(REPO, "models", "train"))

import arch  # noqa: E402
import export  # noqa: E402


def calibration_images(n=128, size=32):
    """Smooth random colour fields: enough variety for BatchNorm statistics."""
    g = torch.Generator().manual_seed(0)
    coarse = torch.rand(n, 3, 4, 4, generator=g)
    images = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
    images = images + 0.05 * torch.randn(n, 3, size, size, generator=g)
    mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
    std = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)
    return (images.clamp(0, 1) - mean) / std


def make(out_dir, name, seed, threshold):
    torch.manual_seed(seed)
    model = arch.build("resnet20")
    ternary = {}
    with torch.no_grad():
        # Ternarize (threshold `threshold`·mean|w|, one scale), and run with exactly those weights.
        for m in arch.quantized_layers(model):
            w = m.weight
            delta = threshold * w.abs().mean()
            t = torch.where(w > delta, 1, torch.where(w < -delta, -1, 0)).to(torch.int8)
            alpha = float(w.abs()[t != 0].mean())
            ternary[m] = arch.TernaryWeight([(t, (alpha, alpha))])
            m.weight.copy_(ternary[m].dequantize())
        # BatchNorm statistics from real activations, so every layer is normalised and the
        # answer depends on the picture (with untouched statistics one class wins everywhere).
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        model.train()
        model(calibration_images())
        model.eval()
        model.fc.weight.normal_(0, 0.25)  # logits of a few units: probabilities spread over the top-5

    meta = export.cifar_metadata("resnet20", "random", name=name,
                                 notes="random ternary weights for the browser tests; answers mean nothing")
    proto, stats = export.export_resnet(model, ternary=ternary, metadata=meta)
    raw, gz = export.save(proto, os.path.join(out_dir, name + ".onnx"))
    with torch.no_grad():
        top1 = model(calibration_images()).argmax(1)
    print("%s: %d bytes, %d gzip, sparsity %.3f, top-1 classes over the calibration set: %s"
          % (name, raw, gz, stats["sparsity"], sorted(set(top1.tolist()))))


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    make(out_dir, "web-test-a", 1, 0.7)
    make(out_dir, "web-test-b", 2, 1.1)


if __name__ == "__main__":
    main()
