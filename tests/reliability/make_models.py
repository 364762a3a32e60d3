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
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
rng = np.random.default_rng(7)


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def ternary_weight(prefix, codes_t, wn, wp):
    """Initializers + nodes that rebuild a ternary weight exactly as docs/FORMAT.md describes."""
    shape = list(codes_t.shape)
    flat = (codes_t.reshape(-1) + 1).astype(np.int64)
    n = flat.size
    pad = (-n) % 5
    flat = np.concatenate([flat, np.ones(pad, np.int64)])
    packed = (flat.reshape(-1, 5) * np.array([1, 3, 9, 27, 81])).sum(1).astype(np.uint8)
    inits = [tensor(prefix + ".codes", packed),
             tensor(prefix + ".levels", np.array([-wn, 0.0, wp], np.float32)),
             tensor(prefix + ".shape", np.array(shape, np.int64))]
    nodes = [helper.make_node("Unsqueeze", [prefix + ".codes", "trit.unpack.axes"], [prefix + ".codes_col"],
                              name=prefix + ".codes_col"),
             helper.make_node("Cast", [prefix + ".codes_col"], [prefix + ".codes_int"], to=TensorProto.INT32,
                              name=prefix + ".codes_int"),
             helper.make_node("Div", [prefix + ".codes_int", "trit.unpack.powers"], [prefix + ".codes_div"],
                              name=prefix + ".codes_div"),
             helper.make_node("Mod", [prefix + ".codes_div", "trit.unpack.three"], [prefix + ".codes_index"],
                              name=prefix + ".codes_index")]
    if pad == 0:
        nodes.append(helper.make_node("Reshape", [prefix + ".codes_index", prefix + ".shape"],
                                      [prefix + ".codes_shaped"], name=prefix + ".codes_shaped"))
    else:
        inits.append(tensor(prefix + ".count", np.array([n], np.int64)))
        nodes += [helper.make_node("Reshape", [prefix + ".codes_index", "trit.unpack.flat"], [prefix + ".codes_flat"],
                                   name=prefix + ".codes_flat"),
                  helper.make_node("Slice", [prefix + ".codes_flat", "trit.unpack.zero", prefix + ".count"],
                                   [prefix + ".codes_cut"], name=prefix + ".codes_cut"),
                  helper.make_node("Reshape", [prefix + ".codes_cut", prefix + ".shape"], [prefix + ".codes_shaped"],
                                   name=prefix + ".codes_shaped")]
    nodes.append(helper.make_node("Gather", [prefix + ".levels", prefix + ".codes_shaped"], [prefix], axis=0,
                                  name=prefix))
    return inits, nodes


def shared_unpack_constants():
    return [tensor("trit.unpack.axes", np.array([1], np.int64)),
            tensor("trit.unpack.powers", np.array([[1, 3, 9, 27, 81]], np.int32)),
            tensor("trit.unpack.three", np.array(3, np.int32)),
            tensor("trit.unpack.zero", np.array([0], np.int64)),
            tensor("trit.unpack.flat", np.array([-1], np.int64))]


def metadata(model, labels):
    props = {"trit.format_version": "1", "trit.labels": json.dumps(labels), "trit.mean": "0.5,0.5,0.5",
             "trit.std": "0.25,0.25,0.25", "trit.resize": "8", "trit.resize_filter": "area",
             "trit.name": "reliability-small"}
    for k, v in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v


def finish(graph, labels=None, opset=OPSET):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="trit-reliability")
    model.ir_version = 7
    if labels is not None:
        metadata(model, labels)
    return model


def small_model():
    """Conv+BN+Relu -> ternary Conv (+ residual Add) -> Relu -> GAP -> Flatten -> ternary Gemm: the shapes of
    a ResNet-20 block, 8x8 input, 10 classes."""
    c = 4
    inits = shared_unpack_constants()
    inits += [tensor("stem.w", rng.normal(0, 0.5, (c, 3, 3, 3)).astype(np.float32)),
              tensor("stem.b", rng.normal(0, 0.1, c).astype(np.float32)),
              tensor("bn.scale", rng.uniform(0.5, 1.5, c).astype(np.float32)),
              tensor("bn.bias", rng.normal(0, 0.1, c).astype(np.float32)),
              tensor("bn.mean", rng.normal(0, 0.1, c).astype(np.float32)),
              tensor("bn.var", rng.uniform(0.5, 1.5, c).astype(np.float32)),
              tensor("fc.b", rng.normal(0, 0.1, 10).astype(np.float32))]
    t_inits, t_nodes = ternary_weight("block.w", rng.integers(-1, 2, (c, c, 3, 3)), 0.6, 0.8)
    g_inits, g_nodes = ternary_weight("fc.w", rng.integers(-1, 2, (10, c)), 0.5, 0.5)  # 40 weights: no padding
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
    graph = helper.make_graph(nodes, "reliability_small",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    return finish(graph, [f"class{i}" for i in range(10)])


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
