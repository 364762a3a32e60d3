"""Float twins of the shipped models for the peers in `make bench` (bench/e2e.mjs).

Usage: shipped_twins.py FOLDED.onnx OUT_PREFIX LABEL
Reads a shipped model after onnxruntime's constant folding (bench/fold_model.mjs: the ternary decode
chain already float weights) and writes OUT_PREFIX.float.onnx (every weight a float initializer:
onnxruntime-web's input) and OUT_PREFIX.net.json/.net.bin (the op list bench/engines/tfjs.mjs builds
with tfjs-core ops, as bench/make_models.py writes it). Prints the JSON line e2e.mjs lists the model by.
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper, helper


def main():
    src, prefix, label = sys.argv[1:4]
    m = onnx.load(src)
    g = m.graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    # DequantizeLinear of constant int8 weights (the int8-stored first conv and FC) -> float initializers
    keep = []
    for n in g.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in init:
            q = init[n.input[0]].astype(np.float32)
            s = init[n.input[1]].astype(np.float32)
            zp = init[n.input[2]].astype(np.float32) if len(n.input) > 2 and n.input[2] else 0.0
            axis = next((helper.get_attribute_value(a) for a in n.attribute if a.name == "axis"), 1)
            if np.ndim(s) == 1:
                shape = [1] * q.ndim
                shape[axis] = -1
                s = s.reshape(shape)
                if np.ndim(zp) == 1:
                    zp = zp.reshape(shape)
            init[n.output[0]] = ((q - zp) * s).astype(np.float32)
        else:
            keep.append(n)
    used = {i for n in keep for i in n.input}
    del g.node[:]
    g.node.extend(keep)
    del g.initializer[:]
    g.initializer.extend(numpy_helper.from_array(v, k) for k, v in init.items() if k in used)
    onnx.save(m, prefix + ".float.onnx")

    blobs, size = [], 0

    def blob(a):
        nonlocal size
        a = np.ascontiguousarray(a, dtype=np.float32).ravel()
        blobs.append(a)
        size += a.size
        return size - a.size

    attr = lambda n, k, d: next((helper.get_attribute_value(a) for a in n.attribute if a.name == k), d)
    consumers = {}
    for n in keep:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    ops, alias, done = [], {}, set()
    name = lambda t: alias.get(t, t)
    zeros = nonzeros = macs = 0
    shapes = {"input": [int(d.dim_value) for d in g.input[0].type.tensor_type.shape.dim]}
    for n in keep:
        if id(n) in done:
            continue
        if n.op_type == "Conv":
            w = init[n.input[1]]
            b = init[n.input[2]] if len(n.input) > 2 else np.zeros(w.shape[0], np.float32)
            pads = attr(n, "pads", [0, 0, 0, 0])
            stride = attr(n, "strides", [1, 1])[0]
            assert len(set(pads)) == 1 and attr(n, "group", 1) == 1
            x_shape = shapes[n.input[0]]
            oh = (x_shape[2] + 2 * pads[0] - w.shape[2]) // stride + 1
            ow = (x_shape[3] + 2 * pads[1] - w.shape[3]) // stride + 1
            macs += w.size * oh * ow
            if ops:  # the first conv stays float in every shipped model
                zeros += int((w == 0).sum())
                nonzeros += int((w != 0).sum())
            out, relu, add = n.output[0], False, None
            nxt = consumers.get(out, [])
            if len(nxt) == 1 and nxt[0].op_type == "Add":
                add_node = nxt[0]
                add = name([i for i in add_node.input if i != out][0])
                done.add(id(add_node))
                out = add_node.output[0]
                nxt = consumers.get(out, [])
            if len(nxt) == 1 and nxt[0].op_type == "Relu":
                relu = True
                done.add(id(nxt[0]))
                out = nxt[0].output[0]
            shapes[out] = [1, w.shape[0], oh, ow]
            ops.append({"op": "conv", "x": name(n.input[0]), "y": out, "w": blob(w), "shape": list(w.shape), "b": blob(b),
                        "stride": stride, "pad": pads[0], "relu": relu, "add": add, "ternary": len(ops) > 0})
        elif n.op_type == "Slice":  # option-A shortcut: Slice(step 2 on H, W) then Pad channels
            pad_node = consumers[n.output[0]][0]
            assert pad_node.op_type == "Pad"
            p = init[pad_node.input[1]]
            done.add(id(pad_node))
            x_shape = shapes[n.input[0]]
            shapes[pad_node.output[0]] = [1, x_shape[1] + int(p[1] + p[5]), (x_shape[2] + 1) // 2, (x_shape[3] + 1) // 2]
            ops.append({"op": "shortcutA", "x": name(n.input[0]), "y": pad_node.output[0], "before": int(p[1]), "after": int(p[5])})
        elif n.op_type == "GlobalAveragePool":
            ops.append({"op": "gap", "x": name(n.input[0]), "y": "gap"})
            alias[n.output[0]] = "gap"
        elif n.op_type == "Flatten":
            alias[n.output[0]] = name(n.input[0])
        elif n.op_type == "Gemm":
            assert attr(n, "transB", 0) == 1 and n.output[0] == "logits"
            w = init[n.input[1]]
            macs += w.size
            ops.append({"op": "fc", "x": name(n.input[0]), "y": "logits", "w": blob(w), "shape": list(w.shape),
                        "b": blob(init[n.input[2]])})
        else:
            raise SystemExit("shipped_twins.py: %s not mapped to a tfjs op" % n.op_type)
    with open(prefix + ".net.bin", "wb") as f:
        for a in blobs:
            f.write(a.tobytes())
    share = zeros / max(1, zeros + nonzeros)
    with open(prefix + ".net.json", "w") as f:
        json.dump({"name": prefix, "input": shapes["input"], "ops": ops, "sparsity": share}, f)
    print(json.dumps({"name": prefix.split("/")[-1], "label": "%s, 1x3x32x32, %.1f %% zeros" % (label, 100 * share), "macs": macs}))


if __name__ == "__main__":
    main()
