/* Lowering of BatchNormalization, Relu, Clip and Softmax. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "compiler.h"

/* Per-channel scale/shift of an inference BatchNormalization with constant parameters. */
static int batchnorm_affine(compiler *c, const onnx_node *n, int channels, float epsilon, float **scale, float **shift) {
    const float *gamma = cc_const_data(c, IN(1)), *beta = cc_const_data(c, IN(2)), *mean = cc_const_data(c, IN(3)),
                *var = cc_const_data(c, IN(4));
    *scale = trit_alloc((size_t)channels * sizeof(float) + 1);
    *shift = trit_alloc((size_t)channels * sizeof(float) + 1);
    if (!*scale || !*shift) {
        trit_free(*scale);
        trit_free(*shift);
        return cc_no_memory(c);
    }
    trit_ref_batchnorm_params(channels, gamma, beta, mean, var, epsilon, *scale, *shift);
    return 1;
}

int cc_lower_batchnorm(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"epsilon", "momentum", "spatial", "training_mode", NULL};
    static const char *const known_v6[] = {"epsilon", "is_test", "momentum", "spatial", NULL}; /* opset 6 */
    if (!cc_check_attributes(c, n, c->onnx.opset < 7 ? known_v6 : known)) return 0;
    int64_t training, spatial, is_test;
    float epsilon;
    if (!cc_attr_int(c, n, "training_mode", 0, &training) || !cc_attr_int(c, n, "spatial", 1, &spatial) ||
        !cc_attr_int(c, n, "is_test", 0, &is_test) || !cc_attr_float(c, n, "epsilon", 1e-5f, &epsilon))
        return 0;
    if (training) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training_mode=1 is not supported (inference only)");
    if (c->onnx.opset < 7 && !is_test)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "is_test=0 (training) is not supported (inference only)");
    if (spatial != 1) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "spatial=0 is not supported");
    for (size_t i = 1; i < n->output_count; i++)
        if (n->outputs[i][0]) {
            int extra = cc_find_value(c, n->outputs[i]);
            if (extra >= 0 && c->values[extra].consumers)
                return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training outputs (running mean/var) are not supported");
        }
    int x = IN(0), y = OUT0;
    if (x < 0 || n->input_count != 5) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs 5 inputs");
    if (!cc_require_dtype(c, n, x, TRIT_FLOAT32, "X")) return 0;
    tvalue *vx = &c->values[x];
    if (vx->rank < 2) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "X must have rank >= 2");
    int64_t channels = vx->dims[1];
    if (channels > INT_MAX || vx->dims[0] > INT_MAX) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "too many channels");
    int all_const = 1;
    for (int i = 1; i < 5; i++) {
        int p = IN(i);
        if (p < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs 5 inputs");
        if (!cc_require_dtype(c, n, p, TRIT_FLOAT32, "a parameter")) return 0;
        if (c->values[p].rank != 1 || c->values[p].dims[0] != channels)
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "parameters must have shape [%lld]", (long long)channels);
        all_const = all_const && cc_is_const(c, p);
    }
    if (!cc_set_shape(c, y, TRIT_FLOAT32, vx->rank, vx->dims)) return 0;
    vx = &c->values[x];
    step *s = cc_new_step(c, all_const ? STEP_AFFINE : STEP_BATCHNORM, ni);
    if (!s) return 0;
    size_t index = c->step_count;
    s->u.affine.batch = (int)vx->dims[0];
    s->u.affine.channels = (int)channels;
    s->u.affine.spatial = cc_dims_product(vx->dims, 2, vx->rank);
    s->u.affine.epsilon = epsilon;
    s->in[0] = x;
    s->out = y;
    if (all_const) {
        float *scale, *shift;
        if (!batchnorm_affine(c, n, (int)channels, epsilon, &scale, &shift)) return 0;
        int64_t d[1] = {channels};
        int sid = cc_new_const(c, TRIT_FLOAT32, 1, d, scale);
        int hid = sid >= 0 ? cc_new_const(c, TRIT_FLOAT32, 1, d, shift) : (trit_free(shift), -1);
        if (hid < 0) return 0;
        s = &c->steps[index];
        s->in[1] = sid;
        s->in[2] = hid;
    } else {
        for (int i = 1; i < 5; i++) s->in[i] = IN(i);
        s->scratch_bytes = 2 * (size_t)channels * sizeof(float);
    }
    return cc_finish_step(c, s);
}

/* Relu and Clip on integer tensors (ONNX Clip: every numeric type from opset 12; Relu: signed
 * integers from opset 14): bounds have the input's type, default to the type's range. */
static int clamp_int(compiler *c, int ni, const onnx_node *n, int is_relu) {
    int x = IN(0), y = OUT0;
    int dtype = c->values[x].dtype;
    if (dtype != TRIT_UINT8 && dtype != TRIT_INT8 && dtype != TRIT_INT32 && dtype != TRIT_INT64)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "the input has type %s (float32, uint8, int8, int32 and int64 are supported)",
                         onnx_dtype_name(dtype));
    int64_t lo = dtype == TRIT_UINT8 ? 0 : dtype == TRIT_INT8 ? INT8_MIN : dtype == TRIT_INT32 ? INT32_MIN : INT64_MIN;
    int64_t hi = dtype == TRIT_UINT8 ? UINT8_MAX : dtype == TRIT_INT8 ? INT8_MAX : dtype == TRIT_INT32 ? INT32_MAX : INT64_MAX;
    int bound[2] = {-1, -1};
    if (is_relu) {
        static const char *const known[] = {NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        if (lo < 0) lo = 0;
    } else {
        if (c->onnx.opset < 12)
            return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "Clip on %s needs opset 12 or later (this model has opset %lld)",
                             onnx_dtype_name(dtype), (long long)c->onnx.opset);
        static const char *const known[] = {NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        for (int i = 0; i < 2; i++) {
            int id = IN(1 + i);
            if (id < 0) continue;
            if (!cc_require_dtype(c, n, id, dtype, i ? "max" : "min")) return 0;
            if (c->values[id].count != 1) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "min and max must be scalars");
            if (!cc_is_const(c, id)) {
                bound[i] = id;
                continue;
            }
            const void *d = cc_const_data(c, id);
            int64_t v = dtype == TRIT_UINT8 ? *(const uint8_t *)d : dtype == TRIT_INT8 ? *(const int8_t *)d
                      : dtype == TRIT_INT32 ? *(const int32_t *)d : *(const int64_t *)d;
            if (i) hi = v;
            else lo = v;
        }
    }
    if (!cc_set_shape(c, y, dtype, c->values[x].rank, c->values[x].dims)) return 0;
    step *s = cc_new_step(c, STEP_CLAMP, ni);
    if (!s) return 0;
    s->in[0] = x;
    s->in[1] = bound[0];
    s->in[2] = bound[1];
    s->u.clamp.count = c->values[x].count;
    s->u.clamp.dtype = dtype;
    s->u.clamp.imin = lo;
    s->u.clamp.imax = hi;
    s->out = y;
    return cc_finish_step(c, s);
}

/* Relu and Clip (fuse.c fuses them into the producing conv/gemm when it is the only reader). */
int cc_lower_clamp(compiler *c, int ni, const onnx_node *n, int arg) {
    int is_relu = arg;
    float lo = -INFINITY, hi = INFINITY;
    int min_id = -1, max_id = -1;
    if (IN(0) < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (c->values[IN(0)].dtype != TRIT_FLOAT32) return clamp_int(c, ni, n, is_relu);
    if (is_relu) {
        static const char *const known[] = {NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        lo = 0.0f;
    } else if (c->onnx.opset < 11) {
        static const char *const known[] = {"min", "max", NULL};
        if (!cc_check_attributes(c, n, known) || !cc_attr_float(c, n, "min", -INFINITY, &lo) ||
            !cc_attr_float(c, n, "max", INFINITY, &hi))
            return 0;
    } else {
        static const char *const known[] = {NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        min_id = IN(1);
        max_id = IN(2);
        for (int i = 0; i < 2; i++) {
            int id = i ? max_id : min_id;
            if (id < 0) continue;
            if (!cc_require_dtype(c, n, id, TRIT_FLOAT32, i ? "max" : "min")) return 0;
            if (c->values[id].count != 1) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "min and max must be scalars");
            if (cc_is_const(c, id)) {
                float v = *(const float *)cc_const_data(c, id);
                if (i) hi = v;
                else lo = v;
                if (i) max_id = -1;
                else min_id = -1;
            }
        }
    }
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (!cc_require_dtype(c, n, x, TRIT_FLOAT32, "the input")) return 0;
    if (!cc_set_shape(c, y, TRIT_FLOAT32, c->values[x].rank, c->values[x].dims)) return 0;
    step *s = cc_new_step(c, STEP_CLAMP, ni);
    if (!s) return 0;
    s->in[0] = x;
    s->in[1] = min_id;
    s->in[2] = max_id;
    s->clamp_min = lo;
    s->clamp_max = hi;
    s->u.clamp.count = c->values[x].count;
    s->u.clamp.dtype = TRIT_FLOAT32;
    s->out = y;
    /* the clamp bounds live in the epilogue fields; the step has no epilogue of its own */
    return cc_finish_step(c, s);
}

int cc_lower_softmax(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"axis", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (!cc_require_dtype(c, n, x, TRIT_FLOAT32, "the input")) return 0;
    tvalue *vx = &c->values[x];
    int64_t axis;
    if (!cc_attr_int(c, n, "axis", c->onnx.opset < 13 ? 1 : -1, &axis) || !cc_normalise_axis(c, n, axis, vx->rank, 0, &axis))
        return 0;
    if (!cc_set_shape(c, y, TRIT_FLOAT32, vx->rank, vx->dims)) return 0;
    vx = &c->values[x];
    step *s = cc_new_step(c, STEP_SOFTMAX, ni);
    if (!s) return 0;
    s->u.softmax.outer = cc_dims_product(vx->dims, 0, (int)axis);
    if (c->onnx.opset < 13) { /* the input is coerced to 2-D [outer, rest] */
        s->u.softmax.n = cc_dims_product(vx->dims, (int)axis, vx->rank);
        s->u.softmax.inner = 1;
    } else {
        s->u.softmax.n = (size_t)vx->dims[axis];
        s->u.softmax.inner = cc_dims_product(vx->dims, (int)axis + 1, vx->rank);
    }
    if (s->u.softmax.n == 0) s->u.softmax.outer = 0;
    s->in[0] = x;
    s->out = y;
    return cc_finish_step(c, s);
}
