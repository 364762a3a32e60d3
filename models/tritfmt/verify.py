"""Checks of a written trit file: logits of onnxruntime (onnxruntime-node through models/ort_run.mjs) and of
the native trit CLI against PyTorch, `trit eval` top-1, and ONNX TensorProto .pb files (backend-test layout).
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from onnx import TensorProto, numpy_helper

from .resnet import fake_quantized_activations

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(MODELS)


def write_pb(array, path, name="input"):
    t = numpy_helper.from_array(np.ascontiguousarray(array), name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def read_pb(path):
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def run_onnxruntime(model_path, inputs, workdir):
    """Logits from onnxruntime-node via models/ort_run.mjs (no Python onnxruntime here)."""
    paths = []
    for i, arr in enumerate(inputs):
        p = os.path.join(workdir, "input_%d.pb" % i)
        write_pb(arr, p, "input")
        paths.append(p)
    out_dir = os.path.join(workdir, "ort")
    res = subprocess.run(["node", os.path.join(MODELS, "ort_run.mjs"), os.path.abspath(model_path)] + paths +
                         ["--out-dir", out_dir], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if res.returncode != 0:
        err = res.stderr.decode(errors="replace")
        if "Cannot find module 'onnxruntime-node'" in err:
            raise RuntimeError("the onnxruntime check needs onnxruntime-node, which is not installed here: "
                               "`make deps` installs it")
        raise RuntimeError("models/ort_run.mjs failed on %s: %s" % (model_path, err.strip()[-500:]))
    return read_pb(os.path.join(out_dir, "output_0.pb"))


def trit_binary():
    path = os.path.join(REPO, "build", "native", "trit")
    return path if os.access(path, os.X_OK) else None


def run_trit(model_path, inp, workdir):
    out_dir = os.path.join(workdir, "trit")
    p = os.path.join(workdir, "input_0.pb")
    write_pb(inp, p, "input")
    subprocess.run([trit_binary(), "run", model_path, p, "--out-dir", out_dir], check=True,
                   stdout=subprocess.DEVNULL)
    return read_pb(os.path.join(out_dir, "output_0.pb"))


def trit_eval(model_path, data_dir, limit=None):
    """top-1 (percent) measured by `trit eval MODEL DIR --json`."""
    cmd = [trit_binary(), "eval", model_path, data_dir, "--json"] + (["--limit", str(limit)] if limit else [])
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)   # stderr: progress line
    if res.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), res.stderr.decode()[-500:]))
    return float(json.loads(res.stdout.decode())["top1"])


def max_rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(b))))


def check(model_path, model, batch, tol=1e-4, use_trit=True, log=print, act_scales=None):
    """PyTorch logits of `model` on `batch` (numpy [N,3,H,W]) vs onnxruntime's and trit's (when
    build/native/trit exists), one image at a time (the graph has batch 1). With `act_scales`, PyTorch
    fake-quantizes those layers' inputs as the graph does. Returns dict of max relative errors; raises
    AssertionError over `tol` (relative to the largest |logit|)."""
    import torch
    model.eval()
    with torch.no_grad(), fake_quantized_activations(model, act_scales):
        ref = model(torch.from_numpy(np.ascontiguousarray(batch, np.float32))).numpy()
    errs = {}
    with tempfile.TemporaryDirectory() as d:
        ort = np.concatenate([run_onnxruntime(model_path, [batch[i:i + 1]], d) for i in range(len(batch))])
        errs["onnxruntime"] = max_rel_err(ort, ref)
        if use_trit and trit_binary():
            tr = np.concatenate([run_trit(model_path, batch[i:i + 1], d) for i in range(len(batch))])
            errs["trit"] = max_rel_err(tr, ref)
    for k, e in errs.items():
        log("  %s vs PyTorch: max relative error %.2e over %d images" % (k, e, len(batch)))
        assert e <= tol, "%s logits differ from PyTorch: %.3g > %.1g" % (k, e, tol)
    if use_trit and not trit_binary():
        log("  (build/native/trit not built: trit check skipped)")
    return errs
