#!/usr/bin/env python3
"""Rewrite a trit model whose ternary weights each carry their own decode subgraph (FORMAT.md "Ternary
weights", what export.py wrote before the shared code blob) into the shared-blob layout (FORMAT.md
"Shared code blob"), without the training checkpoint. The ternary values, levels, scales and every other
tensor stay bit-identical, so the model computes the same logits; only the file gets smaller.

    /usr/bin/python3 models/repack.py models/resnet20-ttq.onnx [-o OUT.onnx]   (default: in place; .gz too)
        [--int8-first-last --top1 X]   (also store the first conv and FC as int8; X = the new trit eval top-1)

It also drops node names (trit and Netron label nodes by their outputs) and the attributes that repeat a
default or the weight's shape (Conv kernel_shape, Gather axis=0), as export.py now does.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper, TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402

OLD_DECODE = ("codes_col", "codes_int", "codes_div", "codes_index", "codes_flat", "codes_cut")


def repack(proto):
    g = proto.graph
    inits = {t.name: t for t in g.initializer}
    outputs = {o for n in g.node for o in n.output}
    planes = [t.name[:-len(".codes")] for t in g.initializer  # W.codes read by W.codes_col = Unsqueeze(W.codes)
              if t.name.endswith(".codes") and t.data_type == TensorProto.UINT8 and t.name + "_col" in outputs]
    if not planes:
        raise ValueError("no per-weight ternary decode subgraphs (already repacked?)")
    graph = export.Graph(shared_codes=True)
    drop_nodes, drop_inits, renamed = set(), set(), {}
    shape_of = {}
    for p in planes:
        shape = [int(d) for d in numpy_helper.to_array(inits[p + ".shape"])]
        n = int(np.prod(shape))
        t = export.unpack_ternary(numpy_helper.to_array(inits[p + ".codes"]), n)
        graph.blob.append((p + ".codes", t))
        graph.names.add(p + ".codes")
        shape_of[p] = shape
        drop_nodes.update(p + "." + s for s in OLD_DECODE)
        drop_inits.update({p + ".codes", p + ".count", p + ".shape"})
        renamed[p + ".codes_shaped"] = p + ".index"
    for t in g.initializer:
        if t.name in drop_inits or t.name == "trit.unpack.zero":
            continue
        graph.inits.append(t)
        graph.names.add(t.name)
        if t.name.startswith("trit.unpack."):
            graph.shared[t.name] = t.name
    for nd in g.node:
        if nd.output[0] in drop_nodes:
            continue
        nd.ClearField("name")
        for i, x in enumerate(nd.input):
            nd.input[i] = renamed.get(x, x)
        if nd.output[0] in renamed:
            p = nd.output[0][:-len(".codes_shaped")]
            nd.output[0] = renamed[nd.output[0]]
            dims = shape_of[p]
            nd.input[0] = p + ".codes"
            nd.input[1] = graph.shared_init("trit.shape." + "x".join(map(str, dims)), dims, np.int64)
        keep = [a for a in nd.attribute
                if not (nd.op_type == "Conv" and a.name == "kernel_shape")
                and not (nd.op_type == "Gather" and a.name == "axis" and a.i == 0)]
        del nd.attribute[:]
        nd.attribute.extend(keep)
        graph.nodes.append(nd)
        graph.names.update(nd.output)
    nodes = graph.finish()
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(graph.inits)
    onnx.checker.check_model(proto)
    return proto


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("-o", "--output", default=None, help="default: rewrite MODEL (and MODEL.gz)")
    ap.add_argument("--int8-first-last", action="store_true", help="also export.int8_weights (first conv, FC); "
                    "the accuracy changes: re-measure it with `trit eval` and record it in trit.top1 (--top1)")
    ap.add_argument("--top1", type=float, default=None, help="write this trit.top1")
    args = ap.parse_args(argv)
    proto = onnx.load(args.model)
    before = os.path.getsize(args.model)
    if any(n.op_type == "Unsqueeze" and n.output[0].endswith(".codes_col") and n.output[0] != "trit.codes_col"
           for n in proto.graph.node):
        repack(proto)
    meta = {p.key: p.value for p in proto.metadata_props}
    if args.int8_first_last and export.int8_weights(proto):
        notes = meta.get("trit.notes", "")
        meta["trit.notes"] = (notes + " " if notes else "") + export.INT8_FIRST_LAST_NOTE
    if args.top1 is not None:
        meta["trit.top1"] = "%.2f" % args.top1
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, meta)
    raw, gz = export.save(proto, args.output or args.model)
    print("%s: %d -> %d bytes raw, %d gzip" % (args.output or args.model, before, raw, gz))


if __name__ == "__main__":
    main()
