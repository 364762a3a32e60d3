"""Every shipped model models/<arch>-<method>.onnx: valid ONNX, .onnx.gz identical, metadata complete, and —
when the CIFAR-10 test JPEGs are present — `trit eval` reproduces the top-1 its trit.top1 claims.

  make test       the best shipped model (highest trit.top1) on all 10,000 test images, within ±0.05 pp of
                  its claim; every other model on a fixed 1,000-image subset (`trit eval --limit 1000`: the
                  first 100 files of each class by name), within a tolerance from the subset size (four
                  standard errors of a 1,000-of-10,000 sample: ~±4.3 pp at 85 %), so a wrong claim, a
                  mix-up of files or a broken model still fails.
  make test-full  (TRIT_TEST_FULL=1) every model on all 10,000 images, ±0.05 pp."""
import glob
import gzip
import json
import math
import os
import subprocess
import sys
import unittest

import onnx

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "models"))
import export  # noqa: E402

DATA = os.environ.get("TRIT_CIFAR10", os.path.join(os.path.dirname(REPO), "shared", "data", "cifar10"))
MODELS = sorted(glob.glob(os.path.join(REPO, "models", "*.onnx")))
FULL = os.environ.get("TRIT_TEST_FULL") == "1"
TEST_IMAGES = 10000
SUBSET = 1000
FULL_TOLERANCE = 0.05  # pp, on all 10,000 images


def subset_tolerance(claimed, n=SUBSET, population=TEST_IMAGES, sigmas=4.0):
    """Percentage points: `sigmas` standard errors of the top-1 of n images drawn from the population whose
    top-1 is `claimed` (finite-population correction included)."""
    p = min(max(claimed / 100.0, 0.01), 0.99)
    return 100.0 * sigmas * math.sqrt(p * (1 - p) / n * (population - n) / (population - 1))


def metadata(path):
    return {p.key: p.value for p in onnx.load(path).metadata_props}


def trit_eval(path, limit=None):
    """`trit eval MODEL DATA/test --json [--limit N]` as a dict (images, top1, top5, per_class), through
    scripts/cached-eval.sh: tests/js/cifar.test.mjs needs the same evaluation of the same binary, model and
    images, so whichever suite comes first runs it and the other reuses its output (a changed binary, model
    or image set runs it again)."""
    cmd = ["bash", os.path.join(REPO, "scripts", "cached-eval.sh"), export.trit_binary(), path,
           os.path.join(DATA, "test"), "--json"]
    cmd += ["--limit", str(limit)] if limit else []
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), res.stderr.decode()[-500:]))
    return json.loads(res.stdout.decode())


class ShippedModelsTest(unittest.TestCase):
    def test_files_and_metadata(self):
        if not MODELS:
            self.skipTest("no shipped models in models/")
        for path in MODELS:
            with self.subTest(model=os.path.basename(path)):
                proto = onnx.load(path)
                onnx.checker.check_model(proto)
                with gzip.open(path + ".gz", "rb") as f, open(path, "rb") as g:
                    self.assertEqual(f.read(), g.read(), "stale .onnx.gz")
                meta = {p.key: p.value for p in proto.metadata_props}
                for key in ("trit.format_version", "trit.labels", "trit.mean", "trit.std", "trit.arch",
                            "trit.method", "trit.dataset", "trit.top1"):
                    self.assertIn(key, meta)
                self.assertEqual(len(json.loads(meta["trit.labels"])), 10)

    def test_subset_tolerance(self):
        # ~4.3 pp at 85 % on 1,000 of 10,000; wider near 50 %, never zero
        self.assertAlmostEqual(subset_tolerance(85.0), 4.28, delta=0.01)
        self.assertGreater(subset_tolerance(50.0), subset_tolerance(85.0))
        self.assertGreater(subset_tolerance(100.0), 0.5)

    def test_trit_eval_reproduces_top1(self):
        if not MODELS:
            self.skipTest("no shipped models in models/")
        if not os.path.isdir(os.path.join(DATA, "test")):
            self.skipTest("SKIP trit eval of shipped models: CIFAR-10 JPEGs not found at %s/test "
                          "(set TRIT_CIFAR10)" % DATA)
        if not export.trit_binary():
            if os.environ.get("TRIT_REQUIRE_NATIVE"):
                self.fail("build/native/trit missing")
            self.skipTest("build/native/trit not built")
        claims = {path: float(metadata(path)["trit.top1"]) for path in MODELS}
        best = min(MODELS, key=lambda path: (-claims[path], path))  # ties: the first by name
        for path in MODELS:
            claimed = claims[path]
            on_all = FULL or path == best
            with self.subTest(model=os.path.basename(path), images=TEST_IMAGES if on_all else SUBSET):
                result = trit_eval(path, None if on_all else SUBSET)
                measured = float(result["top1"])
                tolerance = FULL_TOLERANCE if on_all else subset_tolerance(claimed)
                print("  %s: trit eval top-1 %.2f %% on %d images (metadata %.2f %%, tolerance ±%.2f pp%s)"
                      % (os.path.basename(path), measured, result["images"], claimed, tolerance,
                         "" if on_all else "; all 10,000 in make test-full"), flush=True)
                self.assertEqual(result["images"], TEST_IMAGES if on_all else SUBSET)
                self.assertLessEqual(abs(measured - claimed), tolerance)


if __name__ == "__main__":
    unittest.main()
