#!/usr/bin/python3
"""Writes the small models the JS SDK tests use (the parity tests use build/crosscheck/ instead).

  make_models.py OUT_DIR

sdk-small.onnx     ternary ResNet block shape, 16x16 input, 10 labelled classes, provenance metadata;
                   small enough for 10,000 classify calls in seconds.
sdk-small.onnx.gz  the same bytes, gzip-compressed.
sdk-small.codes.json  its ternary codes by weight name ({dims, codes}), the truth for layerCodes().
sample.jpg         a 40x30 JPEG photo-like gradient for the decode-in-wasm test.
sdk-nolabels.onnx  float ops only, ends in Softmax, no trit.* metadata (indices only, default preprocessing).
sdk-two-inputs.onnx  a [2, 3] + b [2, 3] (float), for run() with several inputs.
sdk-int32.onnx     x int32 [4] -> x * 3 + 1 (int32), for run()'s dtype checks and int32 output.
"""
import gzip
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(3)
LABELS = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def ternary_weight(prefix, codes_t, wn, wp):
    """Initializers + nodes rebuilding a ternary weight as docs/FORMAT.md describes (base-3, 5 per byte)."""
    flat = (codes_t.reshape(-1) + 1).astype(np.int64)
    n = flat.size
    pad = (-n) % 5
    packed = (np.concatenate([flat, np.ones(pad, np.int64)]).reshape(-1, 5) * [1, 3, 9, 27, 81]).sum(1)
    inits = [tensor(prefix + ".codes", packed.astype(np.uint8)),
             tensor(prefix + ".levels", np.array([-wn, 0.0, wp], np.float32)),
             tensor(prefix + ".shape", np.array(codes_t.shape, np.int64))]
    node = lambda op, ins, out, **kw: helper.make_node(op, ins, [prefix + out], name=prefix + out, **kw)
    nodes = [node("Unsqueeze", [prefix + ".codes", "trit.unpack.axes"], ".codes_col"),
             node("Cast", [prefix + ".codes_col"], ".codes_int", to=TensorProto.INT32),
             node("Div", [prefix + ".codes_int", "trit.unpack.powers"], ".codes_div"),
             node("Mod", [prefix + ".codes_div", "trit.unpack.three"], ".codes_index")]
    if pad == 0:
        nodes.append(node("Reshape", [prefix + ".codes_index", prefix + ".shape"], ".codes_shaped"))
    else:
        inits.append(tensor(prefix + ".count", np.array([n], np.int64)))
        nodes += [node("Reshape", [prefix + ".codes_index", "trit.unpack.flat"], ".codes_flat"),
                  node("Slice", [prefix + ".codes_flat", "trit.unpack.zero", prefix + ".count"], ".codes_cut"),
                  node("Reshape", [prefix + ".codes_cut", prefix + ".shape"], ".codes_shaped")]
    nodes.append(helper.make_node("Gather", [prefix + ".levels", prefix + ".codes_shaped"], [prefix], axis=0,
                                  name=prefix))
    return inits, nodes


def finish(graph, props):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="trit-js-tests")
    model.ir_version = 7
    for k, v in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    return model


CODES = {}  # weight name -> the ternary codes written, for the layerCodes() test


def small_model():
    c = 8
    inits = [tensor("trit.unpack.axes", np.array([1], np.int64)),
             tensor("trit.unpack.powers", np.array([[1, 3, 9, 27, 81]], np.int32)),
             tensor("trit.unpack.three", np.array(3, np.int32)),
             tensor("trit.unpack.zero", np.array([0], np.int64)),
             tensor("trit.unpack.flat", np.array([-1], np.int64)),
             tensor("stem.w", rng.normal(0, 0.5, (c, 3, 3, 3)).astype(np.float32)),
             tensor("stem.b", rng.normal(0, 0.1, c).astype(np.float32)),
             tensor("bn.scale", rng.uniform(0.5, 1.5, c).astype(np.float32)),
             tensor("bn.bias", rng.normal(0, 0.1, c).astype(np.float32)),
             tensor("bn.mean", rng.normal(0, 0.1, c).astype(np.float32)),
             tensor("bn.var", rng.uniform(0.5, 1.5, c).astype(np.float32)),
             tensor("fc.b", rng.normal(0, 0.1, 10).astype(np.float32))]
    codes = rng.choice([-1, 0, 1], size=(c, c, 3, 3), p=[0.3, 0.4, 0.3])
    t_inits, t_nodes = ternary_weight("block.w", codes, 0.3, 0.4)            # 576 weights: no padding
    fc_codes = rng.integers(-1, 2, (10, c))
    g_inits, g_nodes = ternary_weight("fc.w", fc_codes, 0.5, 0.7)  # 80 weights
    CODES.update({"block.w": codes, "fc.w": fc_codes})
    inits += t_inits + g_inits
    nodes = t_nodes + g_nodes + [
        helper.make_node("Conv", ["input", "stem.w", "stem.b"], ["stem"], pads=[1, 1, 1, 1], name="stem"),
        helper.make_node("BatchNormalization", ["stem", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"],
                         name="bn"),
        helper.make_node("Relu", ["bn"], ["relu0"], name="relu0"),
        helper.make_node("Conv", ["relu0", "block.w"], ["block"], pads=[1, 1, 1, 1], name="block"),
        helper.make_node("Add", ["block", "relu0"], ["residual"], name="residual"),
        helper.make_node("Relu", ["residual"], ["relu1"], name="relu1"),
        helper.make_node("GlobalAveragePool", ["relu1"], ["pool"], name="pool"),
        helper.make_node("Flatten", ["pool"], ["flat"], name="flat"),
        helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], transB=1, name="fc"),
    ]
    graph = helper.make_graph(nodes, "sdk_small",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    return finish(graph, {"trit.format_version": "1", "trit.labels": json.dumps(LABELS),
                          "trit.mean": "0.49,0.48,0.45", "trit.std": "0.25,0.24,0.26", "trit.resize": "18",
                          "trit.resize_filter": "area", "trit.name": "SDK test model", "trit.arch": "tiny-resnet",
                          "trit.method": "random", "trit.dataset": "none", "trit.top1": "10.5",
                          "trit.notes": "random weights, for the JS SDK tests"})


def nolabels_model():
    inits = [tensor("w", rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32)),
             tensor("shape", np.array([1, 4 * 4 * 4], np.int64)),
             tensor("fc", rng.normal(0, 0.5, (64, 5)).astype(np.float32))]
    nodes = [helper.make_node("Conv", ["input", "w"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Reshape", ["r", "shape"], ["f"]),
             helper.make_node("MatMul", ["f", "fc"], ["z"]),
             helper.make_node("Softmax", ["z"], ["prob"], axis=1)]
    graph = helper.make_graph(nodes, "sdk_nolabels",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 5])], inits)
    return finish(graph, {})


def two_inputs_model():
    graph = helper.make_graph([helper.make_node("Add", ["a", "b"], ["sum"])], "sdk_two_inputs",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
                               helper.make_tensor_value_info("b", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("sum", TensorProto.FLOAT, [2, 3])])
    return finish(graph, {})


def int32_model():
    inits = [tensor("three", np.array([3], np.int32)), tensor("one", np.array([1], np.int32))]
    nodes = [helper.make_node("Mul", ["x", "three"], ["x3"]), helper.make_node("Add", ["x3", "one"], ["y"])]
    graph = helper.make_graph(nodes, "sdk_int32", [helper.make_tensor_value_info("x", TensorProto.INT32, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.INT32, [4])], inits)
    return finish(graph, {})


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    small = small_model().SerializeToString()
    with open(os.path.join(out, "sdk-small.onnx"), "wb") as f:
        f.write(small)
    with open(os.path.join(out, "sdk-small.onnx.gz"), "wb") as f:
        f.write(gzip.compress(small, mtime=0))
    with open(os.path.join(out, "sdk-small.codes.json"), "w") as f:
        json.dump({k: {"dims": list(v.shape), "codes": v.reshape(-1).tolist()} for k, v in CODES.items()}, f)
    with open(os.path.join(out, "sdk-nolabels.onnx"), "wb") as f:
        f.write(nolabels_model().SerializeToString())
    with open(os.path.join(out, "sdk-two-inputs.onnx"), "wb") as f:
        f.write(two_inputs_model().SerializeToString())
    with open(os.path.join(out, "sdk-int32.onnx"), "wb") as f:
        f.write(int32_model().SerializeToString())
    sample_jpeg(os.path.join(out, "sample.jpg"))


def sample_jpeg(path):
    from PIL import Image
    y, x = np.mgrid[0:30, 0:40]
    rgb = np.stack([x * 6, y * 8, (x + y) * 3 + rng.integers(0, 30, x.shape)], -1).clip(0, 255).astype(np.uint8)
    Image.fromarray(rgb, "RGB").save(path, "JPEG", quality=85)


if __name__ == "__main__":
    main()
