#!/usr/bin/env python3
"""Size–accuracy plot of the shipped models (models/*.onnx): top-1 from trit.top1 (measured by trit eval) against
raw and gzip file size. Writes models/size_accuracy.png. Usage: /usr/bin/python3 models/plot.py"""
import glob
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import onnx  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    points = []
    for path in sorted(glob.glob(os.path.join(HERE, "*.onnx"))):
        meta = {p.key: p.value for p in onnx.load(path).metadata_props}
        if "trit.top1" not in meta:
            continue
        points.append((os.path.basename(path)[:-5], os.path.getsize(path) / 1024, os.path.getsize(path + ".gz") / 1024,
                       float(meta["trit.top1"]), meta.get("trit.sparsity", "0")))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, raw, gz, top1, sp in points:
        ax.scatter([raw], [top1], marker="o", color="C0")
        ax.scatter([gz], [top1], marker="x", color="C1")
        ax.plot([gz, raw], [top1, top1], color="0.8", zorder=0)
        ax.annotate("%s (%.0f %% zeros)" % (name, 100 * float(sp)), (raw, top1), textcoords="offset points",
                    xytext=(5, 4), fontsize=8)
    ax.scatter([], [], marker="o", color="C0", label="raw .onnx")
    ax.scatter([], [], marker="x", color="C1", label=".onnx.gz")
    ax.set_xscale("log")
    ax.set_xlabel("file size (KiB, log scale)")
    ax.set_ylabel("CIFAR-10 top-1 (%, trit eval, 10,000 test JPEGs)")
    ax.set_title("trit models: size vs accuracy (CPU-trained, short schedules)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    out = os.path.join(HERE, "size_accuracy.png")
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
