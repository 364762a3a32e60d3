#!/usr/bin/env python3
"""Small random graphs for the trit-vs-onnxruntime cross-check: conv geometry (kernel, stride,
dilation, group/depthwise, explicit pads or auto_pad), BatchNormalization, Relu/Clip, residual Add,
pooling with ceil_mode / count_include_pad, Gemm variants and Softmax, in float and with ternary
weights written by models/tritfmt (base-3 codes, per-channel scale, two planes; the shared code blob in about
half of the opset-13+ graphs, the per-weight layout in the rest: names ending _blob). Each lands in
OUTDIR/<name>/model.onnx; crosscheck.mjs feeds them random inputs. Fixed seed: same files every run.

Usage: /usr/bin/python3 tests/crosscheck/make_random_graphs.py OUTDIR [COUNT]
"""
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import tritfmt  # noqa: E402  the file format's one writer


class Graph(tritfmt.Graph):
    """tritfmt's writer with automatic names (const / op) for the random structure."""

    def __init__(self, rng, opset):
        # the shared code blob (what shipped models use) in half of the opset >= 13 graphs, the per-weight layout
        # in the rest
        super().__init__(shared_codes=opset >= 13 and rng.random() < 0.5, opset=opset)
        self.rng = rng
        self.count = 0

    def fresh(self, prefix):
        self.count += 1
        return "%s%d" % (prefix, self.count)

    def const(self, array, prefix="c"):
        return self.init(self.fresh(prefix), array)

    def op(self, op, inputs, **attrs):
        return self.node(op, inputs, self.fresh(op.lower() + "_"), **attrs)

    def ternary_plane(self, shape, scale):
        """One ternary plane written by tritfmt; returns the rebuilt weight's name."""
        rng = self.rng
        n = int(np.prod(shape))
        t = rng.integers(-1, 2, size=n)
        t[rng.random(n) < 0.3] = 0
        wn, wp = rng.uniform(0.2, 1.0), rng.uniform(0.2, 1.0)
        sc = rng.uniform(0.5, 1.5, size=shape[0]).astype(np.float32) if scale else None
        return self.ternary_weight(self.fresh("w"), tritfmt.Ternary([(t.reshape(shape), (wn, wp))], sc), shape)

    def weight(self, shape, kind):
        rng = self.rng
        if kind == "float":
            fan_in = int(np.prod(shape[1:]))
            return self.const((rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32), "w")
        if kind == "ternary":
            return self.ternary_plane(shape, scale=bool(rng.integers(0, 2)))
        a = self.ternary_plane(shape, scale=True)  # two planes
        b = self.ternary_plane(shape, scale=False)
        return self.op("Add", [a, b])


def conv_block(g, x, cin, h, w, kind):
    rng = g.rng
    group = 1
    if cin > 1 and rng.random() < 0.35:
        group = cin  # depthwise
    elif cin % 2 == 0 and rng.random() < 0.3:
        group = 2
    cout = group * int(rng.integers(1, 4)) if group > 1 else int(rng.integers(2, 9))
    k = int(rng.choice([1, 3, 5]))
    stride = int(rng.choice([1, 1, 2]))
    dil = int(rng.choice([1, 1, 2])) if k > 1 else 1
    attrs = dict(kernel_shape=[k, k], strides=[stride, stride], dilations=[dil, dil], group=group)
    mode = rng.choice(["pads", "SAME_UPPER", "SAME_LOWER", "VALID", "pads"])
    eff = (k - 1) * dil + 1
    if mode == "pads":
        pads = [int(v) for v in rng.integers(0, k, size=4)]
        attrs["pads"] = pads
        oh = (h + pads[0] + pads[2] - eff) // stride + 1
        ow = (w + pads[1] + pads[3] - eff) // stride + 1
    elif mode == "VALID":
        attrs["auto_pad"] = "VALID"
        oh, ow = (h - eff) // stride + 1, (w - eff) // stride + 1
    else:
        attrs["auto_pad"] = str(mode)
        attrs["dilations"] = [1, 1]  # onnxruntime refuses dilation with SAME_*
        oh, ow = -(-h // stride), -(-w // stride)
    if oh < 1 or ow < 1:
        return None
    wt = g.weight([cout, cin // group, k, k], kind)
    inputs = [x, wt]
    if rng.random() < 0.6:
        inputs.append(g.const(rng.standard_normal(cout).astype(np.float32) * 0.1, "bias"))
    y = g.op("Conv", inputs, **attrs)
    if rng.random() < 0.7:
        gamma = rng.uniform(0.5, 1.5, cout).astype(np.float32)
        beta = (rng.standard_normal(cout) * 0.2).astype(np.float32)
        mean = (rng.standard_normal(cout) * 0.2).astype(np.float32)
        var = rng.uniform(0.5, 2.0, cout).astype(np.float32)
        y = g.op("BatchNormalization", [y, g.const(gamma), g.const(beta), g.const(mean), g.const(var)],
                   epsilon=float(rng.choice([1e-5, 1e-3])))
    return y, cout, oh, ow


def activation(g, y):
    r = g.rng.random()
    if r < 0.45:
        return g.op("Relu", [y])
    if r < 0.7:
        if g.opset >= 11:
            return g.op("Clip", [y, g.const(np.array(0.0, np.float32)), g.const(np.array(6.0, np.float32))])
        return g.op("Clip", [y], min=0.0, max=6.0)
    return y


def build(rng, index):
    opset = int(rng.choice([11, 13, 13, 17]))
    g = Graph(rng, opset)
    cin, h, w = int(rng.integers(1, 5)), int(rng.integers(5, 17)), int(rng.integers(5, 17))
    kind = ["float", "ternary", "planes"][index % 3]
    x = "input"
    cur, c, hh, ww = x, cin, h, w
    for _ in range(int(rng.integers(1, 4))):
        out = conv_block(g, cur, c, hh, ww, kind if rng.random() < 0.8 else "float")
        if out is None:
            continue
        y, c2, h2, w2 = out
        # residual: a second conv of the same output shape from the same input, added
        if rng.random() < 0.5:
            out2 = None
            for _ in range(4):
                out2 = conv_block(g, cur, c, hh, ww, "float")
                if out2 and out2[1:] == (c2, h2, w2):
                    break
                out2 = None
            if out2:
                y = g.op("Add", [y, out2[0]] if rng.random() < 0.5 else [out2[0], y])
        cur, c, hh, ww = activation(g, y), c2, h2, w2
    if hh >= 3 and ww >= 3 and rng.random() < 0.6:
        k = int(rng.choice([2, 3]))
        s = int(rng.choice([1, 2]))
        ceil = int(rng.integers(0, 2))
        pads = [int(v) for v in rng.integers(0, k, size=4)] if rng.random() < 0.5 else [0, 0, 0, 0]
        if rng.random() < 0.5:
            cur = g.op("MaxPool", [cur], kernel_shape=[k, k], strides=[s, s], pads=pads, ceil_mode=ceil)
        else:
            cur = g.op("AveragePool", [cur], kernel_shape=[k, k], strides=[s, s], pads=pads, ceil_mode=ceil,
                         count_include_pad=int(rng.integers(0, 2)))
    cur = g.op("GlobalAveragePool", [cur])
    cur = g.op("Flatten", [cur])
    classes = int(rng.integers(3, 12))
    trans_b = int(rng.integers(0, 2)) if kind == "float" else 1
    if kind != "float" and rng.random() < 0.7:
        b = g.weight([classes, c], "ternary")
    else:
        b = g.const(rng.standard_normal((classes, c) if trans_b else (c, classes)).astype(np.float32) * 0.5, "fc")
    bias = g.const(rng.standard_normal(classes).astype(np.float32), "fcb")
    cur = g.op("Gemm", [cur, b, bias], transB=trans_b, alpha=float(rng.choice([1.0, 0.5])),
                 beta=float(rng.choice([1.0, 2.0])))
    if rng.random() < 0.5:
        cur = g.op("Relu", [cur])
    if rng.random() < 0.4:
        cur = g.op("Softmax", [cur], axis=1 if opset < 13 else -1)
    g.nodes[-1].output[0] = "logits"
    model = g.model([("input", [1, cin, h, w])], [("logits", [1, classes])], name="random%d" % index,
                    producer="random-graphs")
    return model, kind + ("_blob" if g.shared_codes and g.blob else "")


def build_tensor_ops(rng, index):
    """Shape and data-movement ops with constant parameters: Slice (negative steps too), Pad,
    Unsqueeze/Squeeze, Reshape (0 and -1), Concat, Gather (negative indices), Cast round trips,
    broadcasting arithmetic, Transpose-free Softmax on a random axis."""
    opset = int(rng.choice([11, 13, 13, 17]))
    g = Graph(rng, opset)
    n, c, h, w = 1, int(rng.integers(1, 5)), int(rng.integers(3, 9)), int(rng.integers(3, 9))
    dims = [n, c, h, w]
    cur = "input"

    def ints(values):
        return g.const(np.array(values, np.int64), "i")

    # Slice on two axes, one of them with a negative step
    axes = sorted(rng.choice([1, 2, 3], size=2, replace=False).tolist())
    starts, ends, steps = [], [], []
    for a in axes:
        d = dims[a]
        if rng.random() < 0.5:
            st, en, sp = int(rng.integers(-d, d)), int(rng.integers(-d - 2, d + 3)), int(rng.choice([1, 2]))
        else:
            st, en, sp = int(rng.integers(0, d)), int(rng.choice([-d - 5, -1, 0])), int(rng.choice([-1, -2]))
        starts.append(st), ends.append(en), steps.append(sp)
    if opset >= 10:
        sliced = g.op("Slice", [cur, ints(starts), ints(ends), ints(axes), ints(steps)])
    else:
        sliced = g.op("Slice", [cur], starts=starts, ends=ends, axes=axes)
    # shapes are not tracked here: onnxruntime's own shape inference checks the graph; empty slices
    # are avoided by falling back to the input when the slice would be empty
    def slice_len(d, st, en, sp):
        return len(range(*slice(st, en, sp).indices(d)))
    if all(slice_len(dims[a], st, en, sp) > 0 for a, st, en, sp in zip(axes, starts, ends, steps)):
        for a, st, en, sp in zip(axes, starts, ends, steps):
            dims[a] = slice_len(dims[a], st, en, sp)
        cur = sliced
    # Pad (constant), with a crop on one side sometimes
    pads = [0, 0, int(rng.integers(0, 3)), int(rng.integers(0, 3)), 0, 0, int(rng.integers(0, 3)),
            int(rng.integers(-1, 3)) if dims[3] > 1 else 0]
    value = float(rng.choice([0.0, 1.5, -2.0]))
    cur = g.op("Pad", [cur, ints(pads), g.const(np.array(value, np.float32))], mode="constant")
    dims = [dims[i] + pads[i] + pads[i + 4] for i in range(4)]
    # Unsqueeze then Squeeze back
    if opset >= 13:
        cur = g.op("Unsqueeze", [cur, ints([0, -1])])
        cur = g.op("Squeeze", [cur, ints([0, -1])])
    else:
        cur = g.op("Unsqueeze", [cur], axes=[0, 5])
        cur = g.op("Squeeze", [cur], axes=[0, 5])
    # Reshape with 0 and -1
    cur = g.op("Reshape", [cur, ints([0, 0, -1])])
    dims = [dims[0], dims[1], dims[2] * dims[3]]
    # Concat with a constant along axis 2 (negative axis sometimes)
    extra = int(rng.integers(1, 4))
    const = g.const(rng.standard_normal((dims[0], dims[1], extra)).astype(np.float32), "k")
    cur = g.op("Concat", [const, cur] if rng.random() < 0.5 else [cur, const], axis=int(rng.choice([2, -1])))
    dims[2] += extra
    # Gather along the last axis with negative indices
    idx = rng.integers(-dims[2], dims[2], size=int(rng.integers(1, 6)))
    cur = g.op("Gather", [cur, g.const(idx.astype(np.int64 if rng.random() < 0.5 else np.int32), "idx")], axis=2)
    dims[2] = len(idx)
    # Cast round trip through int32 (truncation) on scaled values
    scaled = g.op("Mul", [cur, g.const(np.array([3.0], np.float32))])
    as_int = g.op("Cast", [scaled], to=onnx.TensorProto.INT32)
    back = g.op("Cast", [as_int], to=onnx.TensorProto.FLOAT)
    cur = g.op("Add", [cur, back])
    # broadcasting arithmetic against a per-channel constant
    per_channel = g.const(rng.uniform(0.5, 2.0, size=(1, dims[1], 1)).astype(np.float32), "pc")
    cur = g.op(str(rng.choice(["Sub", "Div", "Mul"])), [cur, per_channel])
    axis = int(rng.integers(-3, 3))
    cur = g.op("Softmax", [cur], axis=axis)
    g.nodes[-1].output[0] = "logits"
    return g.model([("input", [n, c, h, w])], [("logits", dims)], name="tensor%d" % index, producer="random-graphs")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_random_graphs.py OUTDIR [COUNT]")
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    rng = np.random.default_rng(20261125)
    for i in range(count):
        model, kind = build(rng, i)
        d = os.path.join(out, "random%02d_%s" % (i, kind))
        os.makedirs(d, exist_ok=True)
        onnx.save(model, os.path.join(d, "model.onnx"))
    for i in range(count // 2):
        model = build_tensor_ops(rng, i)
        d = os.path.join(out, "tensor%02d" % i)
        os.makedirs(d, exist_ok=True)
        onnx.save(model, os.path.join(d, "model.onnx"))
    print("make_random_graphs: %d conv models and %d tensor-op models in %s" % (count, count // 2, out))


if __name__ == "__main__":
    main()
