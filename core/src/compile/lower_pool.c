/* Lowering of MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool. */
#include <limits.h>

#include "compiler.h"

int cc_lower_pool(compiler *c, int ni, const onnx_node *n, int arg) {
    int is_max = arg;
    static const char *const max_known[] = {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides", NULL};
    static const char *const avg_known[] = {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides", NULL};
    if (!cc_check_attributes(c, n, is_max ? max_known : avg_known)) return 0;
    if (n->output_count > 1 && n->outputs[1][0]) {
        int extra = cc_find_value(c, n->outputs[1]);
        if (extra >= 0 && c->values[extra].consumers)
            return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "the Indices output is not supported");
    }
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    int dtype = c->values[x].dtype;
    if (!(is_max && (dtype == TRIT_UINT8 || dtype == TRIT_INT8)) && !cc_require_dtype(c, n, x, TRIT_FLOAT32, "X")) return 0;
    tvalue *vx = &c->values[x];
    if (vx->rank != 4 && vx->rank != 3)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "only 1-D and 2-D pooling (rank-3 or rank-4 X) are supported, X has rank %d",
                         vx->rank);
    int spatial = vx->rank - 2;
    const int64_t *kernel_shape;
    size_t nk;
    int64_t ceil_mode, count_include_pad;
    if (!cc_attr_ints(c, n, "kernel_shape", &kernel_shape, &nk) || !cc_attr_int(c, n, "ceil_mode", 0, &ceil_mode) ||
        !cc_attr_int(c, n, "count_include_pad", 0, &count_include_pad))
        return 0;
    if (!kernel_shape || nk != (size_t)spatial) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "kernel_shape must have %d entries", spatial);
    window win;
    if (!cc_window_geometry(c, n, &vx->dims[2], kernel_shape, ceil_mode != 0, spatial, &win)) return 0;
    if (win.out[0] < 1 || win.out[1] < 1) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "output would be empty");
    int64_t out_dims[4] = {vx->dims[0], vx->dims[1], win.out[0], win.out[1]};
    if (spatial == 1) out_dims[2] = win.out[1];
    if (!cc_set_shape(c, y, dtype, vx->rank, out_dims)) return 0;
    step *s = cc_new_step(c, is_max ? STEP_MAXPOOL : STEP_AVGPOOL, ni);
    if (!s) return 0;
    tvalue view = c->values[x]; /* 1-D pooling runs as 2-D over [N, C, 1, L] */
    if (spatial == 1) view.dims[3] = view.dims[2], view.dims[2] = 1, view.rank = 4;
    if (!cc_fill_conv_shape(c, n, &view, view.dims[1], &win, 1, &s->u.conv.shape)) return 0;
    s->u.conv.count_include_pad = count_include_pad != 0;
    s->u.conv.pad_bottom = (int)win.pads[2];
    s->u.conv.pad_right = (int)win.pads[3];
    s->in[0] = x;
    s->out = y;
    return cc_finish_step(c, s);
}

int cc_lower_global_pool(compiler *c, int ni, const onnx_node *n, int arg) {
    int is_max = arg;
    static const char *const known[] = {NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (!cc_require_dtype(c, n, x, TRIT_FLOAT32, "X")) return 0;
    tvalue *vx = &c->values[x];
    if (vx->rank < 3) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "X must have rank >= 3");
    if (vx->dims[0] > INT_MAX || vx->dims[1] > INT_MAX) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "too many channels");
    int64_t dims[TRIT_MAX_RANK];
    for (int i = 0; i < vx->rank; i++) dims[i] = i < 2 ? vx->dims[i] : 1;
    if (!cc_set_shape(c, y, TRIT_FLOAT32, vx->rank, dims)) return 0;
    step *s = cc_new_step(c, is_max ? STEP_GLOBAL_MAXPOOL : STEP_GLOBAL_AVGPOOL, ni);
    if (!s) return 0;
    vx = &c->values[x];
    s->u.affine.batch = (int)vx->dims[0];
    s->u.affine.channels = (int)vx->dims[1];
    s->u.affine.spatial = cc_dims_product(vx->dims, 2, vx->rank);
    s->in[0] = x;
    s->out = y;
    return cc_finish_step(c, s);
}
