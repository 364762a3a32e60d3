#!/usr/bin/python3
"""Writes the small ONNX models the reliability tests and the fuzz seed corpora use.

  make_models.py OUT_DIR

Every model is tiny (a few KB) so that "every prefix length" and the allocation-failure loop stay
fast. The limit models are small files that *declare* huge sizes: a loader must refuse them from the
declared numbers, before it allocates anything.
"""
import json
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
from tritfmt import fixtures  # noqa: E402  (the file format's one writer)

OPSET = 13
rng = np.random.default_rng(7)


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def metadata(model, labels):
    for k, v in small_metadata(labels).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v


def small_metadata(labels):
    return {"trit.format_version": "1", "trit.labels": json.dumps(labels), "trit.mean": "0.5,0.5,0.5",
            "trit.std": "0.25,0.25,0.25", "trit.resize": "8", "trit.resize_filter": "area",
            "trit.name": "reliability-small"}


def finish(graph, labels=None, opset=OPSET):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="trit-reliability")
    model.ir_version = 7
    if labels is not None:
        metadata(model, labels)
    return model


def small_model(shared_codes=False):
    """tritfmt's small ResNet block, 8x8 input, 10 classes: one decode subgraph per ternary weight, or
    (shared_codes) the shared code blob of shipped models."""
    c = 4
    weights = fixtures.random_block_floats(rng, c)
    block = (rng.integers(-1, 2, (c, c, 3, 3)), (0.6, 0.8))
    fc = (rng.integers(-1, 2, (10, c)), (0.5, 0.5))
    return fixtures.small_block(8, weights, block, fc, small_metadata([f"class{i}" for i in range(10)]),
                                "reliability_small", shared_codes, producer="trit-reliability")


def float_model():
    """Plain float ops only (no ternary pattern): Conv, MaxPool, Clip, Mul, Sub, AveragePool, Reshape, MatMul,
    Softmax."""
    inits = [tensor("w", rng.normal(0, 0.5, (6, 3, 3, 3)).astype(np.float32)),
             tensor("k", np.array(0.5, np.float32)), tensor("lo", np.array(0.0, np.float32)),
             tensor("hi", np.array(6.0, np.float32)), tensor("shape", np.array([1, 24], np.int64)),
             tensor("fc", rng.normal(0, 0.5, (24, 5)).astype(np.float32)),
             tensor("dw", rng.normal(0, 0.5, (6, 1, 3, 3)).astype(np.float32))]
    nodes = [helper.make_node("Conv", ["input", "w"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c", "dw"], ["d"], group=6, auto_pad="SAME_UPPER"),
             helper.make_node("Clip", ["d", "lo", "hi"], ["r"]),
             helper.make_node("Mul", ["r", "k"], ["m"]),
             helper.make_node("Sub", ["m", "k"], ["s"]),
             helper.make_node("MaxPool", ["s"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("AveragePool", ["p"], ["a"], kernel_shape=[1, 1]),
             helper.make_node("Identity", ["a"], ["i"]),
             helper.make_node("Reshape", ["i", "shape"], ["f"]),
             helper.make_node("MatMul", ["f", "fc"], ["z"]),
             helper.make_node("Softmax", ["z"], ["prob"], axis=1)]
    graph = helper.make_graph(nodes, "reliability_float",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 5])], inits)
    return finish(graph, ["a", "b", "c", "d", "e"])


def relu_chain(count):
    nodes = [helper.make_node("Relu", ["input" if i == 0 else f"r{i - 1}"], [f"r{i}"], name=f"relu{i}")
             for i in range(count)]
    graph = helper.make_graph(nodes, "relu_chain",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info(f"r{count - 1}", TensorProto.FLOAT, [1, 4])])
    return finish(graph)


def io_model(dims, name):
    """Relu over an input of the given (declared) dims."""
    graph = helper.make_graph([helper.make_node("Relu", ["input"], ["out"], name="relu")], name,
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, dims)])
    return finish(graph)


def huge_initializer(dims, raw_bytes):
    """An initializer that declares `dims` but carries only `raw_bytes` bytes."""
    t = TensorProto(name="big", data_type=TensorProto.FLOAT, dims=dims, raw_data=b"\0" * raw_bytes)
    graph = helper.make_graph([helper.make_node("Add", ["input", "big"], ["out"], name="add")], "huge_init",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4])], [t])
    return finish(graph)


def conv_model(h, w, channels):
    """A 1x1 conv to `channels` outputs over a [1,3,h,w] input: arena grows with h*w*channels."""
    inits = [tensor("w", np.ones((channels, 3, 1, 1), np.float32))]
    graph = helper.make_graph([helper.make_node("Conv", ["input", "w"], ["out"], name="wide_conv")], "conv_arena",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, channels, h, w])], inits)
    return finish(graph)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    models = {
        "small": small_model(),
        "float": float_model(),
        "relu_chain_64": relu_chain(64),
        # rank 9 > TRIT_MAX_RANK
        "limit_rank9": io_model([1] * 9, "rank9"),
        # a conv over a spatial side of 100,000 pixels (the default spatial limit is 8192)
        "limit_spatial": conv_model(100000, 4, 1),
        # 2^62 * 2^62 elements: the element count overflows 64 bits
        "limit_overflow": io_model([1 << 62, 1 << 62, 4], "overflow"),
        # 2^31 * 2^31 * 4 = 2^64 exactly: overflows size_t by one
        "limit_overflow_exact": io_model([1 << 31, 1 << 31, 4], "overflow_exact"),
        # 2^40 elements: no overflow, just too many
        "limit_elements": io_model([1, 1 << 20, 1 << 20], "elements"),
        # a negative and a zero dimension
        "bad_dim_negative": io_model([1, -5, 4, 4], "negative"),
        # an initializer declaring 2^40 elements with 16 bytes of data
        "limit_initializer": huge_initializer([1 << 20, 1 << 20], 16),
        # declared 2^62 x 4: overflows bytes (x4) but not elements
        "limit_initializer_bytes": huge_initializer([1 << 62], 16),
        # declared 2^62 + 1 floats with 4 bytes of raw data: (2^62 + 1) * 4 wraps to 4 in 64 bits, so a
        # decoder that multiplies without a check accepts 4 bytes for 2^62 + 1 elements. Loaded with the
        # caller's max_tensor_elements = SIZE_MAX, where no element limit can catch it first.
        "limit_initializer_wrap": huge_initializer([(1 << 62) + 1], 4),
        # 4096x4096 1x1 conv to 15 channels: every tensor under the element limit (2^28), but input and
        # output together need 1.2 GB of activations, above the 1 GiB default arena limit
        "limit_arena": conv_model(4096, 4096, 15),
        # 64x64 conv to 16 channels: 256 KiB output, fits by default, not with max_arena_bytes = 64 KiB
        "arena_256k": conv_model(64, 64, 16),
    }
    # the small model again in the shared-code-blob layout of shipped models (drawn last: the others keep
    # their random numbers)
    models["small_blob"] = small_model(shared_codes=True)
    for name, model in models.items():
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(model.SerializeToString())
    # Images for the classify paths: the same picture in each decoder stb_image has.
    from PIL import Image
    img = Image.new("RGB", (12, 10))
    px = img.load()
    for y in range(10):
        for x in range(12):
            px[x, y] = ((x * 23) & 255, (y * 31) & 255, ((x * y) * 7) & 255)
    img.save(os.path.join(out, "image.png"))
    img.save(os.path.join(out, "image.jpg"), quality=90)
    img.save(os.path.join(out, "image.bmp"))
    img.convert("RGB").save(os.path.join(out, "image_progressive.jpg"), progressive=True)
    # A model with more nodes than the default node limit would be a big file; the tests lower
    # max_nodes instead and use relu_chain_64.


if __name__ == "__main__":
    main()
