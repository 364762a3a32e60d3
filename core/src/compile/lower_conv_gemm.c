/* Lowering of Conv, Gemm and MatMul: float convs and gemms, or ternary convs (tconv) when the weight
 * is a recognised ternary weight (Gemm as a 1x1 conv). */
#include <limits.h>
#include <string.h>

#include "compiler.h"

/* Per-plane, per-channel scales of a ternary step: +pos for code +1, -neg for code -1. */
int cc_init_tconv_scales(compiler *c, step *s, float alpha) {
    const ternary_weight *t = &c->ternary[s->u.tconv.ternary];
    for (int p = 0; p < t->plane_count; p++) {
        float *pos = trit_pool_array(&c->m->pool, (size_t)t->out_channels, sizeof(float));
        float *neg = trit_pool_array(&c->m->pool, (size_t)t->out_channels, sizeof(float));
        if (!pos || !neg) return cc_no_memory(c);
        for (int o = 0; o < t->out_channels; o++) {
            float channel = t->scale[p] ? t->scale[p][o] : 1.0f;
            pos[o] = t->levels[p][2] * channel * alpha;
            neg[o] = -t->levels[p][0] * channel * alpha;
        }
        s->u.tconv.pos[p] = pos;
        s->u.tconv.neg[p] = neg;
    }
    return 1;
}

int cc_lower_conv(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0), w = IN(1), b = IN(2), y = OUT0;
    if (x < 0 || w < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs inputs X and W");
    tvalue *vx = &c->values[x], *vw = &c->values[w];
    if (!cc_require_dtype(c, n, x, TRIT_FLOAT32, "X") || !cc_require_dtype(c, n, w, TRIT_FLOAT32, "W")) return 0;
    if (vx->rank != 4 || vw->rank != 4)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "only 2-D convolution (rank-4 X and W) is supported, X has rank %d", vx->rank);
    int64_t group;
    if (!cc_attr_int(c, n, "group", 1, &group)) return 0;
    int64_t cin = vx->dims[1], cout = vw->dims[0];
    if (group < 1 || cin % group != 0)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "group %lld does not divide %lld input channels", (long long)group, (long long)cin);
    if (vw->dims[1] * group != cin)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "W has %lld input channels per group, X has %lld channels in %lld groups",
                         (long long)vw->dims[1], (long long)cin, (long long)group);
    if (cout % group != 0)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "group %lld does not divide %lld output channels", (long long)group, (long long)cout);
    const int64_t *kernel_shape;
    size_t nk;
    if (!cc_attr_ints(c, n, "kernel_shape", &kernel_shape, &nk)) return 0;
    if (kernel_shape && (nk != 2 || kernel_shape[0] != vw->dims[2] || kernel_shape[1] != vw->dims[3]))
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "kernel_shape does not match W");
    if (b >= 0) {
        if (!cc_require_dtype(c, n, b, TRIT_FLOAT32, "B")) return 0;
        if (c->values[b].rank != 1 || c->values[b].dims[0] != cout)
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "bias B must have shape [%lld]", (long long)cout);
    }
    window win;
    if (!cc_window_geometry(c, n, &vx->dims[2], &vw->dims[2], 0, 2, &win)) return 0;
    if (win.out[0] < 1 || win.out[1] < 1) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "output would be empty");
    int64_t out_dims[4] = {vx->dims[0], cout, win.out[0], win.out[1]};
    if (!cc_set_shape(c, y, TRIT_FLOAT32, 4, out_dims)) return 0;
    vw = &c->values[w];
    step *s = cc_new_step(c, vw->kind == VALUE_TERNARY && !vw->data ? STEP_TCONV : STEP_CONV, ni);
    if (!s) return 0;
    if (!cc_fill_conv_shape(c, n, &c->values[x], cout, &win, group, &s->u.conv.shape)) return 0;
    s->in[0] = x;
    s->in[1] = w;
    s->in[2] = b;
    s->out = y;
    if (s->kind == STEP_TCONV) {
        s->u.tconv.ternary = vw->ternary;
        c->ternary[vw->ternary].op = "Conv";
        if (!cc_init_tconv_scales(c, s, 1.0f)) return 0;
        s->in[1] = -1; /* the packed weights replace W */
        if (b >= 0 && !cc_is_const(c, b)) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "a ternary conv needs a constant bias");
    } else if (vw->kind == VALUE_TERNARY && !cc_const_data(c, w)) {
        return 0;
    }
    return cc_finish_step(c, s);
}

int cc_lower_gemm(compiler *c, int ni, const onnx_node *n, int arg) {
    int is_matmul = arg;
    static const char *const gemm_known[] = {"alpha", "beta", "transA", "transB", NULL};
    static const char *const gemm_known_v6[] = {"alpha", "beta", "broadcast", "transA", "transB", NULL}; /* opset < 7 */
    static const char *const none[] = {NULL};
    if (!cc_check_attributes(c, n, is_matmul ? none : c->onnx.opset < 7 ? gemm_known_v6 : gemm_known)) return 0;
    int64_t broadcast = 1; /* opset < 7: without broadcast=1, C must be exactly [M, N] */
    if (!is_matmul && c->onnx.opset < 7 && !cc_attr_int(c, n, "broadcast", 0, &broadcast)) return 0;
    int64_t trans_a = 0, trans_b = 0;
    float alpha = 1.0f, beta = 1.0f;
    if (!is_matmul && (!cc_attr_int(c, n, "transA", 0, &trans_a) || !cc_attr_int(c, n, "transB", 0, &trans_b) ||
                       !cc_attr_float(c, n, "alpha", 1.0f, &alpha) || !cc_attr_float(c, n, "beta", 1.0f, &beta)))
        return 0;
    int a = IN(0), b = IN(1), cc = is_matmul ? -1 : IN(2), y = OUT0;
    if (a < 0 || b < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs inputs A and B");
    if (!cc_require_dtype(c, n, a, TRIT_FLOAT32, "A") || !cc_require_dtype(c, n, b, TRIT_FLOAT32, "B")) return 0;
    tvalue *va = &c->values[a], *vb = &c->values[b];
    if (va->rank != 2 || vb->rank != 2)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "only 2-D A and B are supported (ranks %d and %d)", va->rank, vb->rank);
    int64_t m = trans_a ? va->dims[1] : va->dims[0], k = trans_a ? va->dims[0] : va->dims[1];
    int64_t kb = trans_b ? vb->dims[1] : vb->dims[0], nn = trans_b ? vb->dims[0] : vb->dims[1];
    if (k != kb) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "inner dimensions differ (%lld vs %lld)", (long long)k, (long long)kb);
    if (m > INT_MAX || nn > INT_MAX || k > INT_MAX) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "matrix too large");
    size_t c_stride_m = 0, c_stride_n = 0;
    if (cc >= 0) {
        tvalue *vc = &c->values[cc];
        if (!cc_require_dtype(c, n, cc, TRIT_FLOAT32, "C")) return 0;
        int64_t cm = vc->rank == 2 ? vc->dims[0] : 1, cn = vc->rank >= 1 ? vc->dims[vc->rank - 1] : 1;
        if (vc->rank > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != nn))
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "C cannot be broadcast to [%lld, %lld]", (long long)m, (long long)nn);
        if (!broadcast && (vc->rank != 2 || cm != m || cn != nn))
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "C must have shape [%lld, %lld] without broadcast=1", (long long)m,
                             (long long)nn);
        c_stride_n = cn == 1 ? 0 : 1;
        c_stride_m = cm == 1 ? 0 : (size_t)cn;
    }
    int64_t out_dims[2] = {m, nn};
    if (!cc_set_shape(c, y, TRIT_FLOAT32, 2, out_dims)) return 0;
    vb = &c->values[b];
    int ternary = vb->kind == VALUE_TERNARY && !vb->data && trans_b && !trans_a;
    float *bias = NULL;
    if (ternary && cc >= 0) {
        /* the bias must be one row [N]: beta * C */
        if (!cc_is_const(c, cc) || c_stride_m != 0) ternary = 0;
        else {
            const float *cd = cc_const_data(c, cc);
            if (!(bias = trit_alloc((size_t)nn * sizeof(float)))) return cc_no_memory(c);
            for (int64_t j = 0; j < nn; j++) bias[j] = beta * cd[c_stride_n ? j : 0];
        }
    }
    if (ternary) {
        int bias_id = -1;
        if (bias) {
            int64_t d[1] = {nn};
            if ((bias_id = cc_new_const(c, TRIT_FLOAT32, 1, d, bias)) < 0) return 0;
        }
        step *s = cc_new_step(c, STEP_TCONV, ni);
        if (!s) return 0;
        trit_conv_shape *sh = &s->u.tconv.shape;
        sh->batch = (int)m;
        sh->in_channels = (int)k;
        sh->in_h = sh->in_w = sh->out_h = sh->out_w = 1;
        sh->out_channels = (int)nn;
        sh->kernel_h = sh->kernel_w = sh->stride_h = sh->stride_w = sh->dilation_h = sh->dilation_w = sh->group = 1;
        s->u.tconv.ternary = c->values[b].ternary;
        c->ternary[s->u.tconv.ternary].op = "Gemm";
        if (!cc_init_tconv_scales(c, s, alpha)) return 0;
        s->in[0] = a;
        s->in[2] = bias_id;
        s->out = y;
        return cc_finish_step(c, s);
    }
    if (c->values[b].kind == VALUE_TERNARY && !cc_const_data(c, b)) return 0;
    step *s = cc_new_step(c, STEP_GEMM, ni);
    if (!s) return 0;
    s->u.gemm.p.m = (int)m;
    s->u.gemm.p.n = (int)nn;
    s->u.gemm.p.k = (int)k;
    s->u.gemm.p.trans_a = trans_a != 0;
    s->u.gemm.p.trans_b = trans_b != 0;
    s->u.gemm.p.alpha = alpha;
    s->u.gemm.p.beta = cc >= 0 ? beta : 0.0f;
    s->u.gemm.p.c_stride_m = c_stride_m;
    s->u.gemm.p.c_stride_n = c_stride_n;
    s->in[0] = a;
    s->in[1] = b;
    s->in[2] = cc;
    s->out = y;
    return cc_finish_step(c, s);
}
