/* Lowering of the element-wise ops: broadcasting binary ops, Cast, QuantizeLinear and DequantizeLinear,
 * and the float32 unary ops, each of which brings its own function (cc_lower_unary_f32). */
#include <string.h>

#include "compiler.h"

int cc_lower_binary(compiler *c, int ni, const onnx_node *n, int arg) {
    trit_binary_op op = (trit_binary_op)arg;
    static const char *const none[] = {NULL};
    static const char *const mod_attrs[] = {"fmod", NULL};
    static const char *const shift_attrs[] = {"direction", NULL};
    const char *const *known = op == TRIT_BINARY_MOD ? mod_attrs : (op == TRIT_BINARY_SHIFT_RIGHT ? shift_attrs : none);
    if (!cc_check_attributes(c, n, known)) return 0;
    int a = IN(0), b = IN(1), y = OUT0;
    if (a < 0 || b < 0 || n->input_count != 2) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs two inputs");
    tvalue *va = &c->values[a], *vb = &c->values[b];
    if (va->dtype != vb->dtype)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "inputs have different types (%s, %s)", onnx_dtype_name(va->dtype),
                         onnx_dtype_name(vb->dtype));
    int dtype = va->dtype;
    if (op == TRIT_BINARY_MOD) {
        int64_t fmod_mode;
        if (!cc_attr_int(c, n, "fmod", 0, &fmod_mode)) return 0;
        if (dtype == TRIT_FLOAT32 && fmod_mode != 1)
            return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "float Mod needs fmod=1");
        if (dtype != TRIT_FLOAT32 && fmod_mode != 0) op = TRIT_BINARY_FMOD; /* C remainder: sign of the dividend */
    }
    if (op == TRIT_BINARY_SHIFT_RIGHT) {
        const char *direction;
        if (!cc_attr_string(c, n, "direction", "", &direction)) return 0;
        if (strcmp(direction, "LEFT") == 0) op = TRIT_BINARY_SHIFT_LEFT;
        else if (strcmp(direction, "RIGHT") != 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "direction must be LEFT or RIGHT");
        if (dtype != TRIT_UINT8)
            return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "BitShift on %s is not supported (uint8 only)", onnx_dtype_name(dtype));
    }
    int rank;
    int64_t dims[TRIT_MAX_RANK];
    if (!cc_broadcast_shapes(c, n, va, vb, &rank, dims) || !cc_set_shape(c, y, dtype, rank, dims)) return 0;
    step *s = cc_new_step(c, STEP_BINARY, ni);
    if (!s) return 0;
    s->in[0] = a;
    s->in[1] = b;
    s->out = y;
    s->u.binary.op = op;
    s->u.binary.rank = rank;
    memcpy(s->u.binary.dims, dims, sizeof dims);
    cc_broadcast_strides(&c->values[a], rank, dims, s->u.binary.a_strides);
    cc_broadcast_strides(&c->values[b], rank, dims, s->u.binary.b_strides);
    return cc_finish_step(c, s);
}

int cc_lower_cast(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"to", "saturate", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int64_t to;
    const onnx_attribute *to_attr = onnx_find_attribute(n, "to");
    if (to_attr && to_attr->type == ONNX_ATTR_STRING) /* opset < 6 */
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "'to' given as a type name (opset < 6) is not supported");
    if (!cc_attr_int(c, n, "to", -1, &to)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (onnx_dtype_size((int)to) == 0 || to != (int)to)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "cast to %s is not supported", onnx_dtype_name((int)to));
    tvalue *vx = &c->values[x];
    if (!cc_set_shape(c, y, (int)to, vx->rank, vx->dims)) return 0;
    vx = &c->values[x];
    if (vx->dtype == to) return cc_alias_value(c, y, x);
    step *s = cc_new_step(c, STEP_CAST, ni);
    if (!s) return 0;
    s->u.cast.from = vx->dtype;
    s->u.cast.to = (int)to;
    s->u.cast.count = vx->count;
    s->in[0] = x;
    s->out = y;
    return cc_finish_step(c, s);
}

/* [outer][axis][inner] view of x for a (De)QuantizeLinear scale: a scalar or one-element scale is
 * per-tensor (as onnxruntime reads it), a longer 1-D one per-axis. */
static int quantize_axis(compiler *c, const onnx_node *n, const tvalue *vx, const tvalue *vs, int64_t axis,
                         const char *what, size_t *outer, size_t *axis_size, size_t *inner) {
    *outer = 1, *axis_size = 1, *inner = vx->count;
    if (vs->rank > 1) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "%s must be a scalar or 1-D", what);
    if (vs->count == 1) return 1;
    if (!cc_normalise_axis(c, n, axis, vx->rank, 0, &axis)) return 0;
    if (vs->dims[0] != vx->dims[axis])
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "%s has %lld entries, axis %lld has size %lld", what,
                         (long long)vs->dims[0], (long long)axis, (long long)vx->dims[axis]);
    *outer = cc_dims_product(vx->dims, 0, (int)axis);
    *axis_size = (size_t)vx->dims[axis];
    *inner = cc_dims_product(vx->dims, (int)axis + 1, vx->rank);
    return 1;
}

/* The (De)QuantizeLinear step over inputs x, scale, zero point: y of type y_type, 8-bit side int_type. */
static int quantize_step(compiler *c, int ni, const onnx_node *n, step_kind kind, int64_t axis, const char *scale_name,
                         int y_type, int int_type) {
    const int x = IN(0), scale = IN(1), zero = IN(2), y = OUT0;
    const tvalue *vx = &c->values[x];
    if (zero >= 0 && c->values[zero].count != c->values[scale].count)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "%c_zero_point and %s must have the same shape", scale_name[0], scale_name);
    size_t outer, axis_size, inner;
    if (!quantize_axis(c, n, vx, &c->values[scale], axis, scale_name, &outer, &axis_size, &inner)) return 0;
    if (!cc_set_shape(c, y, y_type, vx->rank, vx->dims)) return 0;
    step *s = cc_new_step(c, kind, ni);
    if (!s) return 0;
    s->u.dequantize.x_type = int_type;
    s->u.dequantize.outer = outer;
    s->u.dequantize.axis_size = axis_size;
    s->u.dequantize.inner = inner;
    s->in[0] = x;
    s->in[1] = scale;
    s->in[2] = zero;
    s->out = y;
    return cc_finish_step(c, s);
}

int cc_lower_dequantize(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"axis", "block_size", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int64_t axis, block_size;
    if (!cc_attr_int(c, n, "axis", 1, &axis) || !cc_attr_int(c, n, "block_size", 0, &block_size)) return 0;
    if (block_size != 0) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "blocked quantization is not supported");
    int x = IN(0), scale = IN(1), zero = IN(2);
    if (x < 0 || scale < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs x and x_scale");
    tvalue *vx = &c->values[x];
    if (vx->dtype != TRIT_INT8 && vx->dtype != TRIT_UINT8 && vx->dtype != TRIT_INT32)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "x of type %s is not supported", onnx_dtype_name(vx->dtype));
    if (!cc_require_dtype(c, n, scale, TRIT_FLOAT32, "x_scale")) return 0;
    if (zero >= 0 && c->values[zero].dtype != vx->dtype)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "x_zero_point must have the type of x");
    return quantize_step(c, ni, n, STEP_DEQUANTIZE, axis, "x_scale", TRIT_FLOAT32, vx->dtype);
}

/* QuantizeLinear to int8 or uint8 (the type of y_zero_point, else output_dtype, else uint8). When its
 * DequantizeLinear twin feeds a ternary conv, the conv absorbs the pair (absorb_qdq, fuse.c). */
int cc_lower_quantize(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"axis", "block_size", "saturate", "output_dtype", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int64_t axis, block_size, output_dtype;
    if (!cc_attr_int(c, n, "axis", 1, &axis) || !cc_attr_int(c, n, "block_size", 0, &block_size) ||
        !cc_attr_int(c, n, "output_dtype", 0, &output_dtype))
        return 0;
    if (block_size != 0) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "blocked quantization is not supported");
    int x = IN(0), scale = IN(1), zero = IN(2);
    if (x < 0 || scale < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs x and y_scale");
    if (!cc_require_dtype(c, n, x, TRIT_FLOAT32, "x") || !cc_require_dtype(c, n, scale, TRIT_FLOAT32, "y_scale")) return 0;
    int y_type = zero >= 0 ? c->values[zero].dtype : (output_dtype ? (int)output_dtype : TRIT_UINT8);
    if (y_type != TRIT_INT8 && y_type != TRIT_UINT8)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "output type %s is not supported (int8 and uint8 are)",
                         onnx_dtype_name(y_type));
    if (output_dtype && output_dtype != y_type)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "output_dtype differs from the type of y_zero_point");
    return quantize_step(c, ni, n, STEP_QUANTIZE, axis, "y_scale", y_type, y_type);
}

/* A float32 element-wise op without attributes, y = fn(x) (an op's file passes its own function,
 * e.g. lower_neg.c): the shape and type of x, one STEP_UNARY (folded when x is constant). */
int cc_lower_unary_f32(compiler *c, int ni, const onnx_node *n, trit_unary_f32 fn) {
    static const char *const none[] = {NULL};
    if (!cc_check_attributes(c, n, none)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0 || n->input_count != 1) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs one input");
    if (!cc_require_dtype(c, n, x, TRIT_FLOAT32, "the input")) return 0;
    if (!cc_set_shape(c, y, TRIT_FLOAT32, c->values[x].rank, c->values[x].dims)) return 0;
    step *s = cc_new_step(c, STEP_UNARY, ni);
    if (!s) return 0;
    s->u.unary.count = c->values[x].count;
    s->u.unary.fn = fn;
    s->in[0] = x;
    s->out = y;
    return cc_finish_step(c, s);
}
