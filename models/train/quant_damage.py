#!/usr/bin/env python3
"""How much a float base loses when ternarized as it stands, before any fine-tuning: each method's quantizer
attached to the base's weights, BN statistics re-estimated on un-augmented training images (the float BN
statistics do not fit ternary weights: without this every method reads ~10 %), then test top-1.

A base that loses less here is easier to ternarize; it compares bases for the fine-tunes (models/README.md).

  /usr/bin/python3 models/train/quant_damage.py models/bases/resnet20-float.pt models/bases/resnet20-float-kd56.pt \
      --methods hefan,hefan2,ptq
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import train  # noqa: E402
from errors import TrainError  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bases", nargs="+", help="float checkpoints (bases/*.pt or a run's checkpoint-final.pt)")
    p.add_argument("--arch", default="resnet20")
    p.add_argument("--methods", default="hefan,hefan2,tga,ttq,ptq")
    p.add_argument("--data", default=data.default_data_dir())
    p.add_argument("--recal-images", type=int, default=10000, help="training images for the BN statistics")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        test_x, test_y = data.load_split("test", a.data, verbose=False)
        train_x, train_y = data.load_split("train", a.data, verbose=False)
    except TrainError as e:
        sys.exit("quant_damage.py: %s" % e)
    test = data.Loader(test_x, test_y, 500, train=False)
    recal = data.Loader(train_x[:a.recal_images], train_y[:a.recal_images], 500, train=False)
    for base in a.bases:
        for method in ["float"] + a.methods.split(","):
            # train.py's own defaults for every method option, as a fine-tune from this base would get them
            args = train.parse_args(["--name", "quant-damage", "--arch", a.arch, "--method", method, "--init", base])
            model = train.build_model(args)
            if method != "float":
                train.recalibrate_bn(model, recal, len(recal))
            top1, loss = train.evaluate(model, test)
            print("%s %-7s top-1 %.2f %% (test loss %.3f)%s" % (
                base, method, top1, loss, "" if method == "float" else ", BN re-estimated"), flush=True)


if __name__ == "__main__":
    main()
