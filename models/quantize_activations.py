#!/usr/bin/env python3
"""Give an existing trit model 8-bit activations (docs/FORMAT.md "8-bit activations"), without its
training checkpoint: every ternary Conv/Gemm input gets a QuantizeLinear -> DequantizeLinear pair
(uint8 where the calibration saw no negative value, else int8; zero point 0; one scale per tensor).
The scales come from running the model itself in onnxruntime-node on calibration images, each
ternary layer's input added as a graph output. export.py --activations 8bit does the same from a
checkpoint (PyTorch hooks); this works on any trit model file.

    /usr/bin/python3 models/quantize_activations.py models/resnet20-ptq.onnx -o /tmp/resnet20-ptq-8bit.onnx \
        [--data ../shared/data/cifar10] [--calib-images 2000] [--percentile 100]

Calibration images: the CIFAR-10 training split (models/train/data.py), preprocessed with the model's
trit.mean / trit.std. Writes OUT and OUT.gz.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "train"))
import export  # noqa: E402


def ternary_layer_inputs(model):
    """(node index, input tensor) of every Conv/Gemm whose weight is computed by the graph (the ternary
    subgraph) rather than stored as an initializer."""
    inits = {i.name for i in model.graph.initializer}
    return [(k, n.input[0]) for k, n in enumerate(model.graph.node)
            if n.op_type in ("Conv", "Gemm") and len(n.input) > 1 and n.input[1] not in inits]


def calibration_batches(model, data_dir, count, batch):
    import torch
    import data
    meta = {p.key: p.value for p in model.metadata_props}
    mean = [float(v) for v in meta.get("trit.mean", "0,0,0").split(",")]
    std = [float(v) for v in meta.get("trit.std", "1,1,1").split(",")]
    x, _ = data.load_split("train", data_dir)
    pick = np.sort(np.random.RandomState(0).permutation(len(x))[:count])
    images = torch.from_numpy(x[pick]).permute(0, 3, 1, 2).float().div_(255.0)
    images = (images - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    return [b.numpy() for b in torch.split(images, batch)]


def observe(model, tensors, batches):
    """max |x| and min x of each tensor over the batches, from onnxruntime-node."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    del probe.graph.output[:]
    probe.graph.output.extend([helper.make_tensor_value_info(t, TensorProto.FLOAT, None) for t in tensors])
    stats = {t: [0.0, 0.0] for t in tensors}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "probe.onnx")
        onnx.save(probe, path)
        for b in batches:
            inp = os.path.join(d, "input_0.pb")
            export.write_pb(b, inp, probe.graph.input[0].name)
            out = os.path.join(d, "out")
            subprocess.run(["node", os.path.join(HERE, "ort_run.mjs"), path, inp, "--out-dir", out], check=True,
                           stdout=subprocess.DEVNULL)
            for i, t in enumerate(tensors):
                v = export.read_pb(os.path.join(out, "output_%d.pb" % i))
                stats[t][0] = max(stats[t][0], float(np.abs(v).max()))
                stats[t][1] = min(stats[t][1], float(v.min()))
    return stats


def insert_pairs(model, layers, stats, note):
    """A Q/DQ pair per distinct input tensor, placed before its first ternary reader."""
    g = model.graph
    nodes = list(g.node)
    done, inserted = {}, []
    for k, x in layers:
        if x not in done:
            amax, lo = stats[x]
            kind = "int8" if lo < 0 else "uint8"
            scale = np.float32(max(amax, 1e-8) / (127.0 if kind == "int8" else 255.0))
            base = nodes[k].name or x
            zero = "trit.act.zero_" + kind
            if zero not in {i.name for i in g.initializer}:
                g.initializer.append(numpy_helper.from_array(np.array(0, np.uint8 if kind == "uint8" else np.int8), zero))
            g.initializer.append(numpy_helper.from_array(np.array(scale, np.float32), base + ".xscale"))
            q = helper.make_node("QuantizeLinear", [x, base + ".xscale", zero], [base + ".xq"], name=base + ".xq")
            dq = helper.make_node("DequantizeLinear", [base + ".xq", base + ".xscale", zero], [base + ".xdq"],
                                  name=base + ".xdq")
            inserted.append((k, [q, dq]))
            done[x] = (base + ".xdq", kind)
        nodes[k].input[0] = done[x][0]
    for k, pair in sorted(inserted, key=lambda e: -e[0]):  # from the back, so earlier indices stay valid
        nodes[k:k] = pair
    del g.node[:]
    g.node.extend(nodes)
    kinds = sorted({kind for _, kind in done.values()})
    props = {p.key: p.value for p in model.metadata_props}
    props["trit.activations"] = "+".join(kinds)
    props["trit.notes"] = (props.get("trit.notes", "") + " " if props.get("trit.notes") else "") + note
    props.pop("trit.top1", None)  # the float-activation accuracy no longer applies: measure it again
    onnx.helper.set_model_props(model, props)
    return len(done), kinds


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--data", default=None, help="CIFAR-10 root (default $TRIT_CIFAR10 or ../shared/data/cifar10)")
    p.add_argument("--calib-images", type=int, default=2000)
    args = p.parse_args(argv)
    model = onnx.load(args.model)
    layers = ternary_layer_inputs(model)
    if not layers:
        sys.exit("%s: no ternary Conv/Gemm (weights computed by the graph)" % args.model)
    tensors = sorted({x for _, x in layers})
    stats = observe(model, tensors, calibration_batches(model, args.data, args.calib_images, 250))
    n, kinds = insert_pairs(model, layers, stats, "8-bit activations (%s, per-tensor min-max scales over %d training "
                            "images, models/quantize_activations.py)" % ("+".join(sorted(
                                {"int8" if stats[t][1] < 0 else "uint8" for t in tensors})), args.calib_images))
    onnx.checker.check_model(model)
    raw, gz = export.save(model, args.output)
    print("%s: %d ternary layers, %d Q/DQ pairs (%s); %d bytes raw, %d gzip" % (
        args.output, len(layers), n, "+".join(kinds), raw, gz))


if __name__ == "__main__":
    main()
