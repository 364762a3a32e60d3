#!/usr/bin/env python3
"""The results table of models/README.md, from the model files themselves and their training logs:
top-1 from trit.top1 (written by export.py --eval from `trit eval` on the 10,000 test JPEGs), file bytes raw
and gzip, bits per weight and sparsity from `trit info --json`, epochs and training minutes from
models/runs/<name>/log.txt (the fine-tune's own; its float base is a row of its own).

    /usr/bin/python3 models/results.py models/*.onnx [OTHER.onnx ...]   # prints a Markdown table
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TRIT = os.path.join(REPO, "build", "native", "trit")


def trained(run):
    """(epochs, minutes) from a run's log: the last 'trained N epochs in X min' line."""
    path = os.path.join(HERE, "runs", run, "log.txt")
    if not os.path.isfile(path):
        return None
    found = None
    with open(path) as f:
        for line in f:
            m = re.search(r"trained (\d+) epochs in ([\d.]+) min", line)
            if m:
                found = (int(m.group(1)), float(m.group(2)))
    return found


def row(path):
    info = json.loads(subprocess.run([TRIT, "info", path, "--json"], stdout=subprocess.PIPE, check=True).stdout)
    meta = info["metadata"]
    name = os.path.basename(path)[:-5]
    run = meta.get("trit.run", name)
    t = trained(run)
    acts = sorted({l["activations"] for l in info["ternary_layers"]}) or ["float32"]
    gz = os.path.getsize(path + ".gz") if os.path.isfile(path + ".gz") else None
    epochs = "%d" % t[0] if t else meta.get("trit.epochs", "—")
    minutes = "%.0f" % t[1] if t else "—"
    return "| %s | %s | %s | %s | %s | %s | %.2f | %.1f %% | %s | %s |" % (
        name, meta.get("trit.method", "—"), "+".join(acts), meta.get("trit.top1", "—"), "{:,}".format(info["file_bytes"]),
        "{:,}".format(gz) if gz else "—", info["bits_per_weight"], 100 * info["sparsity"], epochs, minutes)


def main():
    print("| model | method | activations | top-1 % (trit eval) | bytes raw | bytes gzip | bits/weight | zeros | "
          "epochs | training min |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        print(row(path))


if __name__ == "__main__":
    main()
