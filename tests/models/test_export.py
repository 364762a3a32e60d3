"""Exporter tests: base-3 packer against FORMAT.md's worked example, graph structure, checker, and logits of
onnxruntime (and trit, once build/native/trit exists) against PyTorch.
Run: /usr/bin/python3 -m unittest discover -s tests/models -v"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "models"))
sys.path.insert(0, os.path.join(REPO, "models", "train"))
import arch  # noqa: E402
import export  # noqa: E402
import methods  # noqa: E402

HAVE_NODE_ORT = shutil.which("node") is not None and os.path.isdir(
    os.path.join(REPO, "node_modules", "onnxruntime-node"))


class PackerTest(unittest.TestCase):
    # FORMAT.md worked example: a [2,1,3,3] TTQ weight
    T = np.array([1, 0, -1, 0, 0, 1, -1, -1, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1], dtype=np.int8).reshape(2, 1, 3, 3)

    def test_worked_example_bytes(self):
        self.assertEqual(list(export.pack_ternary(self.T)), [0x71, 0x6E, 0x5F, 0x82])

    def test_roundtrip_all_lengths(self):
        rng = np.random.default_rng(0)
        for n in range(0, 23):
            t = rng.integers(-1, 2, n).astype(np.int8)
            packed = export.pack_ternary(t)
            self.assertEqual(len(packed), (n + 4) // 5)
            self.assertTrue(packed.size == 0 or packed.max() <= 242)
            np.testing.assert_array_equal(export.unpack_ternary(packed, n), t)

    def test_padding_codes_are_zero(self):
        self.assertEqual(list(export.pack_ternary([1])), [2 + 3 + 9 + 27 + 81])

    def test_rejects_non_ternary(self):
        with self.assertRaises(ValueError):
            export.pack_ternary([2])
        with self.assertRaises(ValueError):
            export.unpack_ternary([243], 5)

    def test_subgraph_rebuilds_worked_example(self):
        """The FORMAT.md nodes evaluated by onnx's reference shape/semantics via onnxruntime give channel 0
        = 0.8 0 -0.6 / 0 0 0.8 / -0.6 -0.6 0."""
        g = export.Graph(shared_codes=False)
        w = g.ternary_weight("W", arch.TernaryWeight([(torch.from_numpy(self.T), (0.6, 0.8))]), (2, 1, 3, 3))
        names = {i.name for i in g.inits}
        self.assertTrue({"W.codes", "W.levels", "W.shape", "W.count", "trit.unpack.axes", "trit.unpack.powers",
                         "trit.unpack.three", "trit.unpack.zero", "trit.unpack.flat"} <= names)
        self.assertEqual([n.op_type for n in g.nodes],
                         ["Unsqueeze", "Cast", "Div", "Mod", "Reshape", "Slice", "Reshape", "Gather"])
        self.assertEqual([n.output[0] for n in g.nodes],
                         ["W.codes_col", "W.codes_int", "W.codes_div", "W.codes_index", "W.codes_flat",
                          "W.codes_cut", "W.codes_shaped", "W"])
        self.assertEqual(w, "W")
        codes = [i for i in g.inits if i.name == "W.codes"][0]
        self.assertEqual(onnx.numpy_helper.to_array(codes).tolist(), [113, 110, 95, 130])
        levels = onnx.numpy_helper.to_array([i for i in g.inits if i.name == "W.levels"][0])
        np.testing.assert_allclose(levels, [-0.6, 0, 0.8])
        if not HAVE_NODE_ORT:
            self.skipTest("node/onnxruntime-node missing")
        from onnx import helper, TensorProto
        # feed the rebuilt weight through an identity-like Conv on a one-hot input to read it back
        g.nodes.append(helper.make_node("Identity", ["W"], ["out"], name="out"))
        graph = helper.make_graph(g.nodes, "t", [helper.make_tensor_value_info("dummy", TensorProto.FLOAT, [1])],
                                  [helper.make_tensor_value_info("out", TensorProto.FLOAT, [2, 1, 3, 3])],
                                  initializer=g.inits)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        proto.ir_version = 7
        onnx.checker.check_model(proto)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.onnx")
            onnx.save(proto, p)
            out = export.run_onnxruntime(p, [np.zeros(1, np.float32)], d)
        np.testing.assert_allclose(out[0, 0], [[0.8, 0, -0.6], [0, 0, 0.8], [-0.6, -0.6, 0]], rtol=1e-7)


def _random_quantized(arch_name, method, seed):
    torch.manual_seed(seed)
    model = arch.build(arch_name)
    args = type("A", (), {"ttq_t": 0.05, "hefan_t": "0.05,0.1", "ptq_sparsity": 0.6,
                          "ternary_first_last": False})()
    methods.attach(model, method, args)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    with torch.no_grad():
        for _ in range(2):   # non-trivial BN statistics
            model(torch.randn(8, 3, 32, 32, generator=gen))
    model.eval()
    return model


class ExportTest(unittest.TestCase):
    def _export_and_compare(self, method, fold_bn):
        model = _random_quantized("resnet20", method, seed=3)
        meta = export.cifar_metadata("resnet20", method, top1=12.34, epochs=1)
        proto, stats = export.export_resnet(model, fold_bn=fold_bn, metadata=meta)
        onnx.checker.check_model(proto)
        props = {p.key: p.value for p in proto.metadata_props}
        self.assertEqual(props["trit.format_version"], "1")
        self.assertEqual(props["trit.top1"], "12.34")
        self.assertEqual(len(eval(props["trit.labels"])), 10)
        ops = [n.op_type for n in proto.graph.node]
        self.assertEqual(ops.count("Conv"), 19)
        self.assertEqual("BatchNormalization" in ops, not fold_bn)
        self.assertEqual(stats["ternary_layers"], 0 if method == "float" else 18)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            raw, gz = export.save(proto, path)
            with gzip.open(path + ".gz", "rb") as f, open(path, "rb") as g:
                self.assertEqual(f.read(), g.read())
            self.assertEqual(raw, os.path.getsize(path))
            if not HAVE_NODE_ORT:
                self.skipTest("node/onnxruntime-node missing")
            x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(5)).numpy()
            errs = export.check(path, model, x, tol=1e-4, log=lambda *_: None)
            self.assertLessEqual(errs["onnxruntime"], 1e-4)
        return stats

    def test_float_bn_nodes(self):
        self._export_and_compare("float", fold_bn=False)

    def test_float_folded(self):
        self._export_and_compare("float", fold_bn=True)

    def test_ttq_folded(self):
        stats = self._export_and_compare("ttq", fold_bn=True)
        self.assertGreater(stats["sparsity"], 0.0)

    def test_ttq_bn_nodes(self):
        self._export_and_compare("ttq", fold_bn=False)

    def test_hefan_two_planes(self):
        self._export_and_compare("hefan2", fold_bn=True)

    def test_tga(self):
        stats = self._export_and_compare("tga", fold_bn=True)
        self.assertGreater(stats["sparsity"], 0.0)

    def test_ptq(self):
        stats = self._export_and_compare("ptq", fold_bn=True)
        self.assertAlmostEqual(stats["sparsity"], 0.6, delta=0.01)

    def _export_int8(self, method, seed):
        model = _random_quantized("resnet20", method, seed=seed)
        gen = torch.Generator().manual_seed(seed + 100)
        calib = [torch.randn(16, 3, 32, 32, generator=gen) for _ in range(2)]
        # BN statistics of these very batches (cumulative average), so activations stay O(1) through the
        # 19 layers as in a trained net: a random net with BN's initial statistics is so ill-conditioned
        # that a 1-ulp difference before a rounding boundary moves its logits by percent
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        model.train()
        with torch.no_grad():
            for x in calib:
                model(x)
        model.eval()
        scales = export.calibrate_activations(model, calib)
        self.assertEqual(len(scales), 18)
        # min-max calibration: 127 * scale is the largest |input| the layer saw
        layer = model.layer1[0].conv2
        seen = []
        h = layer.register_forward_pre_hook(lambda m, i: seen.append(float(i[0].abs().max())))
        with torch.no_grad():
            for x in calib:
                model(x)
        h.remove()
        # ReLU outputs: uint8, and 255 * scale is the largest input the layer saw
        self.assertEqual({k for _, k in scales.values()}, {"uint8"})
        self.assertAlmostEqual(scales[layer][0] * 255.0, max(seen), delta=1e-5 * max(seen))
        proto, stats = export.export_resnet(model, metadata=export.cifar_metadata("resnet20", method),
                                            act_scales=scales)
        onnx.checker.check_model(proto)
        ops = [n.op_type for n in proto.graph.node]
        self.assertEqual(ops.count("QuantizeLinear"), 18)
        self.assertEqual(ops.count("DequantizeLinear"), 18)
        props = {p.key: p.value for p in proto.metadata_props}
        self.assertEqual(props["trit.activations"], "uint8")
        return model, proto, scales

    def _check_int8(self, method, seed):
        model, proto, scales = self._export_int8(method, seed)
        if not HAVE_NODE_ORT:
            self.skipTest("node/onnxruntime-node missing")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            export.save(proto, path)
            x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(seed + 7)).numpy()
            # PyTorch with fake-quantized inputs ~ onnxruntime running the Q/DQ nodes ~ trit's 8-bit kernels.
            # Not to 1e-4 over 19 layers: each engine sums the conv in its own float order, and a 1-ulp
            # difference just before a rounding boundary moves that activation by a whole step (measured
            # 1.6e-3..4.9e-3 between any two of them; the exact single-layer case is test_8bit_one_layer).
            errs = export.check(path, model, x, tol=2e-2, log=lambda *_: None, act_scales=scales)
            if export.trit_binary():
                info = subprocess.run([export.trit_binary(), "info", path, "--json"], stdout=subprocess.PIPE,
                                      check=True).stdout.decode()
                layers = json.loads(info)["ternary_layers"]
                self.assertEqual([l["activations"] for l in layers], ["uint8"] * 18)
                self.assertTrue(all(l["kernel"].startswith("tconv_i8_") for l in layers))
            # and the quantization matters: without it PyTorch's logits differ measurably
            with torch.no_grad():
                plain = model(torch.from_numpy(x)).numpy()
                with export.fake_quantized_activations(model, scales):
                    quant = model(torch.from_numpy(x)).numpy()
            self.assertGreater(export.max_rel_err(quant, plain), 1e-4)

    def _one_layer(self, kind, seed):
        """input -> QuantizeLinear -> DequantizeLinear -> ternary Conv (3x3, 16 -> 24, two planes, asymmetric
        levels): trit's integer kernel against the same conv in double on the quantized input."""
        from onnx import helper, TensorProto
        rng = np.random.default_rng(seed)
        codes = rng.choice([-1, 0, 1], size=(24, 16, 3, 3), p=[0.3, 0.4, 0.3]).astype(np.int8)
        codes2 = rng.choice([-1, 0, 1], size=(24, 16, 3, 3), p=[0.1, 0.8, 0.1]).astype(np.int8)
        scale = torch.from_numpy(rng.uniform(0.5, 1.5, 24).astype(np.float32))
        tw = arch.TernaryWeight([(torch.from_numpy(codes), (0.7, 0.9)), (torch.from_numpy(codes2), (0.2, 0.2))], scale)
        g = export.Graph(shared_codes=False)
        w = g.ternary_weight("W", tw, codes.shape)
        x = rng.normal(0, 1, (1, 16, 12, 12)).astype(np.float32)
        if kind == "uint8":
            x = np.maximum(x, 0)
        s = float(np.abs(x).max() / (255 if kind == "uint8" else 127) * 0.8)  # some inputs saturate
        dtype = np.uint8 if kind == "uint8" else np.int8
        g.init("s", np.array(s, np.float32))
        g.init("z", np.array(0, dtype))
        g.nodes.append(helper.make_node("QuantizeLinear", ["input", "s", "z"], ["xq"], name="xq"))
        g.nodes.append(helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xdq"], name="xdq"))
        g.nodes.append(helper.make_node("Conv", ["xdq", w], ["y"], name="conv", pads=[1, 1, 1, 1], kernel_shape=[3, 3]))
        graph = helper.make_graph(g.nodes, "t", [helper.make_tensor_value_info("input", TensorProto.FLOAT, x.shape)],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 24, 12, 12])],
                                  initializer=g.inits)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        proto.ir_version = 7
        onnx.checker.check_model(proto)
        lo, hi = (0, 255) if kind == "uint8" else (-128, 127)
        q = np.clip(np.round(x / np.float32(s)), lo, hi).astype(np.float64) * np.float64(np.float32(s))
        weight = tw.dequantize().double().numpy()
        ref = torch.nn.functional.conv2d(torch.from_numpy(q), torch.from_numpy(weight), padding=1).numpy()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            onnx.save(proto, path)
            if export.trit_binary():
                info = json.loads(subprocess.run([export.trit_binary(), "info", path, "--json"], stdout=subprocess.PIPE,
                                                 check=True).stdout.decode())
                self.assertEqual(info["ternary_layers"][0]["activations"], kind)
                self.assertEqual(set(info["ops"]), {"QuantizeLinear", "DequantizeLinear", "Conv", "Unsqueeze", "Cast",
                                                    "Div", "Mod", "Reshape", "Slice", "Gather", "Mul", "Add"})
                self.assertEqual(info["nodes_compiled"], 1)  # the Q/DQ pair lives inside the conv's kernel
                tr = export.run_trit(path, x, d)
                self.assertLessEqual(export.max_rel_err(tr, ref), 1e-6)
            if HAVE_NODE_ORT:
                ort = export.run_onnxruntime(path, [x], d)
                self.assertLessEqual(export.max_rel_err(ort, ref), 1e-6)

    def test_8bit_one_layer_int8(self):
        self._one_layer("int8", 21)

    def test_8bit_one_layer_uint8(self):
        self._one_layer("uint8", 22)

    def test_int8_activations_ttq(self):
        self._check_int8("ttq", 11)

    def test_int8_activations_two_planes(self):
        self._check_int8("hefan2", 12)

    def test_trit_binary_present_when_required(self):
        if os.environ.get("TRIT_REQUIRE_NATIVE"):
            self.assertIsNotNone(export.trit_binary(), "build/native/trit missing: the round trip needs it")
        elif export.trit_binary() is None:
            self.skipTest("build/native/trit not built: trit round trip not checked")

    def test_ternary_codes_match_quantizer(self):
        model = _random_quantized("resnet20", "ttq", seed=4)
        proto, _ = export.export_resnet(model)
        inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
        split = [n for n in proto.graph.node if n.op_type == "Split"][0]
        k = list(split.output).index("s2b0a.codes")
        start, sizes = int(inits["trit.split"][:k].sum()), inits["trit.split"]
        blob = export.unpack_ternary(inits["trit.codes"], int(sizes.sum()))
        conv = model.layer2[0].conv1
        t = conv.ternary().planes[0][0].numpy()
        np.testing.assert_array_equal(blob[start:start + t.size].reshape(t.shape), t)


class SharedBlobTest(unittest.TestCase):
    """FORMAT.md "Shared code blob": the worked example, a weight trit cannot take, and models/repack.py."""
    T1 = PackerTest.T
    T2 = np.array([-1, 1, 0, 1, -1, 0, 0], dtype=np.int8).reshape(1, 7, 1, 1)

    def _blob_graph(self, levels2=(0.5, 0.5)):
        from onnx import helper, TensorProto
        g = export.Graph()
        w1 = g.ternary_weight("W1", arch.TernaryWeight([(torch.from_numpy(self.T1), (0.6, 0.8))]), self.T1.shape)
        w2 = g.ternary_weight("W2", arch.TernaryWeight([(torch.from_numpy(self.T2), levels2)]), self.T2.shape)
        g.nodes.append(helper.make_node("Conv", ["x1", w1], ["y1"], pads=[1, 1, 1, 1]))
        g.nodes.append(helper.make_node("Conv", ["x2", w2], ["y2"]))
        graph = helper.make_graph(g.finish(), "t", [helper.make_tensor_value_info("x1", TensorProto.FLOAT, [1, 1, 3, 3]),
                                                    helper.make_tensor_value_info("x2", TensorProto.FLOAT, [1, 7, 1, 1])],
                                  [helper.make_tensor_value_info("y1", TensorProto.FLOAT, [1, 2, 3, 3]),
                                   helper.make_tensor_value_info("y2", TensorProto.FLOAT, [1, 1, 1, 1])],
                                  initializer=g.inits)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        proto.ir_version = 7
        onnx.checker.check_model(proto)
        return proto

    def test_worked_example(self):
        proto = self._blob_graph()
        inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
        # FORMAT.md: 18 + 7 = 25 codes in 5 bytes, no padding; W2 starts inside byte 3
        self.assertEqual(inits["trit.codes"].tolist(), [0x71, 0x6E, 0x5F, 0xB8, 0x73])
        self.assertEqual(inits["trit.split"].tolist(), [18, 7])
        self.assertEqual([n.op_type for n in proto.graph.node][:6], ["Unsqueeze", "Cast", "Div", "Mod", "Reshape", "Split"])
        self.assertEqual(list(proto.graph.node[5].output), ["W1.codes", "W2.codes"])
        self.assertNotIn("W1.codes", inits)
        if not export.trit_binary():
            self.skipTest("build/native/trit not built")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            onnx.save(proto, path)
            info = json.loads(subprocess.run([export.trit_binary(), "info", path, "--json"], stdout=subprocess.PIPE,
                                             check=True).stdout.decode())
            layers = {l["name"]: l for l in info["ternary_layers"]}
            self.assertEqual(sorted(layers), ["W1", "W2"])
            self.assertEqual((layers["W2"]["positive"], layers["W2"]["negative"], layers["W2"]["zeros"]), (2, 2, 3))
            self.assertEqual((layers["W1"]["positive"], layers["W1"]["negative"]), (4, 4))

    def test_weight_trit_cannot_take_is_refused_cleanly(self):
        # W2's middle level is not 0: not a ternary weight for trit, so the blob's Split would have to run
        proto = self._blob_graph()
        for t in proto.graph.initializer:
            if t.name == "W2.levels":
                t.CopyFrom(onnx.numpy_helper.from_array(np.array([-0.5, 0.1, 0.5], np.float32), "W2.levels"))
        if not export.trit_binary():
            self.skipTest("build/native/trit not built")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            onnx.save(proto, path)
            r = subprocess.run([export.trit_binary(), "info", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"Split", r.stderr)

    def test_repack_keeps_logits_and_shrinks(self):
        import repack
        model = _random_quantized("resnet20", "hefan2", seed=5)
        old, _ = export.export_resnet(model, shared_codes=False, metadata={"trit.name": "t"})
        new = repack.repack(onnx.load_from_string(old.SerializeToString()))
        # 18 layers x 2 planes, each without its own 6-node decode chain
        self.assertLess(len(new.SerializeToString()), len(old.SerializeToString()) - 36 * 400)
        self.assertEqual(sum(n.op_type == "Split" for n in new.graph.node), 1)
        fresh, _ = export.export_resnet(model, metadata={"trit.name": "t"})
        # the same nodes and the same initializers as export.py's shared layout (initializer order aside)
        self.assertEqual([n.SerializeToString() for n in new.graph.node], [n.SerializeToString() for n in fresh.graph.node])
        inits = lambda m: {i.name: i.SerializeToString() for i in m.graph.initializer}  # noqa: E731
        self.assertEqual(inits(new), inits(fresh))
        self.assertEqual(len(new.SerializeToString()), len(fresh.SerializeToString()))


if __name__ == "__main__":
    unittest.main()
