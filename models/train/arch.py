"""Architectures and quantized layer wrappers.

CIFAR ResNet-20/32/56 (He et al. 2016, post-activation, option-A shortcuts: stride-2 subsample + zero-padded
channels) and a CIFAR-style ResNet-18 (3x3 stem, no max-pool, 1x1-conv shortcuts). Attribute names follow
torchvision's ResNet (conv1, bn1, layer1.., block.conv1/bn1/conv2/bn2/downsample, fc) so that models/export.py
walks torchvision's ResNet-18 and ours with the same code.

A quantized layer (QConv2d / QLinear) keeps a float latent weight and a `quantizer` module that maps it to the
effective weight used in forward(); quantizer.ternary(latent) returns the planes to export.
"""
import contextlib

import torch
import torch.nn as nn
import torch.nn.functional as F


class TernaryWeight:
    """What the exporter stores for one weight: W = sum_k levels_k[T_k + 1] (* scale per output channel).

    planes: list of (T int8 tensor in {-1,0,1} with the weight's shape, (wn, wp) floats) — value of code
    -1 is -wn, of +1 is +wp. scale: None or a float tensor [Cout]."""

    def __init__(self, planes, scale=None):
        self.planes = [(t.to(torch.int8), (float(wn), float(wp))) for t, (wn, wp) in planes]
        self.scale = None if scale is None else scale.detach().float().clone()

    def dequantize(self):
        w = None
        for t, (wn, wp) in self.planes:
            t = t.float()
            p = torch.where(t > 0, torch.full_like(t, wp), torch.where(t < 0, torch.full_like(t, -wn),
                                                                       torch.zeros_like(t)))
            w = p if w is None else w + p
        if self.scale is not None:
            w = w * self.scale.view(-1, *([1] * (w.dim() - 1)))
        return w


def _quantized(module):
    """The layer's effective weight. The quantizer runs outside autocast, so its thresholds and scales are
    computed from the fp32 latent weights even in a bf16 run (the convolution then casts the result)."""
    if module.quantizer is None:
        return module.weight
    w = module.weight
    if torch.is_autocast_enabled() or (w.device.type == "cpu" and torch.is_autocast_cpu_enabled()):
        with torch.autocast(w.device.type, enabled=False):
            return module.quantizer(w)
    return module.quantizer(w)


class QuantizedLayer:
    """A float latent weight plus an optional quantizer (mixed into Conv2d / Linear, ahead of them)."""

    def __init__(self, *args, quantizer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.quantizer = quantizer

    def effective_weight(self):
        return _quantized(self)

    def ternary(self):
        return None if self.quantizer is None else self.quantizer.ternary(self.weight.detach())


class QConv2d(QuantizedLayer, nn.Conv2d):
    def forward(self, x):
        return self._conv_forward(x, self.effective_weight(), self.bias)


class QLinear(QuantizedLayer, nn.Linear):
    def forward(self, x):
        return F.linear(x, self.effective_weight(), self.bias)


class ShortcutA(nn.Module):
    """Option A: take every second pixel, zero-pad the new channels equally on both sides."""

    def __init__(self, in_planes, planes):
        super().__init__()
        self.pad_before = (planes - in_planes) // 2
        self.pad_after = planes - in_planes - self.pad_before

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad_before, self.pad_after))


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride, shortcut):
        super().__init__()
        self.conv1 = QConv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = QConv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            if shortcut == "A":
                self.downsample = ShortcutA(in_planes, planes)
            else:
                self.downsample = nn.Sequential(QConv2d(in_planes, planes, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class CifarResNet(nn.Module):
    def __init__(self, blocks_per_stage, widths, shortcut, num_classes=10):
        super().__init__()
        self.conv1 = QConv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        in_planes = widths[0]
        for i, (n, w) in enumerate(zip(blocks_per_stage, widths)):
            layers = []
            for b in range(n):
                stride = 2 if (i > 0 and b == 0) else 1
                layers.append(BasicBlock(in_planes, w, stride, shortcut))
                in_planes = w
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*layers))
        self.num_stages = len(widths)
        self.fc = QLinear(in_planes, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def stages(self):
        return [getattr(self, "layer%d" % (i + 1)) for i in range(self.num_stages)]

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for stage in self.stages():
            x = stage(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


ARCHS = {
    "resnet20": lambda: CifarResNet([3, 3, 3], [16, 32, 64], "A"),
    "resnet32": lambda: CifarResNet([5, 5, 5], [16, 32, 64], "A"),
    "resnet44": lambda: CifarResNet([7, 7, 7], [16, 32, 64], "A"),
    "resnet56": lambda: CifarResNet([9, 9, 9], [16, 32, 64], "A"),
    "resnet18": lambda: CifarResNet([2, 2, 2, 2], [64, 128, 256, 512], "B"),
}


def build(arch):
    return ARCHS[arch]()


def quantized_layers(model, keep_first_last_float=True):
    """The conv/linear layers a method ternarizes: all QConv2d/QLinear, except the first conv and the
    last FC when keep_first_last_float."""
    layers = [m for m in model.modules() if isinstance(m, (QConv2d, QLinear))]
    if keep_first_last_float:
        layers = [m for m in layers if m is not model.conv1 and m is not model.fc]
    return layers


@contextlib.contextmanager
def recalibrating_bn(model):
    """BatchNorm running statistics re-estimated from the forward passes run inside the block: reset, then a
    cumulative average over them (momentum None), in train mode without gradients; momentum 0.1 again after."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        yield
    for m in bns:
        m.momentum = 0.1
