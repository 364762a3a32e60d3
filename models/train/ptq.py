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


def quantize_tensor(w, sparsity):
    """(T as w's dtype, α 0-d tensor, Δ on the normalised scale, ŵ): tensor arithmetic only (no host sync)."""
    w = w.detach()
    norm = w.norm()
    wn = w / torch.where(norm > 0, norm, torch.ones_like(norm))
    a = wn.abs().flatten()
    k = int(round(sparsity * a.numel()))
    delta = a.kthvalue(k).values if k >= 1 else a.new_tensor(-1.0)
    kept = (wn.abs() > delta).to(w.dtype)
    t = torch.sign(wn) * kept
    count = kept.sum()
    alpha = torch.where(count > 0, (w.abs() * kept).sum() / count.clamp(min=1), torch.zeros_like(count))
    return t, alpha, delta, wn


def quantize(w, sparsity):
    """(T int8, α float, Δ on the normalised scale, ŵ) for latent weight w (what the exporter stores)."""
    t, alpha, delta, wn = quantize_tensor(w, sparsity)
    return t.to(torch.int8), float(alpha), delta, wn


class PTQFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, sparsity):
        t, alpha, delta, wn = quantize_tensor(w, sparsity)
        gate = torch.where(delta > 0, (wn.abs() / delta.clamp(min=1e-30)).clamp(max=1.0), torch.ones_like(w))
        ctx.save_for_backward(gate)
        return alpha * t

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
