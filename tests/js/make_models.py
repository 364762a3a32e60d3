#!/usr/bin/python3
"""Writes the small models the JS SDK tests use (the parity tests use build/crosscheck/ instead).

  make_models.py OUT_DIR

sdk-small.onnx     ternary ResNet block shape, 16x16 input, 10 labelled classes, provenance metadata, ternary
                   weights in the shared code blob (tritfmt, as shipped models); 10,000 classify calls in seconds.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
from tritfmt import fixtures  # noqa: E402  (the file format's one writer)

rng = np.random.default_rng(3)
LABELS = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


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
    """tritfmt's small ResNet block, 16x16 input, in the shared-code-blob layout of shipped models."""
    c = 8
    weights = fixtures.random_block_floats(rng, c)
    codes = rng.choice([-1, 0, 1], size=(c, c, 3, 3), p=[0.3, 0.4, 0.3])   # 576 weights
    fc_codes = rng.integers(-1, 2, (10, c))                                 # 80 weights
    CODES.update({"block.w": codes, "fc.w": fc_codes})
    props = {"trit.format_version": "1", "trit.labels": json.dumps(LABELS), "trit.mean": "0.49,0.48,0.45",
             "trit.std": "0.25,0.24,0.26", "trit.resize": "18", "trit.resize_filter": "area",
             "trit.name": "SDK test model", "trit.arch": "tiny-resnet", "trit.method": "random",
             "trit.dataset": "none", "trit.top1": "10.5", "trit.notes": "random weights, for the JS SDK tests"}
    return fixtures.small_block(16, weights, (codes, (0.3, 0.4)), (fc_codes, (0.5, 0.7)), props, "sdk_small",
                                shared_codes=True, producer="trit-js-tests")


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
