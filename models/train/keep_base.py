#!/usr/bin/env python3
"""Keep a float base or teacher in git: fp16 weights plus the recipe and accuracy, in models/bases/<name>.pt.

  /usr/bin/python3 models/train/keep_base.py models/runs/resnet20-float/checkpoint-final.pt \\
      -o models/bases/resnet20-float.pt --recipe "make -C models runs/resnet20-float/checkpoint-final.pt"

A ResNet-20 base is 0.55 MB, a ResNet-56 1.7 MB. train.py --init / --teacher and export.py read it like any
checkpoint; fine-tunes start from exactly these fp16-rounded weights, so a shipped model's start is reproducible.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
from errors import TrainError  # noqa: E402

MAX_BYTES = 2 * 1024 * 1024


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help="a final or resume checkpoint of a float run")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--recipe", required=True, help="the one command that re-creates the source run")
    a = p.parse_args(argv)
    try:
        obj = checkpoint.read(a.source)
        arch, method = checkpoint.describe_kind(obj)
        if method != "float":
            raise TrainError("%s is a %s run: bases and teachers kept here are float" % (a.source, method))
        checkpoint.build_from(obj, a.source)  # the weights fit their arch
        args = obj.get("args") or {}
        epochs = obj.get("epochs", obj.get("epoch"))
        checkpoint.save_base(a.output, checkpoint.state_dict_of(obj), arch, method, args,
                             obj.get("pytorch_top1"), epochs, a.recipe, os.path.relpath(a.source))
    except TrainError as e:
        print("keep_base.py: error: %s" % e, file=sys.stderr)
        return 2
    size = os.path.getsize(a.output)
    print("%s: %s float, %s epochs, PyTorch top-1 %s, %d bytes" % (a.output, arch, epochs, obj.get("pytorch_top1"),
                                                                    size))
    if size > MAX_BYTES:
        print("keep_base.py: warning: over 2 MiB; bases in git should stay small", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
