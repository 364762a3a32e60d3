"""The trit file format's one writer (docs/FORMAT.md): base-3 packing of ternary codes, and an ONNX graph builder
that writes ternary weights in either layout — the shared code blob (one initializer for every weight, one
decode chain, one Split: what shipped models use) or a decode subgraph per weight (the older layout, still read).
Every tool and test fixture that writes trit files goes through this module: models/export.py (ResNets),
models/repack.py, tests/crosscheck, tests/reliability, tests/js generators.

    g = Graph(shared_codes=True)
    w = g.ternary_weight("conv", Ternary([(codes, (wn, wp))], scale), shape)   # codes in {-1, 0, +1}
    y = g.node("Conv", ["input", w], "conv.y", pads=[1, 1, 1, 1])
    proto = g.model("input", [1, 3, 8, 8], "conv.y", [1, 4, 8, 8], props={"trit.labels": ...})
"""
import gzip
import os
from collections import namedtuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 7
FORMAT_VERSION = "1"
POWERS = np.array([1, 3, 9, 27, 81], dtype=np.int64)

# What a ternary weight is to the writer: planes [(codes {-1,0,+1} with the weight's shape, (wn, wp))] — the
# value of code -1 is -wn, of +1 is +wp; K planes are summed (residual expansion) — and an optional per-output-
# channel scale. models/train/arch.py's TernaryWeight has the same two attributes.
Ternary = namedtuple("Ternary", "planes scale")
Ternary.__new__.__defaults__ = (None,)


# ----------------------------------------------------------------------------------------------------------
# base-3 packing (FORMAT.md "Ternary weights")

def pack_ternary(values):
    """Ternary values in {-1, 0, +1} (any shape, row-major) → uint8 codes, five per byte, padded with code 1."""
    t = np.asarray(values).reshape(-1).astype(np.int64)
    if t.size and (t.min() < -1 or t.max() > 1):
        raise ValueError("ternary values must be in {-1, 0, +1}")
    codes = t + 1
    pad = (-len(codes)) % 5
    codes = np.concatenate([codes, np.ones(pad, dtype=np.int64)]).reshape(-1, 5)
    return (codes @ POWERS).astype(np.uint8)


def unpack_ternary(packed, n):
    """Inverse of pack_ternary: uint8 codes → int8 ternary values [n]."""
    b = np.asarray(packed, dtype=np.int64).reshape(-1, 1)
    if b.size and b.max() > 242:
        raise ValueError("byte above 242 in packed codes")
    return ((b // POWERS) % 3 - 1).reshape(-1)[:n].astype(np.int8)


# ----------------------------------------------------------------------------------------------------------
# graph builder

class Graph:
    def __init__(self, shared_codes=True, opset=OPSET):
        # the shared blob's Split takes its sizes as an input from opset 13 on; older graphs (the cross-check's
        # opset-11 ones) use the per-weight layout, with Unsqueeze's axes as an attribute
        if shared_codes and opset < 13:
            raise ValueError("the shared code blob needs opset >= 13 (this graph is opset %d)" % opset)
        self.opset = opset
        self.nodes, self.inits, self.names = [], [], set()
        self.shared = {}
        # FORMAT.md "Shared code blob": every ternary plane's codes in one initializer, decoded once and
        # cut by one Split (about 0.7 KB per layer less than a decode subgraph per weight)
        self.shared_codes = shared_codes
        self.blob = []  # (Split output name, ternary values) in Split order
        self.stats = {"ternary_weights": 0, "ternary_zeros": 0, "float_weights": 0, "ternary_layers": 0}

    def init(self, name, array, dtype=None):
        if name in self.names:
            raise ValueError("duplicate tensor name %r" % name)
        self.names.add(name)
        arr = np.asarray(array, dtype=dtype) if dtype is not None else np.asarray(array)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def shared_init(self, name, array, dtype):
        if name not in self.shared:
            self.shared[name] = self.init(name, array, dtype)
        return name

    def node(self, op, inputs, output, **attrs):
        if output in self.names:
            raise ValueError("duplicate tensor name %r" % output)
        self.names.add(output)
        # no node names: trit and Netron label a node by its output, and at 70 KB the bytes count
        self.nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def finish(self):
        """The node list, with the shared code blob's decode chain first (its inputs are all initializers)."""
        if not self.blob:
            return self.nodes
        trits = np.concatenate([t for _, t in self.blob])
        codes = self.init("trit.codes", pack_ternary(trits), np.uint8)
        sizes = [len(t) for _, t in self.blob]
        outputs = [name for name, _ in self.blob]
        pad = 5 * ((len(trits) + 4) // 5) - len(trits)
        if pad:
            sizes.append(pad)
            outputs.append("trit.codes_pad")
        split = self.init("trit.split", sizes, np.int64)
        axes = self.shared_init("trit.unpack.axes", [1], np.int64)
        powers = self.shared_init("trit.unpack.powers", [[1, 3, 9, 27, 81]], np.int32)
        three = self.shared_init("trit.unpack.three", np.array(3, dtype=np.int32), np.int32)
        flat = self.shared_init("trit.unpack.flat", [-1], np.int64)
        head = [helper.make_node("Unsqueeze", [codes, axes], ["trit.codes_col"]),
                helper.make_node("Cast", ["trit.codes_col"], ["trit.codes_int"], to=TensorProto.INT32),
                helper.make_node("Div", ["trit.codes_int", powers], ["trit.codes_div"]),
                helper.make_node("Mod", ["trit.codes_div", three], ["trit.codes_index"], fmod=0),
                helper.make_node("Reshape", ["trit.codes_index", flat], ["trit.codes_flat"]),
                helper.make_node("Split", ["trit.codes_flat", split], outputs, axis=0)]
        return head + self.nodes

    def ternary_weight(self, name, tw, shape):
        """The FORMAT.md subgraph for TernaryWeight `tw`; returns the name of the rebuilt float weight (`name`).
        With residual-expansion planes, each plane is a complete ternary weight named `name.plane<k>` (with its
        own copy of the per-channel scale, if any) and `name` is their left-nested Add chain."""
        shape = tuple(int(s) for s in shape)
        n = int(np.prod(shape))
        planes = tw.planes
        if not 1 <= len(planes) <= 4:
            raise ValueError("%s: %d planes (1..4 allowed)" % (name, len(planes)))
        plane_outputs = []
        for k, (t, (wn, wp)) in enumerate(planes):
            t = t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)
            if tuple(t.shape) != shape:
                raise ValueError("%s: plane shape %s != weight shape %s" % (name, t.shape, shape))
            p = name if len(planes) == 1 else "%s.plane%d" % (name, k)
            plane_outputs.append(self._one_plane(p, t, wn, wp, tw.scale, shape, n))
            if k == 0:
                self.stats["ternary_zeros"] += int((t == 0).sum())
        w = plane_outputs[0]
        for k in range(1, len(plane_outputs)):
            w = self.node("Add", [w, plane_outputs[k]], name if k == len(plane_outputs) - 1 else "%s.sum%d" % (name, k))
        self.stats["ternary_weights"] += n
        self.stats["ternary_layers"] += 1
        return w

    def _one_plane(self, p, t, wn, wp, scale, shape, n):
        if self.shared_codes:
            levels = self.init(p + ".levels", [-wn, 0.0, wp], np.float32)
            wshape = self.shared_init("trit.shape." + "x".join(str(d) for d in shape), list(shape), np.int64)
            cut = p + ".codes"
            if cut in self.names:
                raise ValueError("duplicate tensor name %r" % cut)
            self.names.add(cut)
            self.blob.append((cut, np.asarray(t).reshape(-1).astype(np.int8)))
            x = self.node("Reshape", [cut, wshape], p + ".index")
            return self._levels_and_scale(p, levels, x, scale, shape)
        powers = self.shared_init("trit.unpack.powers", [[1, 3, 9, 27, 81]], np.int32)
        three = self.shared_init("trit.unpack.three", np.array(3, dtype=np.int32), np.int32)
        codes = self.init(p + ".codes", pack_ternary(t), np.uint8)
        levels = self.init(p + ".levels", [-wn, 0.0, wp], np.float32)
        wshape = self.init(p + ".shape", list(shape), np.int64)
        if self.opset >= 13:
            axes = self.shared_init("trit.unpack.axes", [1], np.int64)
            x = self.node("Unsqueeze", [codes, axes], p + ".codes_col")
        else:
            x = self.node("Unsqueeze", [codes], p + ".codes_col", axes=[1])
        x = self.node("Cast", [x], p + ".codes_int", to=TensorProto.INT32)
        x = self.node("Div", [x, powers], p + ".codes_div")
        x = self.node("Mod", [x, three], p + ".codes_index", fmod=0)
        if n % 5 == 0:
            x = self.node("Reshape", [x, wshape], p + ".codes_shaped")
        else:
            zero = self.shared_init("trit.unpack.zero", [0], np.int64)
            flat = self.shared_init("trit.unpack.flat", [-1], np.int64)
            count = self.init(p + ".count", [n], np.int64)
            x = self.node("Reshape", [x, flat], p + ".codes_flat")
            x = self.node("Slice", [x, zero, count], p + ".codes_cut")
            x = self.node("Reshape", [x, wshape], p + ".codes_shaped")
        return self._levels_and_scale(p, levels, x, scale, shape)

    def _levels_and_scale(self, p, levels, x, scale, shape):
        if scale is None:
            return self.node("Gather", [levels, x], p)  # axis 0 (the default)
        x = self.node("Gather", [levels, x], p + ".unscaled")
        sshape = [shape[0]] + [1] * (len(shape) - 1)
        sc = self.init(p + ".scale", np.asarray(scale, np.float32).reshape(sshape), np.float32)
        return self.node("Mul", [x, sc], p)

    def model(self, inputs, outputs, props=None, name="trit", producer="trit-export", check=True):
        """The ModelProto of the graph built so far. inputs/outputs: [(name, shape)] float tensors (or
        ValueInfoProtos); props: metadata (strings or JSON-able values)."""
        def info(v):
            return v if isinstance(v, onnx.ValueInfoProto) else helper.make_tensor_value_info(
                v[0], TensorProto.FLOAT, list(v[1]))
        graph = helper.make_graph(self.finish(), name, [info(v) for v in inputs], [info(v) for v in outputs],
                                  initializer=self.inits)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)], producer_name=producer,
                                  producer_version=FORMAT_VERSION)
        proto.ir_version = IR_VERSION
        if props:
            helper.set_model_props(proto, {k: v if isinstance(v, str) else __import__("json").dumps(v)
                                           for k, v in props.items() if v is not None})
        if check:
            onnx.checker.check_model(proto)
        return proto


def save(proto, path):
    """Write `path` and `path`.gz (gzip -9, mtime 0 so the bytes are reproducible). Returns (raw, gz) sizes."""
    data_bytes = proto.SerializeToString()
    with open(path, "wb") as f:
        f.write(data_bytes)
    with open(path + ".gz", "wb") as raw:
        with gzip.GzipFile(filename=os.path.basename(path), mode="wb", compresslevel=9, fileobj=raw,
                           mtime=0) as f:
            f.write(data_bytes)
    return len(data_bytes), os.path.getsize(path + ".gz")
