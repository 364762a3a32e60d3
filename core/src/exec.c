/* Executor: one step at a time, pointers resolved from value ids (constants own their data,
 * runtime values sit in the arena). Used by trit_model_run and, with constants only, by the
 * compiler's constant folding (compile/steps.c), so folded and run-time results come from the same
 * code. The compiler computes a few things itself, from the same functions: BatchNormalization's
 * scale and shift when its parameters are constant (trit_ref_batchnorm_params, as STEP_BATCHNORM
 * here), and their folding into a conv's weights and bias (compile/fuse.c, w * scale and
 * b * scale + shift, which reorders no sum). */
#include <math.h>
#include <string.h>

#include "engine.h"
#include "format.h"
#include "threads.h"

void *trit_value_pointer(tvalue *values, unsigned char *arena, int id) {
    if (id < 0) return NULL;
    tvalue *v = &values[id];
    if (v->data) return v->data;
    tvalue *root = &values[v->root];
    if (root->data) return root->data;
    return arena ? arena + root->offset : NULL;
}

static float scalar_f32(tvalue *values, unsigned char *arena, int id, float fallback) {
    const float *p = trit_value_pointer(values, arena, id);
    return p ? p[0] : fallback;
}

/* An integer scalar of the value's own type (uint8, int8, int32, int64), or the fallback. */
static int64_t scalar_int(tvalue *values, unsigned char *arena, int id, int64_t fallback) {
    const void *p = trit_value_pointer(values, arena, id);
    if (!p) return fallback;
    switch (values[id].dtype) {
    case TRIT_UINT8: return *(const uint8_t *)p;
    case TRIT_INT8: return *(const int8_t *)p;
    case TRIT_INT32: return *(const int32_t *)p;
    default: return *(const int64_t *)p;
    }
}

/* Softmax along a middle axis: x viewed as [outer][n][inner]. Same arithmetic as the reference
 * kernel (subtract the max, exp, divide by the sum), just strided. */
static void softmax_strided(size_t outer, size_t n, size_t inner, const float *x, float *y) {
    for (size_t o = 0; o < outer; o++) {
        for (size_t i = 0; i < inner; i++) {
            const float *xs = x + o * n * inner + i;
            float *ys = y + o * n * inner + i;
            float max = xs[0];
            for (size_t k = 1; k < n; k++)
                if (xs[k * inner] > max) max = xs[k * inner];
            float sum = 0;
            for (size_t k = 0; k < n; k++) {
                ys[k * inner] = expf(xs[k * inner] - max);
                sum += ys[k * inner];
            }
            for (size_t k = 0; k < n; k++) ys[k * inner] /= sum;
        }
    }
}

trit_status trit_exec_step(const step *s, tvalue *values, unsigned char *arena, void *scratch, char *message,
                           size_t message_size) {
#define P(i) trit_value_pointer(values, arena, s->in[i])
    void *y = trit_value_pointer(values, arena, s->out);
    if (!scratch && s->scratch_bytes && arena) scratch = arena + s->scratch_offset;
    trit_epilogue e = {(const float *)trit_value_pointer(values, arena, s->residual), s->clamp_min, s->clamp_max};
    switch (s->kind) {
    case STEP_CONV:
        trit_ref_conv2d_f32(&s->u.conv.shape, P(0), P(1), P(2), &e, y);
        break;
    case STEP_FCONV:
#ifdef TRIT_THREADS /* split among threads where a pool is set and the kernel can (threads.h) */
        if (trit_threads_step(s, P(0), P(2), &e, y, scratch)) break;
#endif
        s->u.fconv.kernel->run(&s->u.fconv.shape, s->u.fconv.packed, P(0), P(2), &e, y, scratch);
        break;
    case STEP_TCONV:
#ifdef TRIT_THREADS
        if (trit_threads_step(s, P(0), P(2), &e, y, scratch)) break;
#endif
        s->u.tconv.kernel->run(&s->u.tconv.shape, s->u.tconv.packed, P(0), P(2), &e, y, scratch);
        break;
    case STEP_GEMM:
        if (s->u.gemm.kernel) s->u.gemm.kernel->run(&s->u.gemm.p, s->u.gemm.packed, P(0), P(2), &e, y);
        else trit_ref_gemm_f32(&s->u.gemm.p, P(0), P(1), P(2), &e, y);
        break;
    case STEP_AFFINE:
        trit_ref_channel_affine_f32(s->u.affine.batch, s->u.affine.channels, s->u.affine.spatial, P(0), P(1), P(2),
                                    &e, y);
        break;
    case STEP_BATCHNORM: {
        /* runtime parameters: scale' = gamma / sqrt(var + eps), shift' = beta - mean * scale' */
        int c = s->u.affine.channels;
        float *scale = scratch, *shift = scale + c;
        trit_ref_batchnorm_params(c, P(1), P(2), P(3), P(4), s->u.affine.epsilon, scale, shift);
        trit_ref_channel_affine_f32(s->u.affine.batch, c, s->u.affine.spatial, P(0), scale, shift, &e, y);
        break;
    }
    case STEP_MAXPOOL:
        if (values[s->out].dtype != TRIT_FLOAT32) trit_ref_maxpool_8bit(&s->u.conv.shape, values[s->out].dtype == TRIT_INT8, P(0), y);
        else if (s->scratch_bytes) trit_maxpool_f32(&s->u.conv.shape, P(0), y, scratch);
        else trit_ref_maxpool_f32(&s->u.conv.shape, P(0), y);
        break;
    case STEP_AVGPOOL:
        trit_ref_avgpool_f32(&s->u.conv.shape, s->u.conv.count_include_pad, s->u.conv.pad_bottom, s->u.conv.pad_right,
                             P(0), y);
        break;
    case STEP_GLOBAL_AVGPOOL:
        trit_ref_global_avgpool_f32(s->u.affine.batch, s->u.affine.channels, s->u.affine.spatial, P(0), y);
        break;
    case STEP_GLOBAL_MAXPOOL:
        trit_ref_global_maxpool_f32(s->u.affine.batch, s->u.affine.channels, s->u.affine.spatial, P(0), y);
        break;
    case STEP_CLAMP: {
        if (s->u.clamp.dtype != TRIT_FLOAT32) {
            int64_t lo = scalar_int(values, arena, s->in[1], s->u.clamp.imin);
            int64_t hi = scalar_int(values, arena, s->in[2], s->u.clamp.imax);
            trit_ref_clamp_int((trit_dtype)s->u.clamp.dtype, s->u.clamp.count, P(0), lo, hi, y);
            break;
        }
        float lo = scalar_f32(values, arena, s->in[1], s->clamp_min);
        float hi = scalar_f32(values, arena, s->in[2], s->clamp_max);
        trit_ref_clamp_f32(s->u.clamp.count, P(0), lo, hi, y);
        break;
    }
    case STEP_BINARY:
        trit_ref_binary(s->u.binary.op, (trit_dtype)values[s->out].dtype, s->u.binary.rank, s->u.binary.dims, P(0),
                        s->u.binary.a_strides, P(1), s->u.binary.b_strides, y);
        break;
    case STEP_SOFTMAX:
        if (s->u.softmax.inner == 1) trit_ref_softmax_f32(s->u.softmax.outer, s->u.softmax.n, P(0), y);
        else softmax_strided(s->u.softmax.outer, s->u.softmax.n, s->u.softmax.inner, P(0), y);
        break;
    case STEP_CAST:
        trit_ref_cast((trit_dtype)s->u.cast.from, (trit_dtype)s->u.cast.to, s->u.cast.count, P(0), y);
        break;
    case STEP_DEQUANTIZE:
        trit_ref_dequantize_linear((trit_dtype)s->u.dequantize.x_type, s->u.dequantize.outer, s->u.dequantize.axis_size,
                                   s->u.dequantize.inner, P(0), P(1), P(2), y);
        break;
    case STEP_QUANTIZE:
        trit_ref_quantize_linear((trit_dtype)s->u.dequantize.x_type, s->u.dequantize.outer, s->u.dequantize.axis_size,
                                 s->u.dequantize.inner, P(0), P(1), P(2), y);
        break;
    case STEP_GATHER: {
        /* indices are checked and normalised here: they may come from the caller at run time */
        int64_t *normalised = scratch;
        const void *raw = P(1);
        int index_type = values[s->in[1]].dtype;
        int64_t size = (int64_t)s->u.gather.axis_size;
        for (size_t i = 0; i < s->u.gather.index_count; i++) {
            int64_t k = index_type == TRIT_INT32 ? ((const int32_t *)raw)[i] : ((const int64_t *)raw)[i];
            if (k < 0) k += size;
            if (k < 0 || k >= size) {
                trit_format(message, message_size, "node '%s' (Gather): index %lld is out of range for axis size %lld",
                         s->name, (long long)(index_type == TRIT_INT32 ? ((const int32_t *)raw)[i] : ((const int64_t *)raw)[i]),
                         (long long)size);
                return TRIT_ERROR_ARGUMENT;
            }
            normalised[i] = k;
        }
        trit_ref_gather(s->u.gather.element_size, s->u.gather.outer, s->u.gather.axis_size, s->u.gather.inner, P(0),
                        normalised, s->u.gather.index_count, y);
        break;
    }
    case STEP_SLICE:
        trit_ref_slice(s->u.slice.element_size, s->u.slice.rank, s->u.slice.x_dims, s->u.slice.starts, s->u.slice.steps,
                       s->u.slice.y_dims, P(0), y);
        break;
    case STEP_PAD:
        trit_ref_pad_constant(s->u.pad.element_size, s->u.pad.rank, s->u.pad.x_dims, s->u.pad.pads, s->u.pad.value,
                              P(0), y);
        break;
    case STEP_CONCAT:
        for (int i = 0; i < s->u.concat.count; i++)
            s->u.concat.pointers[i] = trit_value_pointer(values, arena, s->u.concat.inputs[i]);
        trit_ref_concat(s->u.concat.element_size, s->u.concat.outer, s->u.concat.inner, s->u.concat.count,
                        s->u.concat.pointers, s->u.concat.axis_sizes, y);
        break;
    case STEP_COPY:
        if (s->u.copy.bytes) memmove(y, P(0), s->u.copy.bytes);
        break;
    case STEP_UNARY:
        s->u.unary.fn(s->u.unary.count, P(0), y);
        break;
    }
    return TRIT_OK;
#undef P
}
