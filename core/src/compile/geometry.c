/* Window geometry of Conv and pooling (kernel, strides, dilations, pads, auto_pad, ceil_mode) and
 * broadcasting of element-wise shapes. */
#include <limits.h>
#include <string.h>

#include "compiler.h"

/* kernel_shape/strides/dilations/pads/auto_pad/ceil_mode → output size and begin/end pads.
 * spatial = 1 (1-D pooling, viewed as H = 1): in_hw, kernel_hw and the attributes describe W only. */
int cc_window_geometry(compiler *c, const onnx_node *n, const int64_t *in_hw, const int64_t *kernel_hw, int ceil_mode,
                           int spatial, window *w) {
    const int64_t *strides, *dilations, *pads;
    size_t ns, nd, np;
    const char *auto_pad;
    if (!cc_attr_ints(c, n, "strides", &strides, &ns) || !cc_attr_ints(c, n, "dilations", &dilations, &nd) ||
        !cc_attr_ints(c, n, "pads", &pads, &np) || !cc_attr_string(c, n, "auto_pad", "NOTSET", &auto_pad))
        return 0;
    size_t sp = (size_t)spatial;
    if ((ns != (size_t)-1 && ns != sp) || (nd != (size_t)-1 && nd != sp) || (np != (size_t)-1 && np != 2 * sp))
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "strides, dilations and pads must have %zu, %zu and %zu entries", sp, sp, 2 * sp);
    int64_t pads4[4] = {0, 0, 0, 0}, one_hw[2] = {1, in_hw[0]}, one_k[2] = {1, kernel_hw[0]};
    if (spatial == 1) { /* H is a unit dimension: kernel 1, stride 1, no padding */
        if (pads) pads4[1] = pads[0], pads4[3] = pads[1], pads = pads4;
        in_hw = one_hw;
        kernel_hw = one_k;
    }
    for (int i = 0; i < 2; i++) {
        int attr = spatial == 1 ? i - 1 : i; /* -1: the unit H dimension */
        w->kernel[i] = kernel_hw[i];
        w->strides[i] = strides && attr >= 0 ? strides[attr] : 1;
        w->dilations[i] = dilations && attr >= 0 ? dilations[attr] : 1;
        if (w->strides[i] < 1 || w->dilations[i] < 1 || w->kernel[i] < 1)
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "kernel, strides and dilations must be positive");
        if (w->kernel[i] > c->limits.max_spatial || w->strides[i] > c->limits.max_spatial ||
            w->dilations[i] > c->limits.max_spatial)
            return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "kernel, stride or dilation above the spatial limit %d",
                             c->limits.max_spatial);
    }
    for (int i = 0; i < 4; i++) {
        w->pads[i] = pads ? pads[i] : 0;
        if (w->pads[i] < 0 || w->pads[i] > c->limits.max_spatial)
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "pads must be between 0 and %d", c->limits.max_spatial);
    }
    int same = strcmp(auto_pad, "SAME_UPPER") == 0 || strcmp(auto_pad, "SAME_LOWER") == 0;
    if (!same && strcmp(auto_pad, "NOTSET") != 0 && strcmp(auto_pad, "VALID") != 0)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "auto_pad '%s' is not supported", auto_pad);
    if (strcmp(auto_pad, "NOTSET") != 0 && pads)
        for (int i = 0; i < 4; i++) w->pads[i] = 0; /* explicit pads only count with NOTSET */
    for (int i = 0; i < 2; i++) {
        int64_t effective = (w->kernel[i] - 1) * w->dilations[i] + 1;
        if (same) {
            int64_t out = (in_hw[i] + w->strides[i] - 1) / w->strides[i];
            int64_t total = (out - 1) * w->strides[i] + effective - in_hw[i];
            if (total < 0) total = 0;
            int64_t small = total / 2, large = total - small;
            int upper = strcmp(auto_pad, "SAME_UPPER") == 0;
            w->pads[i] = upper ? small : large;
            w->pads[i + 2] = upper ? large : small;
            w->out[i] = out;
        } else {
            int64_t span = in_hw[i] + w->pads[i] + w->pads[i + 2] - effective;
            if (span < 0)
                return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "the window (%lld) is larger than the padded input (%lld)",
                                 (long long)effective, (long long)(in_hw[i] + w->pads[i] + w->pads[i + 2]));
            int64_t out = ceil_mode ? (span + w->strides[i] - 1) / w->strides[i] + 1 : span / w->strides[i] + 1;
            /* ceil_mode: the last window must start inside the input or its begin padding */
            if (ceil_mode && (out - 1) * w->strides[i] >= in_hw[i] + w->pads[i]) out--;
            w->out[i] = out;
        }
    }
    return 1;
}

int cc_fill_conv_shape(compiler *c, const onnx_node *n, const tvalue *x, int64_t out_channels, const window *w,
                           int64_t group, trit_conv_shape *s) {
    /* one row high (a 1-D signal): the width may use the whole square budget, max_spatial^2 */
    int64_t limit_w = x->dims[2] == 1 ? (int64_t)c->limits.max_spatial * c->limits.max_spatial : c->limits.max_spatial;
    for (int i = 2; i < 4; i++)
        if (x->dims[i] > (i == 3 ? limit_w : c->limits.max_spatial))
            return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "spatial size %lld is above the limit %lld", (long long)x->dims[i],
                             (long long)(i == 3 ? limit_w : c->limits.max_spatial));
    if (x->dims[0] > INT_MAX || x->dims[1] > INT_MAX || out_channels > INT_MAX)
        return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "too many channels");
    /* kernels index with int: the furthest tap of the last window must fit */
    for (int i = 0; i < 2; i++) {
        int64_t reach = (w->out[i] - 1) * w->strides[i] + (w->kernel[i] - 1) * w->dilations[i] + x->dims[2 + i] + w->pads[i];
        if (w->out[i] > INT_MAX || reach > INT_MAX / 2)
            return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "window geometry too large for the kernels");
    }
    s->batch = (int)x->dims[0];
    s->in_channels = (int)x->dims[1];
    s->in_h = (int)x->dims[2];
    s->in_w = (int)x->dims[3];
    s->out_channels = (int)out_channels;
    s->out_h = (int)w->out[0];
    s->out_w = (int)w->out[1];
    s->kernel_h = (int)w->kernel[0];
    s->kernel_w = (int)w->kernel[1];
    s->stride_h = (int)w->strides[0];
    s->stride_w = (int)w->strides[1];
    s->dilation_h = (int)w->dilations[0];
    s->dilation_w = (int)w->dilations[1];
    s->pad_top = (int)w->pads[0];
    s->pad_left = (int)w->pads[1];
    s->group = (int)group;
    return 1;
}

int cc_broadcast_shapes(compiler *c, const onnx_node *n, const tvalue *a, const tvalue *b, int *rank, int64_t *dims) {
    int r = a->rank > b->rank ? a->rank : b->rank;
    *rank = 0;
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "shapes cannot be broadcast (dimension %d: %lld vs %lld)", i,
                             (long long)da, (long long)db);
        dims[i] = da == 1 ? db : da;
    }
    *rank = r;
    return 1;
}

void cc_broadcast_strides(const tvalue *v, int rank, const int64_t *out_dims, int64_t *strides) {
    int64_t stride = 1;
    for (int i = rank - 1; i >= 0; i--) {
        int iv = i - (rank - v->rank);
        int64_t d = iv >= 0 ? v->dims[iv] : 1;
        strides[i] = (d == 1 && out_dims[i] != 1) || iv < 0 ? 0 : stride;
        stride *= d;
    }
}
