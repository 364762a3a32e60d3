"""Small models that several test suites share, written through format.Graph (so fixtures exercise the same
writer, and the same layouts, as shipped models)."""
from .format import Graph, Ternary

BLOCK_FLOATS = ("stem.w", "stem.b", "bn.scale", "bn.bias", "bn.mean", "bn.var", "fc.b")


def random_block_floats(rng, channels, classes=10):
    """small_block's float weights drawn from a numpy Generator (fixed order, so a seed gives fixed files)."""
    c = channels
    values = [rng.normal(0, 0.5, (c, 3, 3, 3)), rng.normal(0, 0.1, c), rng.uniform(0.5, 1.5, c),
              rng.normal(0, 0.1, c), rng.normal(0, 0.1, c), rng.uniform(0.5, 1.5, c), rng.normal(0, 0.1, classes)]
    return {k: v.astype("float32") for k, v in zip(BLOCK_FLOATS, values)}


def small_block(size, weights, block, fc, props, name, shared_codes=True, producer="trit-tests"):
    """Conv+BN+Relu → ternary Conv (+ residual Add) → Relu → GAP → Flatten → ternary Gemm: the shapes of a
    ResNet-20 block on a [1, 3, size, size] input.
    weights: float arrays stem.w [c,3,3,3], stem.b, bn.scale, bn.bias, bn.mean, bn.var [c], fc.b [classes];
    block, fc: (codes in {-1,0,1} of shape [c,c,3,3] / [classes,c], (wn, wp))."""
    g = Graph(shared_codes=shared_codes)
    for key in BLOCK_FLOATS:
        g.init(key, weights[key])
    block_codes, block_levels = block
    fc_codes, fc_levels = fc
    w_block = g.ternary_weight("block.w", Ternary([(block_codes, block_levels)]), block_codes.shape)
    w_fc = g.ternary_weight("fc.w", Ternary([(fc_codes, fc_levels)]), fc_codes.shape)
    g.node("Conv", ["input", "stem.w", "stem.b"], "stem", pads=[1, 1, 1, 1])
    g.node("BatchNormalization", ["stem", "bn.scale", "bn.bias", "bn.mean", "bn.var"], "bn")
    g.node("Relu", ["bn"], "relu0")
    g.node("Conv", ["relu0", w_block], "block", pads=[1, 1, 1, 1])
    g.node("Add", ["block", "relu0"], "residual")
    g.node("Relu", ["residual"], "relu1")
    g.node("GlobalAveragePool", ["relu1"], "pool")
    g.node("Flatten", ["pool"], "flat")
    g.node("Gemm", ["flat", w_fc, "fc.b"], "logits", transB=1)
    classes = fc_codes.shape[0]
    return g.model([("input", [1, 3, size, size])], [("logits", [1, classes])], props=props, name=name,
                   producer=producer)
