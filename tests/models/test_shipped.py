"""Every shipped model models/<arch>-<method>.onnx: valid ONNX, .onnx.gz identical, metadata complete, and —
when the CIFAR-10 test JPEGs are present — `trit eval` reproduces the top-1 its trit.top1 claims (±0.05 pp)."""
import glob
import gzip
import json
import os
import sys
import unittest

import onnx

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "models"))
import export  # noqa: E402

DATA = os.environ.get("TRIT_CIFAR10", os.path.join(os.path.dirname(REPO), "shared", "data", "cifar10"))
MODELS = sorted(glob.glob(os.path.join(REPO, "models", "*.onnx")))


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
        for path in MODELS:
            with self.subTest(model=os.path.basename(path)):
                meta = {p.key: p.value for p in onnx.load(path).metadata_props}
                claimed = float(meta["trit.top1"])
                measured = export.trit_eval(path, os.path.join(DATA, "test"))
                print("  %s: trit eval top-1 %.2f %% (metadata %.2f %%)" % (os.path.basename(path), measured,
                                                                          claimed), flush=True)
                self.assertLessEqual(abs(measured - claimed), 0.05)


if __name__ == "__main__":
    unittest.main()
