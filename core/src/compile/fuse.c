/* Fusions: one pass over the steps after lowering, each rule written as a condition (does it apply
 * to this step, given the step that produces its input?) and an apply. The steps are in topological
 * order and the pass walks them in that order, so a rule sees the producers before it already fused:
 * Conv -> BatchNormalization -> Relu becomes one conv step whose epilogue clamps.
 *
 *   absorb_qdq      Tconv reading DequantizeLinear(QuantizeLinear(x)) (8-bit, per tensor): reads x
 *                   and quantizes inside its kernel (tconv_i8 family)
 *   fold_batchnorm  constant BatchNormalization (STEP_AFFINE) after a conv: scales folded into the
 *                   weights (float) or the per-channel scales (ternary), shift into the bias
 *   fuse_residual   float Add of two same-shape tensors, one written by a conv/gemm: the conv adds the
 *                   other in its epilogue
 *   fuse_clamp      Relu/Clip with constant bounds after a conv/gemm: the epilogue clamps
 * A fused step dies (dead = 1); the producer writes the fused step's output. */
#include <math.h>
#include <string.h>

#include "compiler.h"

/* Can the step that writes `id` take an epilogue (Relu/Clip/residual Add, a folded BatchNormalization)
 * in place of the one step reading it? */
static step *fusable_producer(compiler *c, int id) {
    if (id < 0) return NULL;
    tvalue *v = &c->values[id];
    if (v->kind != VALUE_RUNTIME || v->root != id || v->step < 0 || v->consumers != 1 || v->is_output) return NULL;
    step *s = &c->steps[v->step];
    if (s->dead || s->out != id) return NULL;
    if (s->kind != STEP_CONV && s->kind != STEP_TCONV && s->kind != STEP_GEMM) return NULL;
    if (v->dtype != TRIT_FLOAT32) return NULL;
    return s;
}

static int has_epilogue(const step *s) { return s->residual >= 0 || s->clamp_min != -INFINITY || s->clamp_max != INFINITY; }

/* `producer` now writes what `fused` wrote, in `fused`'s place in the list (which a residual it now
 * reads may need: it is computed after the producer's old place); `fused` dies. */
static void take_over(compiler *c, step *producer, step *fused) {
    step moved = *producer;
    int out = fused->out;
    producer->dead = 1;
    c->values[moved.out].step = -1;
    c->values[moved.out].fused_into = out;
    moved.out = out;
    *fused = moved;
    c->values[out].step = (int)(fused - c->steps);
}

/* A (De)QuantizeLinear step with 8-bit values (int8 or uint8), a constant per-tensor scale (> 0,
 * finite) and an absent or zero zero point: 1, else 0. */
static int act8_tensor_scale(compiler *c, const step *q, float *scale) {
    const int type = q->u.dequantize.x_type;
    if ((type != TRIT_INT8 && type != TRIT_UINT8) || q->u.dequantize.axis_size != 1 || !cc_is_const(c, q->in[1])) return 0;
    if (q->in[2] >= 0 && !cc_is_const(c, q->in[2])) return 0;
    const float *sp = cc_const_data(c, q->in[1]);
    const unsigned char *zp = q->in[2] >= 0 ? cc_const_data(c, q->in[2]) : NULL;
    if (!sp || (q->in[2] >= 0 && !zp) || (zp && zp[0] != 0)) return 0;
    *scale = sp[0];
    return *scale > 0.0f && *scale <= 3.0e38f;
}

/* A ternary conv reading DequantizeLinear(QuantizeLinear(x, s, 0), s, 0) -- int8 or uint8, one
 * scale per tensor, as export.py writes for models with 8-bit activations -- reads x and quantizes it
 * inside its kernel (the tconv_i8 family, docs/KERNELS.md): the same numbers, no 8-bit tensor in the
 * arena. The pair's steps die when nothing else reads their outputs. */
static int absorb_qdq(compiler *c, step *s) {
    if (s->kind != STEP_TCONV) return 1;
    const int dq_out = s->in[0];
    tvalue *vd = &c->values[dq_out];
    if (vd->kind != VALUE_RUNTIME || vd->root != dq_out || vd->step < 0) return 1;
    step *dq = &c->steps[vd->step];
    float dq_scale, q_scale;
    if (dq->dead || dq->kind != STEP_DEQUANTIZE || dq->out != dq_out || !act8_tensor_scale(c, dq, &dq_scale)) return 1;
    const int q_out = dq->in[0];
    tvalue *vq = &c->values[q_out];
    if (vq->kind != VALUE_RUNTIME || vq->root != q_out || vq->step < 0) return 1;
    step *q = &c->steps[vq->step];
    if (q->dead || q->kind != STEP_QUANTIZE || q->out != q_out || !act8_tensor_scale(c, q, &q_scale)) return 1;
    if (q_scale != dq_scale || q->u.dequantize.x_type != dq->u.dequantize.x_type || c->status) return 1;
    const int x = q->in[0];
    s->in[0] = x;
    s->u.tconv.act_scale = q_scale;
    s->u.tconv.act_unsigned = q->u.dequantize.x_type == TRIT_UINT8;
    vd->fused_into = vq->fused_into = s->out;
    c->values[x].consumers++;
    if (--vd->consumers == 0 && !vd->is_output) {
        dq->dead = 1;
        vd->step = -1;
        if (--vq->consumers == 0 && !vq->is_output) {
            q->dead = 1;
            vq->step = -1;
            c->values[x].consumers--;
        }
    }
    return 1;
}

/* Per output channel: w' = w * scale (float weights) or pos/neg * scale (ternary), b' = b * scale + shift. */
static int fold_batchnorm(compiler *c, step *bn) {
    if (bn->kind != STEP_AFFINE) return 1;
    step *conv = fusable_producer(c, bn->in[0]);
    if (!conv || conv->kind == STEP_GEMM || has_epilogue(conv) || (conv->kind == STEP_CONV && !cc_is_const(c, conv->in[1])) ||
        (conv->in[2] >= 0 && !cc_is_const(c, conv->in[2])))
        return 1;
    const int channels = bn->u.affine.channels;
    const float *scale = cc_const_data(c, bn->in[1]), *shift = cc_const_data(c, bn->in[2]);
    const float *bias = conv->in[2] >= 0 ? cc_const_data(c, conv->in[2]) : NULL;
    if (!scale || !shift) return c->status ? 0 : cc_no_memory(c);
    float *folded_bias = trit_alloc((size_t)channels * sizeof(float) + 1);
    if (!folded_bias) return cc_no_memory(c);
    for (int o = 0; o < channels; o++) folded_bias[o] = shift[o] + (bias ? bias[o] : 0.0f) * scale[o];
    int64_t bias_dims[1] = {channels};
    int bias_id = cc_new_const(c, TRIT_FLOAT32, 1, bias_dims, folded_bias);
    if (bias_id < 0) return 0;
    scale = cc_const_data(c, bn->in[1]); /* the value table may have moved */
    if (conv->kind == STEP_CONV) {
        const int w = conv->in[1];
        const float *wd = cc_const_data(c, w);
        const tvalue *vw = &c->values[w];
        float *folded = trit_alloc(vw->bytes);
        if (!folded) return cc_no_memory(c);
        size_t per_out = vw->count / (size_t)channels;
        for (size_t k = 0; k < vw->count; k++) folded[k] = wd[k] * scale[k / per_out];
        int64_t wdims[TRIT_MAX_RANK];
        memcpy(wdims, vw->dims, sizeof wdims);
        int folded_id = cc_new_const(c, TRIT_FLOAT32, vw->rank, wdims, folded);
        if (folded_id < 0) return 0;
        conv->in[1] = folded_id;
    } else {
        for (int p = 0; p < TRIT_MAX_PLANES; p++) {
            if (!conv->u.tconv.pos[p]) continue;
            for (int o = 0; o < channels; o++) {
                conv->u.tconv.pos[p][o] *= scale[o];
                conv->u.tconv.neg[p][o] *= scale[o];
            }
        }
    }
    conv->in[2] = bias_id;
    /* the conv keeps its place; the BatchNormalization's output becomes its output */
    c->values[conv->out].step = -1;
    c->values[conv->out].fused_into = bn->out;
    conv->out = bn->out;
    c->values[bn->out].step = (int)(conv - c->steps);
    bn->dead = 1;
    return 1;
}

static int fuse_residual(compiler *c, step *add) {
    if (add->kind != STEP_BINARY || add->u.binary.op != TRIT_BINARY_ADD || c->values[add->out].dtype != TRIT_FLOAT32) return 1;
    const int a = add->in[0], b = add->in[1];
    if (a == b || !cc_same_dims(&c->values[a], &c->values[b])) return 1;
    for (int side = 0; side < 2; side++) {
        step *producer = fusable_producer(c, side ? b : a);
        if (!producer || has_epilogue(producer)) continue;
        producer->residual = side ? a : b;
        take_over(c, producer, add);
        return 1;
    }
    return 1;
}

static int fuse_clamp(compiler *c, step *clamp) {
    if (clamp->kind != STEP_CLAMP || clamp->u.clamp.dtype != TRIT_FLOAT32 || clamp->in[1] >= 0 || clamp->in[2] >= 0) return 1;
    step *producer = fusable_producer(c, clamp->in[0]);
    if (!producer || producer->clamp_min != -INFINITY || producer->clamp_max != INFINITY) return 1;
    producer->clamp_min = clamp->clamp_min;
    producer->clamp_max = clamp->clamp_max;
    /* the producer keeps its place */
    c->values[producer->out].step = -1;
    c->values[producer->out].fused_into = clamp->out;
    producer->out = clamp->out;
    c->values[clamp->out].step = (int)(producer - c->steps);
    clamp->dead = 1;
    return 1;
}

int cc_fuse(compiler *c) {
    static int (*const rules[])(compiler *, step *) = {absorb_qdq, fold_batchnorm, fuse_residual, fuse_clamp};
    for (size_t i = 0; i < c->step_count; i++)
        for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
            if (!c->steps[i].dead && !rules[r](c, &c->steps[i])) return 0;
    /* drop dead steps, renumber */
    size_t kept = 0;
    for (size_t i = 0; i < c->step_count; i++) {
        if (c->steps[i].dead) continue;
        c->steps[kept] = c->steps[i];
        c->values[c->steps[kept].out].step = (int)kept;
        kept++;
    }
    c->step_count = kept;
    return 1;
}
