#!/usr/bin/env python3
"""Stash an unfinished run's resume checkpoint for git: runs/<name>/checkpoint.pt → checkpoint.pt.xz (lzma; a
ResNet-20 run with its momentum is ~2 MB). Commit the .xz; in a fresh checkout `train.py --resume` (or the
Makefile's --auto-resume) unpacks it and continues exactly where the run was.

  /usr/bin/python3 models/train/stash_run.py resnet20-float-e160 [--runs-dir models/runs]

--small (for runs whose exact stash is over git's 2 MiB file limit, e.g. ResNet-56 at 6.3 MB): weights in fp16
and no momentum buffers (~1.6 MB for ResNet-56); the resumed run continues from there, close to but not exactly
like a run that never stopped, and says so in its log.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
import train  # noqa: E402
from errors import TrainError  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name")
    p.add_argument("--runs-dir", default=train.RUNS)
    p.add_argument("--small", action="store_true", help="fp16 weights, no momentum (see above)")
    a = p.parse_args(argv)
    path = os.path.join(a.runs_dir, a.name, "checkpoint.pt")
    try:
        obj = checkpoint.read(path, "checkpoint to stash")
        out = checkpoint.stash(path, small=a.small)
    except TrainError as e:
        print("stash_run.py: error: %s" % e, file=sys.stderr)
        return 2
    print("%s: epoch %d step %d, %d bytes (from %d): commit it" % (
        out, obj.get("epoch", 0), obj.get("step", 0), os.path.getsize(out), os.path.getsize(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
