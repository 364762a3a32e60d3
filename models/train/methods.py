"""Method registry: which quantizer each method attaches, its options, weight-decay groups and hooks."""
import torch.nn as nn

import arch as archs

METHODS = ["float", "ttq", "hefan", "hefan2", "tga", "ptq"]


def add_arguments(p):
    p.add_argument("--ttq-t", type=float, default=0.05, help="TTQ threshold factor t (Δ = t·max|w|)")
    p.add_argument("--ttq-raw-latent", action="store_true", help="TTQ: do not rescale latent weights to [-1, 1]")
    p.add_argument("--ttq-scale-lr", type=float, default=0.01,
                   help="TTQ: learning rate of Wp/Wn as a fraction of the latent weights' (1: the paper's plain SGD)")
    p.add_argument("--ttq-latent-lr", type=float, default=1.0,
                   help="TTQ: learning rate of the ternary layers' latent weights as a multiple of the schedule's "
                        "(1: the paper's; see param_groups)")
    p.add_argument("--hefan-t", default="0.05,0.1", help="He–Fan threshold factors, one per plane")
    p.add_argument("--ptq-sparsity", type=float, default=0.5, help="PTQ target fraction of zeros")
    p.add_argument("--ternary-first-last", action="store_true",
                   help="also ternarize the first conv and the last FC (default: keep them float)")


def defaults():
    """The method options' default values (for files written before an option existed)."""
    import argparse
    p = argparse.ArgumentParser()
    add_arguments(p)
    return vars(p.parse_args([]))


def attach(model, method, args):
    if method == "float":
        return
    layers = archs.quantized_layers(model, keep_first_last_float=not args.ternary_first_last)
    for m in layers:
        if method == "ttq":
            import ttq
            if not getattr(args, "ttq_raw_latent", False):
                ttq.normalise_latent_(m.weight)
            m.quantizer = ttq.TTQQuantizer(m.weight.detach(), t=args.ttq_t)
        elif method in ("hefan", "hefan2"):
            import hefan
            ts = [float(v) for v in args.hefan_t.split(",")]
            m.quantizer = hefan.HeFanQuantizer(ts[:1] if method == "hefan" else ts)
        elif method == "tga":
            import tga
            m.quantizer = tga.TGAQuantizer(m.weight.detach())
        elif method == "ptq":
            import ptq
            m.quantizer = ptq.PTQQuantizer(sparsity=args.ptq_sparsity)
        else:
            raise ValueError(method)


def param_groups(model, args):
    """The optimizer's parameter groups: weight decay on conv/linear weights and on TTQ's Wp/Wn (the TTQ recipe),
    not on BN, biases or TGA's thresholds. Each group's "lr_scale" multiplies the schedule's rate.

    TTQ's Wp/Wn get --ttq-scale-lr (0.01) of the rate: their gradient is a sum over every weight of their sign in
    the layer, so at the latent weights' rate one SGD step moved Wp by a third of its value, and within 5 steps
    of the ResNet-20 fine-tune Wp crossed zero in some layers and training accuracy fell from 68 % to 17 %
    (measured; the run recovered only to 0.7 pp below its base).

    TTQ's latent weights may learn at --ttq-latent-lr times the rate: rescaled to [−1, 1] and with their gradient
    multiplied by Wp/Wn, they move far less than He–Fan's at the same rate (measured from the ResNet-20 base, 20
    steps at lr 0.02: |Δw|/|w| 0.016 against 0.24 per layer, median; 0.8 % of the codes changed against 12.7 %)."""
    decay, no_decay, scales, ttq_latent = [], [], [], []
    latent_lr = getattr(args, "ttq_latent_lr", defaults()["ttq_latent_lr"])
    for mod in model.modules():
        # a group of their own only when their rate differs: resume files keep the groups they were written with
        ttq_layer = (latent_lr != 1.0 and getattr(args, "method", None) == "ttq"
                     and getattr(mod, "quantizer", None) is not None)
        for name, prm in mod.named_parameters(recurse=False):
            if isinstance(mod, (nn.BatchNorm2d,)) or name in ("bias", "delta"):
                no_decay.append(prm)
            elif name in ("wp", "wn"):
                scales.append(prm)
            elif ttq_layer and name == "weight":
                ttq_latent.append(prm)
            else:
                decay.append(prm)
    groups = [{"params": decay, "weight_decay": args.wd, "lr_scale": 1.0},
              {"params": no_decay, "weight_decay": 0.0, "lr_scale": 1.0}]
    if ttq_latent:
        groups.append({"params": ttq_latent, "weight_decay": args.wd, "lr_scale": latent_lr})
    if scales:
        groups.append({"params": scales, "weight_decay": args.wd,
                       "lr_scale": getattr(args, "ttq_scale_lr", defaults()["ttq_scale_lr"])})
    return groups


class Hooks:
    def __init__(self, model, args):
        self.model = model
        self.quantizers = [m.quantizer for m in model.modules()
                           if isinstance(m, (archs.QConv2d, archs.QLinear)) and m.quantizer is not None]

    def epoch_start(self, epoch):
        pass

    def extra_loss(self):
        return 0.0

    def before_step(self):
        pass

    def after_step(self):
        pass

    def describe(self):
        """Sparsity of the ternary layers (for the log)."""
        if not self.quantizers:
            return ""
        zeros = total = 0
        for m in self.model.modules():
            if isinstance(m, (archs.QConv2d, archs.QLinear)) and m.quantizer is not None:
                tw = m.ternary()
                t = tw.planes[0][0]
                zeros += (t == 0).sum().item()
                total += t.numel()
        return "sparsity %.3f" % (zeros / max(1, total))


def hooks(model, args):
    return Hooks(model, args)
