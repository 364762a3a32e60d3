"""Quantizer unit tests against hand-computed thresholds, scales and gradients (TTQ, He–Fan, PTQ).
Run: /usr/bin/python3 -m unittest discover -s tests/models -v"""
import os
import sys
import unittest

import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "models", "train"))
import arch  # noqa: E402
import hefan  # noqa: E402
import methods  # noqa: E402
import ptq  # noqa: E402
import tga  # noqa: E402
import ttq  # noqa: E402

G = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def close(test, a, b, tol=1e-6):
    test.assertTrue(torch.allclose(torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32),
                                   atol=tol), "%s != %s" % (a, b))


class TTQTest(unittest.TestCase):
    # max|w| = 1.0, t = 0.05 → Δ = 0.05; positive set {0.9, 0.3}, negative {−0.5, −1.0}, zero {0.04, −0.02}
    W = torch.tensor([0.9, -0.5, 0.04, -0.02, 0.3, -1.0])

    def test_threshold_and_init(self):
        q = ttq.TTQQuantizer(self.W, t=0.05)
        close(self, ttq.threshold(self.W, 0.05), 0.05)
        close(self, q.wp, 0.6)     # mean(0.9, 0.3)
        close(self, q.wn, 0.75)    # mean(0.5, 1.0)

    def test_forward(self):
        q = ttq.TTQQuantizer(self.W, t=0.05)
        close(self, q(self.W), [0.6, -0.75, 0, 0, 0.6, -0.75])

    def test_gradients(self):
        q = ttq.TTQQuantizer(self.W, t=0.05)
        w = self.W.clone().requires_grad_(True)
        (q(w) * G).sum().backward()
        close(self, w.grad, [0.6 * 1, 0.75 * 2, 3, 4, 0.6 * 5, 0.75 * 6])  # Wp·g, Wn·g, 1·g in the zero band
        close(self, q.wp.grad, 1 + 5)       # Σ g over the positive set
        close(self, q.wn.grad, -(2 + 6))    # −Σ g over the negative set

    def test_threshold_gets_no_gradient_and_levels_export(self):
        q = ttq.TTQQuantizer(self.W, t=0.05)
        with torch.no_grad():
            q.wp.fill_(0.8)
            q.wn.fill_(0.6)
        tw = q.ternary(self.W)
        self.assertEqual(tw.planes[0][0].tolist(), [1, -1, 0, 0, 1, -1])
        self.assertEqual(tw.planes[0][1], (0.6000000238418579, 0.800000011920929))
        close(self, tw.dequantize(), q(self.W))


class HeFanTest(unittest.TestCase):
    # max|w| = 1.2; Δ0 = 0.06: kept {0.9, 0.5, 0.1, 0.3, 1.2} → α0 = 3.0/5 = 0.6
    # Δ1 = 0.12: kept {0.9, 0.5, 0.3, 1.2} → α1 = mean(0.3, −0.1, −0.3, 0.6) = 0.125
    W = torch.tensor([0.9, -0.5, 0.04, -0.1, 0.3, -1.2])

    def test_one_plane(self):
        q = hefan.HeFanQuantizer((0.05,))
        close(self, q(self.W), [0.6, -0.6, 0, -0.6, 0.6, -0.6])
        (t, (wn, wp)), = q.ternary(self.W).planes
        self.assertEqual(t.tolist(), [1, -1, 0, -1, 1, -1])
        self.assertAlmostEqual(wp, 0.6, places=6)
        self.assertEqual(wn, wp)

    def test_residual_expansion(self):
        q = hefan.HeFanQuantizer((0.05, 0.1))
        close(self, q(self.W), [0.725, -0.725, 0, -0.6, 0.725, -0.725])
        planes = q.ternary(self.W).planes
        self.assertEqual(planes[0][0].tolist(), [1, -1, 0, -1, 1, -1])
        self.assertEqual(planes[1][0].tolist(), [1, -1, 0, 0, 1, -1])   # nested non-zero set
        self.assertAlmostEqual(planes[1][1][1], 0.125, places=6)
        close(self, q.ternary(self.W).dequantize(), q(self.W))

    def test_ste_zeroed_where_abs_w_ge_1(self):
        w = self.W.clone().requires_grad_(True)
        (hefan.HeFanQuantizer((0.05, 0.1))(w) * G).sum().backward()
        close(self, w.grad, [1, 2, 3, 4, 5, 0])


class PTQTest(unittest.TestCase):
    # ‖w‖ = √30.26; sparsity 0.5 → prune the 3 smallest |w| {0.1, 0.5, 1}; Δ = 1/‖w‖; α = mean(3, 4, 2) = 3
    W = torch.tensor([3.0, -4.0, 0.5, -1.0, 2.0, 0.1])

    def test_threshold_scale_forward(self):
        t, alpha, delta, _ = ptq.quantize(self.W, 0.5)
        self.assertEqual(t.tolist(), [1, -1, 0, 0, 1, 0])
        self.assertAlmostEqual(alpha, 3.0, places=6)
        self.assertAlmostEqual(float(delta), 1.0 / 30.26 ** 0.5, places=6)
        close(self, ptq.PTQQuantizer(0.5)(self.W), [3, -3, 0, 0, 3, 0])

    def test_refined_ste(self):
        w = self.W.clone().requires_grad_(True)
        ptq.PTQQuantizer(0.5)(w).sum().backward()
        # kept: 1; pruned: |w|/|w at the threshold| = 0.5/1, 1/1, 0.1/1
        close(self, w.grad, [1, 1, 0.5, 1, 1, 0.1])

    def test_scale_invariant_mask(self):
        for s in (0.25, 0.5, 0.9):
            self.assertEqual(ptq.quantize(self.W, s)[0].tolist(), ptq.quantize(self.W * 7.5, s)[0].tolist())

    def test_target_sparsity_on_layer(self):
        w = torch.randn(64, 32, 3, 3, generator=torch.Generator().manual_seed(0))
        for s in (0.5, 0.85):
            t = ptq.PTQQuantizer(s).ternary(w).planes[0][0]
            self.assertAlmostEqual(float((t == 0).float().mean()), s, places=3)


class TGATest(unittest.TestCase):
    # μ = 0, σ = std([1, −1, 0.5, −0.5, 0.1, −0.1]) = √(2.52/5); δ0 = 0.05·1 = 0.05
    W = torch.tensor([1.0, -1.0, 0.5, -0.5, 0.1, -0.1])
    SIGMA = (2.52 / 5) ** 0.5

    def mills(self, a):
        import math
        return math.exp(-a * a / 2) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(a / math.sqrt(2)))

    def test_threshold_scale_forward(self):
        q = tga.TGAQuantizer(self.W)
        close(self, q.delta, 0.05)
        alpha = self.SIGMA * self.mills(0.05 / self.SIGMA)
        close(self, q(self.W), [alpha, -alpha, alpha, -alpha, alpha, -alpha], tol=1e-5)
        with torch.no_grad():
            q.delta.fill_(0.3)   # now 0.1 is inside the zero band
        alpha = self.SIGMA * self.mills(0.3 / self.SIGMA)
        close(self, q(self.W), [alpha, -alpha, alpha, -alpha, 0, 0], tol=1e-5)
        (t, (wn, wp)), = q.ternary(self.W).planes
        self.assertEqual(t.tolist(), [1, -1, 1, -1, 0, 0])
        self.assertAlmostEqual(wp, alpha, places=5)
        with torch.no_grad():
            q.delta.fill_(10.0)  # clamped to 3σ
        alpha3 = self.SIGMA * self.mills(3.0)
        (t, (wn, wp)), = q.ternary(self.W).planes
        self.assertEqual(t.tolist(), [0, 0, 0, 0, 0, 0])
        self.assertAlmostEqual(wp, alpha3, places=5)

    def test_gradients(self):
        q = tga.TGAQuantizer(self.W)
        with torch.no_grad():
            q.delta.fill_(0.3)
        w = torch.tensor([1.5, -1.0, 0.5, -0.5, 0.1, -0.1], requires_grad=True)
        g = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        (q(w) * g).sum().backward()
        close(self, w.grad, [0, 0, 3, 4, 5, 6])      # straight through, zeroed where |w| ≥ 1 (1.5 and −1.0)
        # dL/dδ = Σ g·T · dα/dδ, dα/dδ = r(a)(r(a) − a), then clamped to ±0.001
        self.assertAlmostEqual(float(q.delta.grad), 0.001 if (1 - 2 + 3 - 4) * 1 > 0 else -0.001, places=7)
        q.delta.grad = None
        wd = w.detach()
        mu, sigma = float(wd.mean()), float(wd.std())
        a = 0.3 / sigma
        r = self.mills(a)
        (q(w) * g * 1e-5).sum().backward()           # small enough not to be clamped
        t = [1, -1, 1, -1, 0, 0]
        expect = sum(gi * 1e-5 * ti for gi, ti in zip(g.tolist(), t)) * r * (r - a)
        self.assertAlmostEqual(float(q.delta.grad), expect, places=9)
        del mu

    def test_delta_has_no_weight_decay(self):
        args = type("A", (), {"ttq_t": 0.05, "hefan_t": "0.05", "ptq_sparsity": 0.5,
                              "ternary_first_last": False, "wd": 3e-4})()
        m = arch.build("resnet20")
        methods.attach(m, "tga", args)
        groups = methods.param_groups(m, args)
        decay = [p for g in groups if g["weight_decay"] > 0 for p in g["params"]]
        no_decay = [p for g in groups if g["weight_decay"] == 0 for p in g["params"]]
        deltas = [mod.quantizer.delta for mod in m.modules() if getattr(mod, "quantizer", None) is not None]
        self.assertEqual(len(deltas), 18)
        self.assertTrue(all(any(d is p for p in no_decay) for d in deltas))
        self.assertFalse(any(any(d is p for p in decay) for d in deltas))


class LayerTest(unittest.TestCase):
    def test_attach_keeps_first_last_float_and_forward_matches_export(self):
        args = type("A", (), {"ttq_t": 0.05, "hefan_t": "0.05,0.1", "ptq_sparsity": 0.5,
                              "ternary_first_last": False})()
        for method in ("ttq", "hefan", "hefan2", "tga", "ptq"):
            torch.manual_seed(0)
            m = arch.build("resnet20")
            methods.attach(m, method, args)
            self.assertIsNone(m.conv1.quantizer)
            self.assertIsNone(m.fc.quantizer)
            conv = m.layer3[2].conv2
            self.assertIsNotNone(conv.quantizer)
            close(self, conv.ternary().dequantize(), conv.effective_weight().detach())
            out = m(torch.randn(2, 3, 32, 32))
            out.sum().backward()
            self.assertIsNotNone(conv.weight.grad)
            self.assertGreater(float(conv.weight.grad.abs().sum()), 0.0)


if __name__ == "__main__":
    unittest.main()
