/* Lowering of the shape ops: aliases (Reshape, Flatten, Identity, Dropout, Squeeze, Unsqueeze),
 * constants (Constant, Shape) and data movement (Gather, Slice, Pad, Concat). */
#include <string.h>

#include "compiler.h"

int cc_lower_reshape(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    (void)ni;
    static const char *const known[] = {"allowzero", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0), sh = IN(1);
    if (x < 0 || sh < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs data and shape");
    int64_t allowzero;
    if (!cc_attr_int(c, n, "allowzero", 0, &allowzero)) return 0;
    int64_t dims[TRIT_MAX_RANK];
    size_t rank;
    if (!cc_const_ints(c, n, sh, "the shape", dims, TRIT_MAX_RANK, &rank)) return 0;
    tvalue *vx = &c->values[x];
    int infer = -1;
    size_t known_product = 1;
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] == 0 && !allowzero) {
            if ((int)i >= vx->rank) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "0 in shape position %zu has no input dimension", i);
            dims[i] = vx->dims[i];
        }
        if (dims[i] == -1) {
            if (infer >= 0) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "more than one -1 in the shape");
            infer = (int)i;
            continue;
        }
        if (dims[i] < 0) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "invalid dimension %lld", (long long)dims[i]);
        if (!trit_size_mul(known_product, (size_t)dims[i], &known_product))
            return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "shape overflows");
    }
    if (infer >= 0) {
        if (known_product == 0 || vx->count % known_product)
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "cannot infer the -1 dimension for %zu elements", vx->count);
        dims[infer] = (int64_t)(vx->count / known_product);
    }
    return cc_finish_alias(c, n, x, (int)rank, dims, vx->dtype);
}

int cc_lower_flatten(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    (void)ni;
    static const char *const known[] = {"axis", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0);
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    tvalue *vx = &c->values[x];
    int64_t axis;
    if (!cc_attr_int(c, n, "axis", 1, &axis) || !cc_normalise_axis(c, n, axis, vx->rank, 1, &axis)) return 0;
    int64_t dims[2] = {(int64_t)cc_dims_product(vx->dims, 0, (int)axis), (int64_t)cc_dims_product(vx->dims, (int)axis, vx->rank)};
    return cc_finish_alias(c, n, x, 2, dims, vx->dtype);
}

int cc_lower_identity(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    (void)ni;
    static const char *const known[] = {NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0);
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    return cc_finish_alias(c, n, x, c->values[x].rank, c->values[x].dims, c->values[x].dtype);
}

int cc_lower_dropout(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    (void)ni;
    static const char *const known[] = {"ratio", "seed", "is_test", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int64_t is_test;
    if (!cc_attr_int(c, n, "is_test", c->onnx.opset < 7 ? 0 : 1, &is_test)) return 0;
    if (!is_test) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training-mode dropout is not supported");
    int training = IN(2);
    if (training >= 0) {
        if (!cc_is_const(c, training) || c->values[training].count != 1 || c->values[training].dtype == TRIT_FLOAT32)
            return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training_mode must be a constant false");
        const void *data = cc_const_data(c, training);
        int on = c->values[training].dtype == TRIT_UINT8 || c->values[training].dtype == TRIT_INT8 ? ((const uint8_t *)data)[0] != 0
                                                                                               : cc_const_int(&c->values[training], data, 0) != 0;
        if (on) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training-mode dropout is not supported");
    }
    if (n->output_count > 1 && n->outputs[1][0]) {
        int mask = cc_find_value(c, n->outputs[1]);
        if (mask >= 0 && c->values[mask].consumers)
            return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "the mask output is not supported");
    }
    int x = IN(0);
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    return cc_finish_alias(c, n, x, c->values[x].rank, c->values[x].dims, c->values[x].dtype);
}

/* Squeeze/Unsqueeze axes: attribute below opset 13, input from 13. */
static int read_axes(compiler *c, const onnx_node *n, int64_t *axes, size_t *count, int *present) {
    static const char *const attr_known[] = {"axes", NULL};
    static const char *const none[] = {NULL};
    *present = 0;
    *count = 0;
    if (c->onnx.opset < 13) {
        if (!cc_check_attributes(c, n, attr_known)) return 0;
        const int64_t *a;
        size_t na;
        if (!cc_attr_ints(c, n, "axes", &a, &na)) return 0;
        if (a) {
            if (na > TRIT_MAX_RANK) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "too many axes");
            memcpy(axes, a, na * sizeof(int64_t));
            *count = na;
            *present = 1;
        }
        return 1;
    }
    if (!cc_check_attributes(c, n, none)) return 0;
    int id = IN(1);
    if (id < 0) return 1;
    *present = 1;
    return cc_const_ints(c, n, id, "axes", axes, TRIT_MAX_RANK, count);
}

int cc_lower_squeeze(compiler *c, int ni, const onnx_node *n, int arg) {
    int unsqueeze = arg;
    (void)ni;
    int64_t axes[TRIT_MAX_RANK];
    size_t count;
    int present;
    if (!read_axes(c, n, axes, &count, &present)) return 0;
    int x = IN(0);
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    tvalue *vx = &c->values[x];
    int64_t dims[TRIT_MAX_RANK];
    int rank = 0;
    if (unsqueeze) {
        if (!present) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs axes");
        int out_rank = vx->rank + (int)count;
        if (out_rank > TRIT_MAX_RANK) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "rank above %d", TRIT_MAX_RANK);
        int inserted[TRIT_MAX_RANK] = {0};
        for (size_t i = 0; i < count; i++) {
            int64_t a;
            if (!cc_normalise_axis(c, n, axes[i], out_rank, 0, &a)) return 0;
            if (inserted[a]) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "axis %lld repeated", (long long)axes[i]);
            inserted[a] = 1;
        }
        int k = 0;
        for (int i = 0; i < out_rank; i++) dims[i] = inserted[i] ? 1 : vx->dims[k++];
        rank = out_rank;
    } else {
        int drop[TRIT_MAX_RANK] = {0};
        for (size_t i = 0; i < count; i++) {
            int64_t a;
            if (!cc_normalise_axis(c, n, axes[i], vx->rank, 0, &a)) return 0;
            if (vx->dims[a] != 1)
                return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "cannot squeeze axis %lld of size %lld", (long long)axes[i],
                                 (long long)vx->dims[a]);
            drop[a] = 1;
        }
        for (int i = 0; i < vx->rank; i++)
            if (!(present ? drop[i] : vx->dims[i] == 1)) dims[rank++] = vx->dims[i];
    }
    return cc_finish_alias(c, n, x, rank, dims, vx->dtype);
}

int cc_lower_constant(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    (void)ni;
    static const char *const known[] = {"value", "value_float", "value_floats", "value_int", "value_ints", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    if (n->attribute_count != 1) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs exactly one value attribute");
    const onnx_attribute *a = &n->attributes[0];
    int y = OUT0;
    tvalue *vy = &c->values[y];
    int64_t dims[1] = {0};
    if (strcmp(a->name, "value") == 0) {
        if (a->type != ONNX_ATTR_TENSOR || !a->t) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "value must be a tensor");
        if (!cc_set_shape(c, y, a->t->dtype, a->t->rank, a->t->dims)) return 0;
        vy = &c->values[y];
        vy->data = a->t->data;
        a->t->data = NULL; /* taken */
    } else if (strcmp(a->name, "value_float") == 0 || strcmp(a->name, "value_int") == 0) {
        int is_float = a->name[6] == 'f';
        if (a->type != (is_float ? ONNX_ATTR_FLOAT : ONNX_ATTR_INT)) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "bad %s", a->name);
        if (!cc_set_shape(c, y, is_float ? TRIT_FLOAT32 : TRIT_INT64, 0, dims)) return 0;
        vy = &c->values[y];
        if (!(vy->data = trit_alloc(vy->bytes))) return cc_no_memory(c);
        if (is_float) *(float *)vy->data = a->f;
        else *(int64_t *)vy->data = a->i;
    } else {
        int is_float = a->name[6] == 'f';
        if (a->type != (is_float ? ONNX_ATTR_FLOATS : ONNX_ATTR_INTS)) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "bad %s", a->name);
        dims[0] = (int64_t)(is_float ? a->float_count : a->int_count);
        if (!cc_set_shape(c, y, is_float ? TRIT_FLOAT32 : TRIT_INT64, 1, dims)) return 0;
        vy = &c->values[y];
        if (vy->bytes) {
            if (!(vy->data = trit_alloc(vy->bytes))) return cc_no_memory(c);
            memcpy(vy->data, is_float ? (void *)a->floats : (void *)a->ints, vy->bytes);
        }
    }
    vy->kind = VALUE_CONST;
    return 1;
}

int cc_lower_shape(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    (void)ni;
    static const char *const known[] = {"start", "end", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    int rank = c->values[x].rank;
    int64_t start, end;
    if (!cc_attr_int(c, n, "start", 0, &start) || !cc_attr_int(c, n, "end", rank, &end)) return 0;
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    if (start < 0) start = 0;
    if (start > rank) start = rank;
    if (end < 0) end = 0;
    if (end > rank) end = rank;
    int64_t count = end > start ? end - start : 0;
    if (!cc_set_shape(c, y, TRIT_INT64, 1, &count)) return 0;
    tvalue *vy = &c->values[y];
    if (count && !(vy->data = trit_alloc(vy->bytes))) return cc_no_memory(c);
    for (int64_t i = 0; i < count; i++) ((int64_t *)vy->data)[i] = c->values[x].dims[start + i];
    vy->kind = VALUE_CONST; /* shapes are static: always folded */
    return 1;
}

int cc_lower_gather(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"axis", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int x = IN(0), idx = IN(1), y = OUT0;
    if (x < 0 || idx < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs data and indices");
    tvalue *vx = &c->values[x], *vi = &c->values[idx];
    if (vi->dtype != TRIT_INT32 && vi->dtype != TRIT_INT64)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "indices must be int32 or int64");
    int64_t axis;
    if (!cc_attr_int(c, n, "axis", 0, &axis) || !cc_normalise_axis(c, n, axis, vx->rank, 0, &axis)) return 0;
    int rank = vx->rank + vi->rank - 1;
    if (rank > TRIT_MAX_RANK) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "output rank above %d", TRIT_MAX_RANK);
    int64_t dims[TRIT_MAX_RANK];
    int k = 0;
    for (int i = 0; i < axis; i++) dims[k++] = vx->dims[i];
    for (int i = 0; i < vi->rank; i++) dims[k++] = vi->dims[i];
    for (int i = (int)axis + 1; i < vx->rank; i++) dims[k++] = vx->dims[i];
    if (!cc_set_shape(c, y, vx->dtype, rank, dims)) return 0;
    step *s = cc_new_step(c, STEP_GATHER, ni);
    if (!s) return 0;
    vx = &c->values[x];
    vi = &c->values[idx];
    s->u.gather.element_size = onnx_dtype_size(vx->dtype);
    s->u.gather.outer = cc_dims_product(vx->dims, 0, (int)axis);
    s->u.gather.axis_size = (size_t)vx->dims[axis];
    s->u.gather.inner = cc_dims_product(vx->dims, (int)axis + 1, vx->rank);
    s->u.gather.index_count = vi->count;
    s->scratch_bytes = vi->count * sizeof(int64_t);
    s->in[0] = x;
    s->in[1] = idx;
    s->out = y;
    return cc_finish_step(c, s);
}

int cc_lower_slice(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    int64_t starts[TRIT_MAX_RANK], ends[TRIT_MAX_RANK], axes[TRIT_MAX_RANK], steps_in[TRIT_MAX_RANK];
    size_t ns, ne, na = (size_t)-1, nst = (size_t)-1;
    if (c->onnx.opset < 10) {
        static const char *const known[] = {"starts", "ends", "axes", NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        const int64_t *a, *b, *x;
        if (!cc_attr_ints(c, n, "starts", &a, &ns) || !cc_attr_ints(c, n, "ends", &b, &ne) || !cc_attr_ints(c, n, "axes", &x, &na)) return 0;
        if (!a || !b) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs starts and ends");
        if (ns > TRIT_MAX_RANK || ne > TRIT_MAX_RANK || (x && na > TRIT_MAX_RANK)) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "too many axes");
        memcpy(starts, a, ns * sizeof(int64_t));
        memcpy(ends, b, ne * sizeof(int64_t));
        if (x) memcpy(axes, x, na * sizeof(int64_t));
    } else {
        static const char *const known[] = {NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        if (IN(1) < 0 || IN(2) < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs starts and ends");
        if (!cc_const_ints(c, n, IN(1), "starts", starts, TRIT_MAX_RANK, &ns) ||
            !cc_const_ints(c, n, IN(2), "ends", ends, TRIT_MAX_RANK, &ne))
            return 0;
        if (IN(3) >= 0 && !cc_const_ints(c, n, IN(3), "axes", axes, TRIT_MAX_RANK, &na)) return 0;
        if (IN(4) >= 0 && !cc_const_ints(c, n, IN(4), "steps", steps_in, TRIT_MAX_RANK, &nst)) return 0;
    }
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs data");
    tvalue *vx = &c->values[x];
    if (ns != ne || (na != (size_t)-1 && na != ns) || (nst != (size_t)-1 && nst != ns))
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "starts, ends, axes and steps must have the same length");
    step *s = cc_new_step(c, STEP_SLICE, ni);
    if (!s) return 0;
    int rank = vx->rank;
    int seen[TRIT_MAX_RANK] = {0};
    for (int d = 0; d < rank; d++) {
        s->u.slice.x_dims[d] = vx->dims[d];
        s->u.slice.starts[d] = 0;
        s->u.slice.steps[d] = 1;
        s->u.slice.y_dims[d] = vx->dims[d];
    }
    for (size_t i = 0; i < ns; i++) {
        int64_t axis = na != (size_t)-1 ? axes[i] : (int64_t)i;
        if (!cc_normalise_axis(c, n, axis, rank, 0, &axis)) return 0;
        if (seen[axis]) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "axis %lld repeated", (long long)axis);
        seen[axis] = 1;
        int64_t step_size = nst != (size_t)-1 ? steps_in[i] : 1;
        if (step_size == 0) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "step 0");
        int64_t dim = vx->dims[axis], start = starts[i], end = ends[i];
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        int64_t count;
        if (step_size > 0) {
            start = start < 0 ? 0 : start > dim ? dim : start;
            end = end < 0 ? 0 : end > dim ? dim : end;
            count = end > start ? (end - start + step_size - 1) / step_size : 0;
        } else {
            start = start < 0 ? -1 : start > dim - 1 ? dim - 1 : start;
            end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
            count = start > end ? (start - end + (-step_size) - 1) / (-step_size) : 0;
        }
        s->u.slice.starts[axis] = count ? start : 0;
        s->u.slice.steps[axis] = step_size;
        s->u.slice.y_dims[axis] = count;
    }
    s->u.slice.rank = rank;
    s->u.slice.element_size = onnx_dtype_size(vx->dtype);
    int64_t ydims[TRIT_MAX_RANK];
    memcpy(ydims, s->u.slice.y_dims, sizeof ydims);
    size_t index = c->step_count;
    if (!cc_set_shape(c, y, vx->dtype, rank, ydims)) return 0;
    s = &c->steps[index];
    s->in[0] = x;
    s->out = y;
    return cc_finish_step(c, s);
}

int cc_lower_pad(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    int64_t pads[2 * TRIT_MAX_RANK], axes[TRIT_MAX_RANK];
    size_t np, na = (size_t)-1;
    double value = 0;
    int value_id = -1;
    const char *mode;
    int x = IN(0), y = OUT0;
    if (x < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs data");
    tvalue *vx = &c->values[x];
    int rank = vx->rank;
    if (c->onnx.opset < 11) {
        static const char *const known[] = {"mode", "pads", "value", NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        const int64_t *a;
        float f;
        if (!cc_attr_ints(c, n, "pads", &a, &np) || !cc_attr_float(c, n, "value", 0.0f, &f)) return 0;
        if (!a) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs pads");
        if (np > 2 * TRIT_MAX_RANK) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "too many pads");
        memcpy(pads, a, np * sizeof(int64_t));
        value = f;
    } else {
        static const char *const known[] = {"mode", NULL};
        if (!cc_check_attributes(c, n, known)) return 0;
        if (IN(1) < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs pads");
        if (!cc_const_ints(c, n, IN(1), "pads", pads, 2 * TRIT_MAX_RANK, &np)) return 0;
        value_id = IN(2);
        if (IN(3) >= 0 && !cc_const_ints(c, n, IN(3), "axes", axes, TRIT_MAX_RANK, &na)) return 0;
    }
    if (!cc_attr_string(c, n, "mode", "constant", &mode)) return 0;
    if (strcmp(mode, "constant") != 0) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "mode '%s' is not supported", mode);
    int64_t full[2 * TRIT_MAX_RANK] = {0};
    if (na != (size_t)-1) {
        if (np != 2 * na) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "pads must have 2 entries per axis");
        for (size_t i = 0; i < na; i++) {
            int64_t a;
            if (!cc_normalise_axis(c, n, axes[i], rank, 0, &a)) return 0;
            full[a] = pads[i];
            full[a + rank] = pads[i + na];
        }
    } else {
        if (np != 2 * (size_t)rank) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "pads must have %d entries", 2 * rank);
        memcpy(full, pads, np * sizeof(int64_t));
    }
    int64_t dims[TRIT_MAX_RANK];
    for (int d = 0; d < rank; d++) {
        if (full[d] > c->limits.max_spatial || full[d + rank] > c->limits.max_spatial || full[d] < -vx->dims[d] ||
            full[d + rank] < -vx->dims[d])
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "pads out of range");
        dims[d] = vx->dims[d] + full[d] + full[d + rank];
        if (dims[d] < 0) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "pads crop below zero");
    }
    if (!cc_set_shape(c, y, vx->dtype, rank, dims)) return 0;
    vx = &c->values[x];
    step *s = cc_new_step(c, STEP_PAD, ni);
    if (!s) return 0;
    if (value_id >= 0) {
        if (!cc_is_const(c, value_id)) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "constant_value must be a constant");
        if (c->values[value_id].dtype != vx->dtype || c->values[value_id].count != 1)
            return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "constant_value must be one value of the data's type");
        memcpy(s->u.pad.value, cc_const_data(c, value_id), onnx_dtype_size(vx->dtype));
    } else {
        float f = (float)value;
        if (vx->dtype == TRIT_FLOAT32) memcpy(s->u.pad.value, &f, 4);
        else {
            int64_t i64 = (int64_t)value;
            int32_t i32 = (int32_t)value;
            int8_t i8 = (int8_t)value;
            uint8_t u8 = (uint8_t)value;
            const void *src = vx->dtype == TRIT_INT64 ? (const void *)&i64 : vx->dtype == TRIT_INT32 ? (const void *)&i32
                            : vx->dtype == TRIT_INT8 ? (const void *)&i8 : (const void *)&u8;
            memcpy(s->u.pad.value, src, onnx_dtype_size(vx->dtype));
        }
    }
    s->u.pad.element_size = onnx_dtype_size(vx->dtype);
    s->u.pad.rank = rank;
    memcpy(s->u.pad.x_dims, vx->dims, sizeof s->u.pad.x_dims);
    memcpy(s->u.pad.pads, full, sizeof full);
    s->in[0] = x;
    s->out = y;
    return cc_finish_step(c, s);
}

int cc_lower_concat(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    static const char *const known[] = {"axis", NULL};
    if (!cc_check_attributes(c, n, known)) return 0;
    int y = OUT0;
    if (n->input_count < 1) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs inputs");
    int first = IN(0);
    if (first < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "empty input name");
    int64_t axis;
    tvalue *v0 = &c->values[first];
    if (!cc_attr_int(c, n, "axis", c->onnx.opset < 4 ? 1 : INT64_MAX, &axis)) return 0;
    if (axis == INT64_MAX) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "needs an axis");
    if (!cc_normalise_axis(c, n, axis, v0->rank, 0, &axis)) return 0;
    int count = (int)n->input_count;
    int *inputs = trit_pool_array(&c->m->pool, (size_t)count, sizeof(int));
    int64_t *sizes = trit_pool_array(&c->m->pool, (size_t)count, sizeof(int64_t));
    const void **pointers = trit_pool_array(&c->m->pool, (size_t)count, sizeof(void *));
    if (!inputs || !sizes || !pointers) return cc_no_memory(c);
    int64_t dims[TRIT_MAX_RANK];
    memcpy(dims, v0->dims, sizeof dims);
    dims[axis] = 0;
    for (int i = 0; i < count; i++) {
        int id = IN(i);
        if (id < 0) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "empty input name");
        tvalue *v = &c->values[id];
        if (v->dtype != v0->dtype || v->rank != v0->rank) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "inputs differ in type or rank");
        for (int d = 0; d < v->rank; d++)
            if (d != axis && v->dims[d] != v0->dims[d])
                return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "input %d differs in dimension %d", i, d);
        inputs[i] = id;
        sizes[i] = v->dims[axis];
        dims[axis] += v->dims[axis];
    }
    if (!cc_set_shape(c, y, v0->dtype, v0->rank, dims)) return 0;
    step *s = cc_new_step(c, STEP_CONCAT, ni);
    if (!s) return 0;
    v0 = &c->values[first];
    s->u.concat.element_size = onnx_dtype_size(v0->dtype);
    s->u.concat.outer = cc_dims_product(v0->dims, 0, (int)axis);
    s->u.concat.inner = cc_dims_product(v0->dims, (int)axis + 1, v0->rank);
    s->u.concat.count = count;
    s->u.concat.inputs = inputs;
    s->u.concat.axis_sizes = sizes;
    s->u.concat.pointers = pointers;
    s->out = y;
    return cc_finish_step(c, s);
}
