"""He & Fan — statistical weight scaling and residual expansion (WACV 2019).

Plane k (K = 1: t = {0.05}; K = 2, residual expansion: t = {0.05, 0.1}):
    Δ_k = t_k · max|w|,  T_k = sign(w) · [|w| ≥ Δ_k]   (non-zero sets nested, since t_k grows)
    α_0 = mean(|w| over |w| ≥ Δ_0)                     (the paper's statistical scaling)
    α_k = mean(|w| − Σ_{j<k} α_j over |w| ≥ Δ_k)        (our reading of "ternarize the residual": the same
                                                         statistic on what the earlier planes leave over)
    w_q = Σ_k α_k · T_k  — one weight with 2K+1 levels, exported as K ternary planes.
α is recomputed every forward pass from the current latent weights and gets no gradient. Backward: identity
straight-through, zeroed where |w| ≥ 1 (the paper's STE).
TGA (CVPR 2019, trainable thresholds with truncated-Gaussian scales) is not implemented: see models/README.md.
"""
import torch
import torch.nn as nn

from arch import TernaryWeight


def planes_tensor(w, ts):
    """[(T_k as w's dtype, α_k 0-d tensor)]: tensor arithmetic only, so a GPU step never waits on the host."""
    w = w.detach()
    a = w.abs()
    m = a.max()
    out, acc = [], torch.zeros((), dtype=w.dtype, device=w.device)
    for t in ts:
        mask = (a >= t * m).to(w.dtype)
        count = mask.sum()
        alpha = torch.where(count > 0, ((a - acc) * mask).sum() / count.clamp(min=1), torch.zeros_like(acc))
        out.append((torch.sign(w) * mask, alpha))
        acc = acc + alpha
    return out


def planes(w, ts):
    """[(T_k int8, α_k float)] for latent weight w and threshold factors ts (what the exporter stores)."""
    return [(t.to(torch.int8), float(alpha)) for t, alpha in planes_tensor(w, ts)]


class HeFanFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, ts):
        ctx.save_for_backward(w)
        q = torch.zeros_like(w)
        for t, alpha in planes_tensor(w, ts):
            q += alpha * t
        return q

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        return g * (w.abs() < 1).to(g.dtype), None


class HeFanQuantizer(nn.Module):
    def __init__(self, ts=(0.05,)):
        super().__init__()
        self.ts = tuple(ts)

    def forward(self, w):
        return HeFanFunction.apply(w, self.ts)

    def ternary(self, w):
        return TernaryWeight([(t, (alpha, alpha)) for t, alpha in planes(w, self.ts)])
