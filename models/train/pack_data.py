#!/usr/bin/env python3
"""Pack the CIFAR-10 JPEG folder into one .npz of the original JPEG bytes, to travel where ../shared does not
(a GPU machine gets the checkout plus ≤ 64 MiB of carried files; the decoded uint8 arrays are 184 MB, the 60,000
JPEGs 55 MB). The bytes are not re-encoded, so decoding the pack gives the pixels the folder gives.

  /usr/bin/python3 models/train/pack_data.py [--data DIR] OUT.npz [--per-class N]

Arrays: <split>_bytes (uint8, all files concatenated), <split>_offsets (int64, N+1), <split>_labels (int64), for
split in train, test; files in data.py's order (class, then file name). --per-class keeps the first N files of
each class of each split (the --smoke run's small pack).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from errors import TrainError  # noqa: E402


def pack(root, out, per_class=0):
    arrays = {}
    for split in ("train", "test"):
        files = data._list_jpegs(root, split)
        if per_class:
            kept, count = [], {}
            for path, label in files:
                if count.get(label, 0) < per_class:
                    kept.append((path, label))
                    count[label] = count.get(label, 0) + 1
            files = kept
        blobs = []
        for path, _ in files:
            with open(path, "rb") as f:
                blobs.append(f.read())
        offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(b) for b in blobs])
        arrays[split + "_bytes"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        arrays[split + "_offsets"] = offsets
        arrays[split + "_labels"] = np.asarray([label for _, label in files], dtype=np.int64)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, out)
    return {s: len(arrays[s + "_labels"]) for s in ("train", "test")}, os.path.getsize(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="the .npz to write")
    p.add_argument("--data", default=None, help="JPEG folder (default $TRIT_CIFAR10 or ../shared/data/cifar10)")
    p.add_argument("--per-class", type=int, default=0)
    a = p.parse_args(argv)
    if not a.out.endswith(".npz"):
        p.error("the pack's name must end in .npz")
    root = os.path.abspath(a.data or data.default_data_dir())
    try:
        if not os.path.isdir(root):
            raise TrainError("no CIFAR-10 JPEG folder at %s" % root)
        counts, size = pack(root, a.out, a.per_class)
    except TrainError as e:
        print("pack_data.py: error: %s" % e, file=sys.stderr)
        return 2
    print("%s: %d train + %d test JPEGs, %d bytes" % (a.out, counts["train"], counts["test"], size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
