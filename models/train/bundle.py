#!/usr/bin/env python3
"""Bring a GPU run's results back through a narrow door: at most 8 files of ≤ 16 MiB (64 MiB in all) come back
from the GPU machine. `pack` gathers what export needs from OUT/runs/* — each run's final weights (or, for a run
cut off by its deadline, the weights of its resume checkpoint, without the optimizer), its log — plus OUT/logs and
OUT/summary.txt into one .tar.gz, cut into parts of at most 15 MiB. `unpack` puts them back into an OUT that
`gpu_all.sh OUT --export-only` reads.

  /usr/bin/python3 models/train/bundle.py pack OUT DEST_DIR [--half-from-params 5000000]
  /usr/bin/python3 models/train/bundle.py unpack DEST_DIR OUT

Weights of models with more than --half-from-params parameters (the CIFAR ResNet-18: 11 M) travel as fp16, so the
large model's float base and PTQ fit the 64 MiB; the ResNet-20/56s travel in fp32, bit for bit.
"""
import argparse
import glob
import io
import lzma
import os
import sys
import tarfile
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
from errors import TrainError  # noqa: E402

PART_BYTES = 15 * 1024 * 1024
MAX_PARTS = 8
# gzip, not xz: the weights are near-random bytes that no compressor shrinks much (62 MB of smoke-run weights:
# xz -6 55.0 MB in 37.5 s, gzip -6 57.0 MB in 2.2 s), and the packing time is the GPU machine's.
PREFIX = "trit-gpu-results.tar.gz."
OLD_PREFIX = "trit-gpu-results.tar.xz."  # what unpack still reads from earlier bundles


def _weights_file(run_dir, half_from):
    """(bytes of a final-checkpoint dict, note) for one run, or None when it has no weights."""
    final = os.path.join(run_dir, "checkpoint-final.pt")
    resume = os.path.join(run_dir, "checkpoint.pt")
    if os.path.isfile(final):
        obj, note = checkpoint.read(final), "final"
    elif os.path.isfile(resume):
        r = checkpoint.read(resume)
        obj = {"model": r["model"], "arch": r.get("arch"), "method": r.get("method"),
               "epochs": r.get("epoch", 0), "trained_minutes": r.get("trained_seconds", 0.0) / 60,
               "pytorch_top1": float("nan"), "args": r.get("args", {})}
        note = "unfinished (epoch %d step %d)" % (r.get("epoch", 0), r.get("step", 0))
    else:
        return None
    params = sum(v.numel() for v in obj["model"].values() if torch.is_tensor(v) and v.is_floating_point())
    if params > half_from:
        obj = dict(obj, model={k: (v.half() if torch.is_tensor(v) and v.is_floating_point() else v)
                               for k, v in obj["model"].items()}, travelled_as="fp16")
        note += ", fp16"
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue(), note


def pack(out, dest, half_from):
    runs = sorted(d for d in glob.glob(os.path.join(out, "runs", "*")) if os.path.isdir(d))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for run in runs:
            name = os.path.basename(run)
            got = _weights_file(run, half_from)
            if got is not None:
                add("runs/%s/checkpoint-final.pt" % name, got[0])
                print("bundle: %s: %s, %d bytes" % (name, got[1], len(got[0])))
            log = os.path.join(run, "log.txt")
            if os.path.isfile(log):
                with open(log, "rb") as f:
                    add("runs/%s/log.txt" % name, f.read())
        for path in sorted(glob.glob(os.path.join(out, "logs", "*"))) + [os.path.join(out, "summary.txt")]:
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    add(os.path.relpath(path, out), f.read())
    data = zlib.compress(raw.getvalue(), 6)
    parts = [data[i:i + PART_BYTES] for i in range(0, len(data), PART_BYTES)] or [b""]
    if len(parts) > MAX_PARTS:
        raise TrainError("the results are %d bytes compressed: more than %d parts of %d bytes" % (
            len(data), MAX_PARTS, PART_BYTES))
    os.makedirs(dest, exist_ok=True)
    for old in glob.glob(os.path.join(dest, PREFIX + "*")) + glob.glob(os.path.join(dest, OLD_PREFIX + "*")):
        os.remove(old)
    for i, part in enumerate(parts):
        with open(os.path.join(dest, PREFIX + "%03d" % i), "wb") as f:
            f.write(part)
    print("bundle: %d runs in %d part(s), %d bytes, in %s" % (len(runs), len(parts), len(data), dest))


def unpack(src, out):
    parts = sorted(glob.glob(os.path.join(src, PREFIX + "*")))
    decompress, error = zlib.decompress, zlib.error
    if not parts:
        parts = sorted(glob.glob(os.path.join(src, OLD_PREFIX + "*")))
        decompress, error = lzma.decompress, lzma.LZMAError
    if not parts:
        raise TrainError("no %s* parts in %s" % (PREFIX, src))
    data = b""
    for p in parts:
        with open(p, "rb") as f:
            data += f.read()
    try:
        raw = decompress(data)
    except error as e:
        raise TrainError("the parts in %s do not make a whole bundle (%s): a part missing?" % (src, e))
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r") as tar:
        members = tar.getmembers()
        for member in members:
            if not member.isfile() or member.name.startswith("/") or ".." in member.name.split("/"):
                raise TrainError("unexpected entry %r in the bundle" % member.name)
        tar.extractall(out)
    print("bundle: %d files into %s" % (len(members), out))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pack")
    a.add_argument("out")
    a.add_argument("dest")
    a.add_argument("--half-from-params", type=int, default=5_000_000)
    b = sub.add_parser("unpack")
    b.add_argument("src")
    b.add_argument("out")
    args = p.parse_args(argv)
    try:
        if args.cmd == "pack":
            pack(args.out, args.dest, args.half_from_params)
        else:
            unpack(args.src, args.out)
    except TrainError as e:
        print("bundle.py: error: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
