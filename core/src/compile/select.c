/* Kernel selection and packing: every ternary conv and float conv/gemm with constant weights gets
 * the first variant of its family that supports it, and its weights repacked once for it. */
#include <string.h>

#include "compiler.h"

static int pack_ternary(compiler *c) {
    for (size_t si = 0; si < c->step_count; si++) {
        step *s = &c->steps[si];
        if (s->kind != STEP_TCONV) continue;
        ternary_weight *t = &c->ternary[s->u.tconv.ternary];
        trit_ternary_weights w;
        memset(&w, 0, sizeof w);
        w.out_channels = t->out_channels;
        w.per_out = t->per_out;
        w.plane_count = t->plane_count;
        int8_t *codes[TRIT_MAX_PLANES] = {0};
        int ok = 1;
        for (int p = 0; p < t->plane_count; p++) {
            codes[p] = trit_alloc(t->count ? t->count : 1);
            if (!codes[p]) ok = 0;
            else
                for (size_t k = 0; k < t->count; k++) codes[p][k] = trit_ternary_value(t->packed[p], k);
            w.planes[p].codes = codes[p];
            w.planes[p].pos_scale = s->u.tconv.pos[p];
            w.planes[p].neg_scale = s->u.tconv.neg[p];
        }
        w.act_scale = s->u.tconv.act_scale;
        w.act_unsigned = s->u.tconv.act_unsigned;
        const trit_tconv_kernel *kernel = !ok ? NULL
                                          : w.act_scale > 0.0f ? trit_tconv_i8_select(&s->u.tconv.shape, &w)
                                                               : trit_tconv_select(&s->u.tconv.shape, &w);
        size_t bytes = kernel ? kernel->packed_size(&s->u.tconv.shape, &w) : 0;
        void *packed = bytes ? trit_alloc(bytes) : NULL;
        if (packed) kernel->pack(&s->u.tconv.shape, &w, packed);
        for (int p = 0; p < t->plane_count; p++) trit_free(codes[p]);
        if (!ok || !packed) {
            if (ok && kernel && bytes == 0) return cc_fail(c, TRIT_ERROR_LIMIT, "ternary weight '%s' is too large to pack", t->name);
            return cc_no_memory(c);
        }
        s->u.tconv.kernel = kernel;
        s->u.tconv.packed = packed;
        s->scratch_bytes = kernel->scratch_size(&s->u.tconv.shape);
        t->used = 1;
        t->act_scale = w.act_scale;
        t->act_unsigned = w.act_unsigned;
        t->kernel = kernel->name;
    }
    return 1;
}

/* Float convs with constant weights: repacked once for the best fconv variant. */
static int pack_float_convs(compiler *c) {
    for (size_t si = 0; si < c->step_count; si++) {
        step *s = &c->steps[si];
        if (s->kind == STEP_GEMM) {
            /* constant B (an FC layer's weights): repacked for the best fgemm variant */
            if (!cc_is_const(c, s->in[1])) continue;
            const float *b = cc_const_data(c, s->in[1]);
            if (!b) return c->status ? 0 : cc_no_memory(c);
            const trit_fgemm_kernel *kernel = trit_fgemm_select(&s->u.gemm.p);
            size_t bytes = kernel ? kernel->packed_size(&s->u.gemm.p) : 0;
            if (!kernel || bytes == 0) continue;
            void *packed = trit_alloc(bytes);
            if (!packed) return cc_no_memory(c);
            kernel->pack(&s->u.gemm.p, b, packed);
            s->u.gemm.kernel = kernel;
            s->u.gemm.packed = packed;
            c->values[s->in[1]].keep = 1; /* an FC layer's weights stay readable by name (class activation maps) */
            s->weights = s->in[1];
            s->in[1] = -1;
            continue;
        }
        if (s->kind == STEP_MAXPOOL) {
            if (c->values[s->out].dtype == TRIT_FLOAT32) s->scratch_bytes = trit_maxpool_f32_scratch_size(&s->u.conv.shape);
            continue;
        }
        if (s->kind != STEP_CONV || !cc_is_const(c, s->in[1])) continue;
        const float *w = cc_const_data(c, s->in[1]);
        if (!w) return c->status ? 0 : cc_no_memory(c);
        trit_conv_shape shape = s->u.conv.shape;
        const trit_fconv_kernel *kernel = trit_fconv_select(&shape);
        size_t bytes = kernel ? kernel->packed_size(&shape) : 0;
        if (!kernel || bytes == 0) continue; /* stays on the reference kernel */
        void *packed = trit_alloc(bytes);
        if (!packed) return cc_no_memory(c);
        kernel->pack(&shape, w, packed);
        s->kind = STEP_FCONV;
        s->u.fconv.shape = shape;
        s->u.fconv.kernel = kernel;
        s->u.fconv.packed = packed;
        s->weights = s->in[1];
        s->in[1] = -1; /* the packed copy replaces the weights */
        s->scratch_bytes = kernel->scratch_size(&shape);
    }
    return 1;
}

int cc_select_kernels(compiler *c) { return pack_ternary(c) && pack_float_convs(c); }
