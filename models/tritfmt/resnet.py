"""ResNets → trit files: the model walker (torchvision attribute names: conv1, bn1, [maxpool], layer1.., blocks with
conv1/bn1/conv2/bn2/downsample, fc), BatchNorm folding, 8-bit activation calibration, int8 first/last weights, and
the CIFAR-10 metadata. Writes through format.Graph.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .format import FORMAT_VERSION, IR_VERSION, OPSET, Graph

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "train"))

CIFAR10_LABELS = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
INT8_FIRST_LAST_NOTE = "First conv and FC (trained in float) stored as int8, one scale per output channel."


def _np(t):
    return t.detach().cpu().double().numpy()


def _ternary_of(module, ternary):
    if ternary is not None:
        return ternary.get(module) if isinstance(ternary, dict) else ternary(module)
    fn = getattr(module, "ternary", None)
    return fn() if callable(fn) else None


def _with_scale(tw, s):
    """TernaryWeight with its per-channel scale multiplied by s (BN folding)."""
    from arch import TernaryWeight
    scale = s if tw.scale is None else _np(tw.scale) * s
    import torch
    return TernaryWeight([(t, lv) for t, lv in tw.planes], torch.from_numpy(np.asarray(scale)))


class _Writer:
    def __init__(self, g, ternary, fold_bn, act_scales=None):
        self.g, self.ternary, self.fold_bn = g, ternary, fold_bn
        self.act_scales = act_scales or {}
        self.quantized = {}  # tensor name -> (scale, DequantizeLinear output)

    def quantize(self, name, x, act):
        """QuantizeLinear -> DequantizeLinear of tensor x (uint8 or int8, zero point 0, one scale): where
        trit's ternary kernels run on 8-bit activations (FORMAT.md "8-bit activations"). `act` is
        (scale, "uint8" | "int8") from calibrate_activations. A tensor read by several ternary layers is
        quantized once."""
        if x in self.quantized:
            a, dq = self.quantized[x]
            if a != act:
                raise ValueError("%s: tensor %r already quantized as %s, not %s" % (name, x, a, act))
            return dq
        g = self.g
        scale, kind = act
        sc = g.init(name + ".xscale", np.array(scale, dtype=np.float32), np.float32)
        dtype = np.uint8 if kind == "uint8" else np.int8
        zero = g.shared_init("trit.act.zero_" + kind, np.array(0, dtype=dtype), dtype)
        q = g.node("QuantizeLinear", [x, sc, zero], name + ".xq")
        dq = g.node("DequantizeLinear", [q, sc, zero], name + ".xdq")
        self.quantized[x] = (act, dq)
        return dq

    def conv(self, name, conv, bn, x):
        g = self.g
        tw = _ternary_of(conv, self.ternary)
        if tw is not None and conv in self.act_scales:
            x = self.quantize(name, x, self.act_scales[conv])
        bias = _np(conv.bias) if conv.bias is not None else None
        fold = bn is not None and (self.fold_bn(conv) if callable(self.fold_bn) else self.fold_bn)
        if fold:
            s = _np(bn.weight) / np.sqrt(_np(bn.running_var) + bn.eps)
            b = _np(bn.bias) - _np(bn.running_mean) * s + (bias * s if bias is not None else 0.0)
            bias = b
        if tw is not None:
            if fold:
                tw = _with_scale(tw, s)
            w = g.ternary_weight(name, tw, conv.weight.shape)
        else:
            wv = _np(conv.weight)
            if fold:
                wv = wv * s.reshape(-1, 1, 1, 1)
            w = g.init(name, wv, np.float32)
            g.stats["float_weights"] += wv.size
        inputs = [x, w]
        if bias is not None:
            inputs.append(g.init(name + ".bias", bias, np.float32))
        kh, kw = conv.kernel_size
        ph, pw = conv.padding
        attrs = {"pads": [ph, pw, ph, pw]}
        # kernel_shape (it is the weight's) and the defaults (stride 1, dilation 1, group 1) are left out:
        # a few bytes per layer count at 70 KB
        if tuple(conv.stride) != (1, 1):
            attrs["strides"] = list(conv.stride)
        if tuple(conv.dilation) != (1, 1):
            attrs["dilations"] = list(conv.dilation)
        if conv.groups != 1:
            attrs["group"] = conv.groups
        y = g.node("Conv", inputs, name + ".y", **attrs)
        if bn is not None and not fold:
            p = [g.init(name + ".bn." + k, _np(v), np.float32) for k, v in
                 (("gamma", bn.weight), ("beta", bn.bias), ("mean", bn.running_mean), ("var", bn.running_var))]
            y = g.node("BatchNormalization", [y] + p, name + ".bn", epsilon=float(bn.eps), momentum=0.9)
        return y

    def gemm(self, name, fc, x):
        g = self.g
        tw = _ternary_of(fc, self.ternary)
        if tw is not None and fc in self.act_scales:
            x = self.quantize(name, x, self.act_scales[fc])
        if tw is not None:
            w = g.ternary_weight(name, tw, fc.weight.shape)
        else:
            w = g.init(name, _np(fc.weight), np.float32)
            g.stats["float_weights"] += fc.weight.numel()
        inputs = [x, w]
        if fc.bias is not None:
            inputs.append(g.init(name + ".bias", _np(fc.bias), np.float32))
        return g.node("Gemm", inputs, name + ".y", transB=1)


def ternary_layers(model, ternary=None):
    """The Conv2d / Linear modules the exporter writes as ternary, in model order."""
    import torch.nn as nn
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)) and _ternary_of(m, ternary) is not None]


def calibrate_activations(model, batches, ternary=None, percentile=100.0):
    """Per-tensor 8-bit quantization of the inputs of the ternary layers: uint8 where every calibration
    input is >= 0 (ReLU outputs: all of a ResNet's), else int8; scale = a / 255 (uint8) or a / 127 (int8),
    with a the `percentile` of |x| over the calibration batches (100: the maximum, i.e. min-max
    calibration). Returns {module: (scale, "uint8" | "int8")}."""
    import torch
    layers = ternary_layers(model, ternary)
    seen = {m: [] for m in layers}
    gen = torch.Generator().manual_seed(0)

    negative = {m: False for m in layers}

    def record(mod, inp):
        v = inp[0].detach().flatten()
        negative[mod] = negative[mod] or bool((v < 0).any())
        v = v.abs()
        if percentile >= 100.0:
            seen[mod].append(v.max().reshape(1))
        else:  # a fixed-size random sample per batch keeps memory flat
            seen[mod].append(v[torch.randint(0, v.numel(), (min(v.numel(), 200000),), generator=gen)])
    hooks = [m.register_forward_pre_hook(record) for m in layers]
    model.eval()
    try:
        with torch.no_grad():
            for x in batches:
                model(x)
    finally:
        for h in hooks:
            h.remove()
    scales = {}
    for m in layers:
        v = torch.cat(seen[m]).double()
        if percentile >= 100.0:
            a = float(v.max())
        else:
            k = max(1, int(round(percentile / 100.0 * v.numel())))
            a = float(v.kthvalue(k).values)
        kind = "int8" if negative[m] else "uint8"
        scales[m] = (float(np.float32(max(a, 1e-8) / (127.0 if kind == "int8" else 255.0))), kind)
    return scales


class fake_quantized_activations:
    """Context manager: the model's ternary layers see their input as QuantizeLinear -> DequantizeLinear
    would give it (round half to even, saturate to int8), so PyTorch computes what the exported graph
    computes."""

    def __init__(self, model, act_scales):
        self.model, self.act_scales, self.hooks = model, act_scales or {}, []

    def __enter__(self):
        import torch

        def hook(mod, inp):
            s, kind = self.act_scales[mod]
            lo, hi = (0, 255) if kind == "uint8" else (-128, 127)
            return (torch.clamp(torch.round(inp[0] / s), lo, hi) * s,) + tuple(inp[1:])
        self.hooks = [m.register_forward_pre_hook(hook) for m in self.act_scales]
        return self.model

    def __exit__(self, *exc):
        for h in self.hooks:
            h.remove()


def export_resnet(model, ternary=None, fold_bn=True, metadata=None, input_shape=(1, 3, 32, 32),
                  graph_name="trit", act_scales=None, shared_codes=True):
    """Build the ONNX ModelProto of a ResNet (see module doc). `ternary`: None (ask each layer's .ternary()),
    a dict module → TernaryWeight, or a callable. `fold_bn`: bool, or callable(conv) → bool, to fold that conv's
    BatchNorm into W.scale (ternary) or W (float) plus a conv bias. `act_scales`: {module: scale} from
    calibrate_activations: those ternary layers get int8 activations (a QuantizeLinear/DequantizeLinear pair
    on their input). `shared_codes`: one code blob for all ternary weights (FORMAT.md), else a decode
    subgraph per weight. Returns (proto, stats)."""
    import torch.nn as nn
    from arch import ShortcutA
    g = Graph(shared_codes)
    w = _Writer(g, ternary, fold_bn, act_scales)
    n, c, h, wd = input_shape
    def conv_out(size, k, s, p):
        return (size + 2 * p - k) // s + 1

    x = w.conv("conv", model.conv1, model.bn1, "input")
    x = g.node("Relu", [x], "conv.r")
    c1 = model.conv1
    hw = [conv_out(v, c1.kernel_size[0], c1.stride[0], c1.padding[0]) for v in (h, wd)]  # tracked for Slice ends
    if isinstance(getattr(model, "maxpool", None), nn.MaxPool2d):
        mp = model.maxpool
        k, s, p = [(v if isinstance(v, int) else v[0]) for v in (mp.kernel_size, mp.stride, mp.padding)]
        x = g.node("MaxPool", [x], "pool", kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
        hw = [conv_out(v, k, s, p) for v in hw]

    stage = 1
    while hasattr(model, "layer%d" % stage):
        for b, block in enumerate(getattr(model, "layer%d" % stage)):
            pre = "s%db%d" % (stage, b)
            y = w.conv(pre + "a", block.conv1, block.bn1, x)
            y = g.node("Relu", [y], pre + "a.r")
            y = w.conv(pre + "b", block.conv2, block.bn2, y)
            ds = block.downsample
            if ds is None:
                sc = x
            elif isinstance(ds, ShortcutA):
                starts = g.shared_init("shortcut.starts", [0, 0], np.int64)
                ends = g.shared_init("shortcut.ends%dx%d" % tuple(hw), hw, np.int64)
                axes = g.shared_init("shortcut.axes", [2, 3], np.int64)
                steps = g.shared_init("shortcut.steps", [2, 2], np.int64)
                sc = g.node("Slice", [x, starts, ends, axes, steps], pre + ".sub")
                pads = g.init(pre + ".pads", [0, ds.pad_before, 0, 0, 0, ds.pad_after, 0, 0], np.int64)
                sc = g.node("Pad", [sc, pads], pre + ".pad", mode="constant")
            else:
                sc = w.conv(pre + "d", ds[0], ds[1], x)
            stride = block.conv1.stride[0]
            hw = [conv_out(v, 3, stride, 1) for v in hw]
            y = g.node("Add", [y, sc], pre + ".add")
            x = g.node("Relu", [y], pre + ".out")
        stage += 1
    x = g.node("GlobalAveragePool", [x], "gap")
    x = g.node("Flatten", [x], "flat", axis=1)
    x = w.gemm("fc", model.fc, x)
    g.nodes[-1].output[0] = "logits"
    num_classes = model.fc.out_features
    stats = dict(g.stats)
    stats["sparsity"] = stats["ternary_zeros"] / stats["ternary_weights"] if stats["ternary_weights"] else 0.0
    kinds = sorted({a[1] for a, _ in w.quantized.values()})
    meta = {"trit.format_version": FORMAT_VERSION, "trit.activations": "+".join(kinds) if kinds else "float32"}
    if stats["ternary_weights"]:
        meta["trit.sparsity"] = "%.4f" % stats["sparsity"]
    meta.update({k: v for k, v in (metadata or {}).items() if v is not None})
    proto = g.model([("input", input_shape)], [("logits", [n, num_classes])], props=meta, name=graph_name)
    return proto, stats


def int8_weights(proto, names=("conv", "fc")):
    """Store the named float Conv/Gemm weight initializers (by default a CIFAR ResNet's first conv and FC,
    which the methods train in float) as int8 with one scale per output channel (max|w|/127, zero point
    0), rebuilt by a DequantizeLinear (axis 0) at the head of the graph. For ResNet-20 this is 1,072
    weights, 3.2 KB of a 72 KB file; trit and onnxruntime fold the DequantizeLinear at load. Returns the
    number of weights converted."""
    g = proto.graph
    converted, head, inits = 0, [], []
    for t in g.initializer:
        if t.name not in names or t.data_type != TensorProto.FLOAT:
            inits.append(t)
            continue
        w = numpy_helper.to_array(t).astype(np.float64)
        scale = np.abs(w.reshape(w.shape[0], -1)).max(1) / 127.0
        scale[scale == 0] = 1.0
        q = np.clip(np.round(w / scale.reshape((-1,) + (1,) * (w.ndim - 1))), -127, 127).astype(np.int8)
        inits += [numpy_helper.from_array(q, t.name + ".int8"),
                  numpy_helper.from_array(scale.astype(np.float32), t.name + ".int8scale")]
        head.append(helper.make_node("DequantizeLinear", [t.name + ".int8", t.name + ".int8scale"], [t.name], axis=0))
        converted += w.size
    nodes = head + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(inits)
    onnx.checker.check_model(proto)
    return converted


def cifar_metadata(arch, method, top1=None, epochs=None, notes=None, name=None):
    import data
    fmt = lambda v: ",".join("%.4f" % f for f in v)  # noqa: E731
    meta = {"trit.labels": json.dumps(CIFAR10_LABELS, separators=(",", ":")), "trit.mean": fmt(data.MEAN), "trit.std": fmt(data.STD),
            "trit.resize": "32", "trit.name": name or "%s-%s" % (arch, method), "trit.arch": arch,
            "trit.method": method, "trit.dataset": "cifar10"}
    if top1 is not None:
        meta["trit.top1"] = "%.2f" % top1
    if epochs is not None:
        meta["trit.epochs"] = str(epochs)
    if notes:
        meta["trit.notes"] = notes
    return meta
