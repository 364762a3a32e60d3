#!/usr/bin/python3
"""Builds the fuzz seed corpora.

  make_seeds.py OUT_DIR [MODEL.onnx ...]

OUT_DIR/model/  the given model files (shipped models, cross-check models, reliability models) and a
                sample of the ONNX conformance models from libonnx-testdata, each at most 1 MiB
OUT_DIR/pb/     the same models plus a sample of conformance input/output TensorProto files
OUT_DIR/image/  small generated JPEG/PNG/BMP images (every mode and encoding variant stb_image has
                a separate code path for) and raw pixel rows, each behind the 8 parameter bytes that
                fuzz_image.c reads
"""
import glob
import hashlib
import io
import os
import random
import shutil
import sys

from PIL import Image

MAX_SEED_BYTES = 1 << 20
TESTDATA = "/usr/share/libonnx-testdata/data/node"
# Conformance tests of the ops trit implements (issue 2), all kept; others sampled.
SUPPORTED = ("conv", "batchnorm", "relu", "clip", "add", "mul", "sub", "maxpool", "averagepool",
             "globalaveragepool", "flatten", "reshape", "gemm", "matmul", "softmax", "identity",
             "constant", "dequantizelinear", "gather", "cast", "div", "mod", "slice", "unsqueeze")


def put(directory, data):
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def images(out):
    rnd = random.Random(11)

    def header(raw=False, width=0):
        h = bytes([rnd.randrange(64), rnd.randrange(64), rnd.randrange(96), (2 if raw else 0) | rnd.randrange(2)
                   | (rnd.randrange(8) << 2), width & 0xFF, width >> 8, rnd.randrange(256), rnd.randrange(256)])
        return h

    def picture(mode, size):
        img = Image.new("RGB", size)
        px = img.load()
        for y in range(size[1]):
            for x in range(size[0]):
                px[x, y] = ((x * 37) & 255, (y * 59) & 255, ((x + y) * 13) & 255)
        return img.convert(mode) if mode != "RGB" else img

    variants = []
    for size in [(1, 1), (2, 3), (8, 8), (17, 5), (32, 32), (40, 23)]:
        for mode in ["RGB", "L", "RGBA", "P", "LA", "I;16", "1", "CMYK"]:
            img = picture(mode if mode not in ("I;16",) else "L", size)
            if mode == "I;16":
                img = img.convert("I").point(lambda v: v * 256).convert("I;16")
            for fmt, opts in [("PNG", {}), ("PNG", {"optimize": True}),
                              ("BMP", {}), ("JPEG", {"quality": 75}), ("JPEG", {"progressive": True}),
                              ("JPEG", {"subsampling": 0}), ("JPEG", {"subsampling": 1})]:
                try:
                    m = img
                    if fmt == "JPEG" and m.mode not in ("RGB", "L", "CMYK"):
                        m = m.convert("RGB")
                    if fmt == "BMP" and m.mode not in ("RGB", "L", "P", "1", "RGBA"):
                        m = m.convert("RGB")
                    buf = io.BytesIO()
                    m.save(buf, fmt, **opts)
                    variants.append(buf.getvalue())
                except (OSError, ValueError, KeyError):
                    pass
    seen = set()
    for data in variants:
        if data in seen:
            continue
        seen.add(data)
        put(os.path.join(out, "image"), header() + data)
    # Raw RGBA rows (fuzz_image raw mode).
    for width in [1, 3, 16, 33]:
        rows = rnd.randrange(1, 20)
        payload = bytes(rnd.randrange(256) for _ in range(width * 4 * rows + rnd.randrange(8)))
        put(os.path.join(out, "image"), header(True, width - 1) + payload)
    return len(seen) + 4


def main():
    out = sys.argv[1]
    for sub in ("model", "pb", "image"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    counts = {"model": 0, "pb": 0}
    models = [p for p in sys.argv[2:] if os.path.isfile(p)]
    rnd = random.Random(5)
    conformance = sorted(glob.glob(os.path.join(TESTDATA, "test_*", "model.onnx")))
    for path in conformance:
        name = path.split(os.sep)[-2][5:]
        if name.startswith(SUPPORTED) or rnd.random() < 0.1:
            models.append(path)
    for path in models:
        if os.path.getsize(path) > MAX_SEED_BYTES:
            continue
        data = open(path, "rb").read()
        put(os.path.join(out, "model"), data)
        put(os.path.join(out, "pb"), data)
        counts["model"] += 1
        counts["pb"] += 1
    tensors = sorted(glob.glob(os.path.join(TESTDATA, "test_*", "test_data_set_0", "*.pb")))
    for path in rnd.sample(tensors, min(150, len(tensors))):
        if os.path.getsize(path) <= MAX_SEED_BYTES:
            put(os.path.join(out, "pb"), open(path, "rb").read())
            counts["pb"] += 1
    counts["image"] = images(out)
    print("fuzz seeds: " + ", ".join(f"{k} {len(os.listdir(os.path.join(out, k)))} files" for k in counts))


if __name__ == "__main__":
    main()
