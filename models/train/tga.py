"""TGA — ternary weights with a trainable threshold and truncated-Gaussian scale (He & Fan, CVPR 2019).

Per layer, from the latent weights w (μ = mean w, σ = std w, both without gradient):
    δ  trainable, initialised to 0.05·max|w|, used clamped to [0, 3σ]
    T  = +1 where w > μ + δ, −1 where w < μ − δ, else 0
    α  = μ + σ·φ(a)/(1 − Φ(a)),  a = δ/σ      (the mean of a Gaussian N(μ, σ²) truncated to w > μ + δ)
    w_q = α·T
Gradients: δ learns through α only (dα/dδ = r(a)·(r(a) − a) with r the inverse Mills ratio φ/(1−Φ)), its
gradient clamped to ±0.001 as in the paper; the latent weights get the straight-through gradient, zeroed where
|w| ≥ 1 (as He & Fan's WACV quantizer).
Our choices (METHODS.md): one symmetric α for both signs (μ is ~1e-3 of σ in trained convolutions); one SGD for
δ and the weights (the paper alternates an SGD step on thresholds with an Adam step on the rest, an ImageNet
recipe); no weight decay on δ.
"""
import math

import torch
import torch.nn as nn

from arch import TernaryWeight

DELTA_GRAD_CLAMP = 1e-3


def inverse_mills(a):
    """φ(a) / (1 − Φ(a)), stable for the a ∈ [0, 3] used here."""
    phi = torch.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    tail = 0.5 * torch.erfc(a / math.sqrt(2.0))
    return phi / tail


def quantize(w, delta):
    """(T in w's dtype, α tensor with gradient to delta) for latent weight w."""
    wd = w.detach()
    mu, sigma = wd.mean(), wd.std().clamp(min=1e-12)
    d = torch.minimum(delta.clamp(min=0.0), 3.0 * sigma)
    t = (wd > mu + d.detach()).to(w.dtype) - (wd < mu - d.detach()).to(w.dtype)
    alpha = mu + sigma * inverse_mills(d / sigma)
    return t, alpha


def _clamp_grad(g):
    return g.clamp(-DELTA_GRAD_CLAMP, DELTA_GRAD_CLAMP)


class TGAQuantizer(nn.Module):
    def __init__(self, init_weight):
        super().__init__()
        self.delta = nn.Parameter(0.05 * init_weight.detach().abs().max().reshape(()).clone())
        self.delta.register_hook(_clamp_grad)

    def forward(self, w):
        t, alpha = quantize(w, self.delta)
        gate = (w.detach().abs() < 1).to(w.dtype)
        ste = w * gate - (w * gate).detach()   # value 0, gradient g·[|w| < 1]
        return alpha * t + ste

    def ternary(self, w):
        t, alpha = quantize(w, self.delta.detach())
        a = float(alpha)
        return TernaryWeight([(t.to(torch.int8), (a, a))])
