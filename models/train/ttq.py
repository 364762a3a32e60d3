"""TTQ — Trained Ternary Quantization (Zhu, Han, Mao, Dally, ICLR 2017).

Per layer: Δ = t·max|w| (t = 0.05), w_q = +Wp where w > Δ, −Wn where w < −Δ, else 0, with two trainable scalars
Wp, Wn. Backward (the paper's rules): latent weights get Wp·g on the positive set, g in the zero band, Wn·g on the
negative set (no clipping); ∂L/∂Wp = Σ g over the positive set, ∂L/∂Wn = −Σ g over the negative set; Δ gets no
gradient.
Our choices (not fixed by the paper): as in the paper, each layer's latent weights are divided by max|w| when the
quantizer is attached (so they live in [−1, 1], and Wp/Wn are O(1): without this, Wp ≈ 0.05 and SGD on Wp/Wn is
unstable, since a BN-followed layer's gradients scale like 1/Wp); Wp and Wn start at the mean |w| of their sets
after that rescaling (the least-squares ternary fit of the float weights) rather than 1.0; and Wp/Wn learn at
--ttq-scale-lr (0.01) of the latent weights' rate (methods.param_groups: their gradient sums over a whole layer,
and at the full rate plain SGD drove Wp below zero within 5 steps).
"""
import torch
import torch.nn as nn

from arch import TernaryWeight


class TTQFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, wp, wn, delta):
        pos = w > delta
        neg = w < -delta
        ctx.save_for_backward(pos, neg, wp, wn)
        return pos.to(w.dtype) * wp - neg.to(w.dtype) * wn

    @staticmethod
    def backward(ctx, g):
        pos, neg, wp, wn = ctx.saved_tensors
        posf, negf = pos.to(g.dtype), neg.to(g.dtype)
        zero = 1.0 - posf - negf
        grad_w = g * (posf * wp + zero + negf * wn)
        grad_wp = (g * posf).sum().view_as(wp)
        grad_wn = -(g * negf).sum().view_as(wn)
        return grad_w, grad_wp, grad_wn, None


def threshold(w, t):
    return t * w.detach().abs().max()


def normalise_latent_(weight):
    """Rescale a layer's latent weights in place to max|w| = 1 (the paper's preprocessing)."""
    with torch.no_grad():
        m = weight.abs().max()
        if m > 0:
            weight.div_(m)


class TTQQuantizer(nn.Module):
    def __init__(self, init_weight=None, t=0.05):
        super().__init__()
        self.t = t
        wp = wn = 1.0
        if init_weight is not None:
            w = init_weight.detach()
            d = threshold(w, t)
            pos, neg = w > d, w < -d
            wp = float(w[pos].mean()) if pos.any() else 1.0
            wn = float(-w[neg].mean()) if neg.any() else 1.0
        self.wp = nn.Parameter(torch.tensor(wp))
        self.wn = nn.Parameter(torch.tensor(wn))

    def forward(self, w):
        return TTQFunction.apply(w, self.wp, self.wn, threshold(w, self.t))

    def ternary(self, w):
        d = threshold(w, self.t)
        t = (w > d).to(torch.int8) - (w < -d).to(torch.int8)
        return TernaryWeight([(t, (float(self.wn), float(self.wp)))])
