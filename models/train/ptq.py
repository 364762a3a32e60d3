"""PTQ — Pruning Ternary Quantization (Liu, Chen, Fu, Ma, Liu): symmetric sparse ternary {−α, 0, +α}.

The paper's summary gives the ingredients (L2 normalisation, pruning, weight decay, a refined straight-through
estimator, one sparsity knob) but not the formulas; these are ours:
    ŵ = w / ‖w‖₂                       (per-layer L2 normalisation: thresholds live on the unit sphere, so they
                                         do not drift with the weights' scale under weight decay)
    Δ = the s-quantile of |ŵ|           (target sparsity s: the k = round(s·n) smallest weights are pruned)
    T = sign(ŵ) · [|ŵ| > Δ]
    α = ‖w‖₂ · mean(|ŵ| over T ≠ 0) = mean(|w| over T ≠ 0)   (the least-squares α for this T)
    w_q = α · T                         (α gets no gradient)
Refined STE: ∂L/∂w = g · min(1, |ŵ|/Δ) — identity on kept weights; on pruned ones the gradient fades linearly
to 0 towards w = 0, so pruned weights near zero stay pruned (stable masks) while those near the threshold can
still come back. Weight decay (the optimiser's) on the latent weights does the rest.
"""
import torch
import torch.nn as nn

from arch import TernaryWeight


def quantize(w, sparsity):
    """(T int8, α, Δ on the normalised scale, ŵ) for latent weight w."""
    w = w.detach()
    norm = w.norm()
    wn = w / norm if norm > 0 else w
    a = wn.abs().flatten()
    k = int(round(sparsity * a.numel()))
    delta = a.kthvalue(k).values if k >= 1 else a.new_tensor(-1.0)
    t = (torch.sign(wn) * (wn.abs() > delta)).to(torch.int8)
    kept = t != 0
    alpha = float(w.abs()[kept].mean()) if kept.any() else 0.0
    return t, alpha, delta, wn


class PTQFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, sparsity):
        t, alpha, delta, wn = quantize(w, sparsity)
        gate = (wn.abs() / delta).clamp(max=1.0) if delta > 0 else torch.ones_like(w)
        ctx.save_for_backward(gate)
        return alpha * t.to(w.dtype)

    @staticmethod
    def backward(ctx, g):
        (gate,) = ctx.saved_tensors
        return g * gate, None


class PTQQuantizer(nn.Module):
    def __init__(self, sparsity=0.5):
        super().__init__()
        self.sparsity = sparsity

    def forward(self, w):
        return PTQFunction.apply(w, self.sparsity)

    def ternary(self, w):
        t, alpha, _, _ = quantize(w, self.sparsity)
        return TernaryWeight([(t, (alpha, alpha))])
