#!/usr/bin/env python3
"""Size–accuracy plot of the shipped models (models/*.onnx): top-1 from trit.top1 (measured by trit eval) against
raw and gzip file size, with the references a reader compares them to: the float ResNet-20 on this JPEG copy
(our best CPU-trained base, and METHODS.md's 160-epoch GPU run) and the papers' ResNet-20 numbers on the original
CIFAR-10 (a different, easier test set: marked, not plotted as ours). Writes models/size_accuracy.png.
Also models/training_curves.png: PyTorch test top-1 against epochs, from the runs' own logs (runs/<name>/log.txt),
for the float base and every shipped fine-tune: the evidence for their schedules, shorter than the papers'.
Usage: /usr/bin/python3 models/plot.py   (needs python3-matplotlib)"""
import glob
import os
import re

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import onnx  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# (top-1, label, marker): the float ResNet-20 on this
# JPEG copy of CIFAR-10
# Named in the legend: labels beside them would cross the ternary models' stacked labels.
FLOAT_REFERENCES = [(89.31, "float, ResNet-56-taught, 160 CPU epochs (bases/resnet20-float-kd56.pt)", "P"),
                    (89.26, "float, 160 GPU epochs (METHODS.md)", "D"),
                    (88.60, "float base, 160 CPU epochs (bases/resnet20-float.pt)", "s")]
# the papers' ResNet-20 on the original CIFAR-10 (METHODS.md): horizontal lines, not comparable points
PAPERS = [(91.13, "TTQ paper 91.13 (original CIFAR-10)"), (91.65, "He & Fan paper 91.65 (original CIFAR-10)")]


def main():
    points = []
    for path in sorted(glob.glob(os.path.join(HERE, "*.onnx"))):
        meta = {p.key: p.value for p in onnx.load(path).metadata_props}
        if "trit.top1" not in meta:
            continue
        points.append((os.path.basename(path)[:-5], os.path.getsize(path) / 1024, os.path.getsize(path + ".gz") / 1024,
                       float(meta["trit.top1"]), meta.get("trit.sparsity", "0")))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    # the ResNet-20s sit within a point of each other: labels stacked above the cluster, joined by thin lines
    for k, (name, raw, gz, top1, sp) in enumerate(sorted(points, key=lambda p: -p[3])):
        ax.scatter([raw], [top1], marker="o", color="C0")
        ax.scatter([gz], [top1], marker="x", color="C1")
        ax.plot([gz, raw], [top1, top1], color="0.8", zorder=0)
        ax.annotate("%s (%.0f %% zeros, %.2f %%)" % (name, 100 * float(sp), top1), (raw, top1),
                    textcoords="offset points", xytext=(40, 48 - 13 * k), fontsize=7,
                    arrowprops=dict(arrowstyle="-", color="0.6", lw=0.5))
    # float ResNet-20: 1,081,332 B as a trit file (export of the float base)
    float_kib = 1081332 / 1024
    for k, (top1, label, style) in enumerate(FLOAT_REFERENCES):
        ax.scatter([float_kib], [top1], marker=style, color="C%d" % (2 + k), label="%s: %.2f %%" % (label, top1))
    left = min(p[2] for p in points) * 0.9 if points else 40
    for top1, label in PAPERS:
        ax.axhline(top1, color="C3", lw=0.8, ls=":")
        ax.annotate(label, (left, top1), textcoords="offset points", xytext=(0, 2), fontsize=7, color="C3")
    ax.scatter([], [], marker="o", color="C0", label="raw .onnx")
    ax.scatter([], [], marker="x", color="C1", label=".onnx.gz")
    ax.set_xscale("log")
    ax.set_xlabel("file size (KiB, log scale)")
    ax.set_ylabel("CIFAR-10 top-1 (%, trit eval, 10,000 test JPEGs)")
    ax.set_title("trit models: size vs accuracy (CPU-trained)", fontsize=10)
    ax.set_ylim(83, 92.5)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    out = os.path.join(HERE, "size_accuracy.png")
    fig.savefig(out, dpi=110)
    print(out)
    curves()


# "HH:MM:SS epoch N/M ... | test loss L top1 T%": one point per evaluated epoch
EVAL_LINE = re.compile(r"epoch (\d+)/\d+ .*\| test loss \S+ top1 ([\d.]+)%")


def curve(run):
    """[(epoch, top-1)] of a run's log; a resumed run repeats no epoch (the last line for an epoch wins)."""
    points = {}
    path = os.path.join(HERE, "runs", run, "log.txt")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = EVAL_LINE.search(line)
                if m:
                    points[int(m.group(1))] = float(m.group(2))
    return sorted(points.items())


def curves():
    """Test top-1 against epochs: the 160-epoch float bases on one axis, the fine-tunes from them on another."""
    shipped = {}   # model name -> the run its file came from (trit.run: a second cycle is "<first>-c2")
    for path in glob.glob(os.path.join(HERE, "*.onnx")):
        name = os.path.basename(path)[:-5]
        if not name.endswith("-8bit"):
            meta = {p.key: p.value for p in onnx.load(path).metadata_props}
            shipped[name] = meta.get("trit.run", name)
    fig, (base_ax, tune_ax) = plt.subplots(1, 2, figsize=(10, 4))
    # the float bases the fine-tunes start from: the recipe's, and the same recipe taught by the float ResNet-56
    bases = [(run, curve(run), color) for run, color in (("resnet20-float", "C2"), ("resnet20-float-kd56", "C8"))]
    bases = [b for b in bases if b[1]]
    for run, points, color in bases:
        base_ax.plot(*zip(*points), marker=".", color=color, label="%s %.2f %%" % (run, points[-1][1]))
    base_ax.legend(loc="lower right", fontsize=7)
    base_ax.set_title("float ResNet-20 bases (runs/<name>)", fontsize=10)
    base_ax.set_xlabel("epoch (lr 0.1, cosine over 160)")
    base_ax.set_ylabel("PyTorch test top-1 (%, 10,000 test JPEGs)")
    base_ax.set_ylim(60, 92)
    colors = ["C0", "C1", "C3", "C4", "C5", "C6", "C7", "C9"]  # C2 and C8 are the bases'
    for k, name in enumerate(n for n in sorted(shipped) if n != "resnet20-float"):
        run = shipped[name]
        color = colors[k % len(colors)]
        if run.endswith("-c2"):   # the first cycle, then the second drawn on from where the first ended
            first = curve(run[:-3])
            offset = first[-1][0] if first else 0
            second = [(e + offset, v) for e, v in curve(run)]
            if first:
                tune_ax.plot(*zip(*first), marker=".", color=color)
            points = first + second
            if second:
                tune_ax.plot(*zip(*([first[-1]] if first else []) + second), marker=".", ls="--", color=color)
            label = "%s (%.2f %% at %d; dashed: 2nd cycle)"
        else:
            points = curve(run)
            if points:
                tune_ax.plot(*zip(*points), marker=".", color=color)
            label = "%s (%.2f %% at %d)"
        if points:
            tune_ax.plot([], [], color=color, label=label % (name, points[-1][1], points[-1][0]))
    for run, points, color in bases:
        tune_ax.axhline(points[-1][1], color=color, lw=0.8, ls="--",
                        label="float base %s %.2f %%" % (run, points[-1][1]))
    tune_ax.set_title("ternary fine-tunes from those bases (distilled)", fontsize=10)
    tune_ax.set_xlabel("epoch (cosine annealed over each run's wall-clock budget)")
    tune_ax.set_ylim(75, 90)
    tune_ax.legend(loc="lower right", fontsize=7)
    for ax in (base_ax, tune_ax):
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    out = os.path.join(HERE, "training_curves.png")
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
