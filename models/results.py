#!/usr/bin/env python3
"""The results table of models/README.md, from the model files themselves and their training logs:
top-1 from trit.top1 (written by export.py --eval from `trit eval` on the 10,000 test JPEGs), file bytes raw
and gzip, bits per weight and sparsity from `trit info --json`, epochs and training minutes from
models/runs/<name>/log.txt (the fine-tune's own, and a second cycle's with its first cycle's: "38+17"; the float
base is a row of its own).

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
    """([epochs per cycle], minutes) from a run's log: the last 'trained N epochs in X min' line, plus those of
    the run it started from when that was a fine-tune of the same kind (a second cycle's --init is
    models/runs/<first>/checkpoint-final.pt)."""
    path = os.path.join(HERE, "runs", run, "log.txt")
    if not os.path.isfile(path):
        return None
    found, init = None, None
    with open(path) as f:
        for line in f:
            m = re.search(r"trained (\d+) epochs in ([\d.]+) min", line)
            if m:
                found = ([int(m.group(1))], float(m.group(2)))
            m = re.search(r" start (\{.*\})$", line.rstrip())
            if m:
                init = json.loads(m.group(1)).get("init") or ""
    m = re.match(r"models/runs/([^/]+)/checkpoint-final\.pt$", init or "")
    if found and m and m.group(1) != run:
        before = trained(m.group(1))
        if before:
            found = (before[0] + found[0], before[1] + found[1])
    return found


def row(path):
    info = json.loads(subprocess.run([TRIT, "info", path, "--json"], stdout=subprocess.PIPE, check=True).stdout)
    meta = info["metadata"]
    name = os.path.basename(path)[:-5]
    run = meta.get("trit.run", name)
    t = trained(run)
    acts = sorted({l["activations"] for l in info["ternary_layers"]}) or ["float32"]
    gz = os.path.getsize(path + ".gz") if os.path.isfile(path + ".gz") else None
    epochs = "+".join("%d" % n for n in t[0]) if t else meta.get("trit.epochs", "—")
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
