/* A minimal network runner over the kernel families, for the benchmark only (the product path is
 * the engine in core/src via js_sdk/trit.js). It runs the op list bench/make_models.py writes
 * (conv / maxpool / option-A shortcut / global average pool / FC) with the same kernels the engine
 * selects: ternary convs through trit_tconv_select, the float first conv through trit_fconv_select,
 * max pooling through trit_maxpool_f32, the FC through trit_fgemm_select, global pooling as a plain loop. JS drives it op by op, so each layer can be timed.
 * Ternary codes and scales are recovered from the float weights (w = code * scale per channel). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/src/kernels/fconv/fconv.h"
#include "../core/src/kernels/fgemm/fgemm.h"
#include "../core/src/kernels/pool/pool.h"
#include "../core/src/kernels/tconv/tconv.h"

#define MAX_TENSORS 128
#define MAX_OPS 128

typedef struct tensor {
    int c, h, w;
    float *data;
} tensor;

typedef enum op_kind { OP_TCONV, OP_FCONV, OP_MAXPOOL, OP_SHORTCUT_A, OP_GAP, OP_FC } op_kind;

typedef struct op {
    op_kind kind;
    int x, y, add;
    trit_conv_shape shape;
    trit_epilogue epilogue;
    const trit_tconv_kernel *tconv;
    const trit_fconv_kernel *fconv;
    const trit_fgemm_kernel *fgemm;
    trit_gemm_params gemm;
    void *packed;
    float *bias, *weights;
    int before, after, relu;
} op;

static tensor tensors[MAX_TENSORS];
static int tensor_count;
static op ops[MAX_OPS];
static int op_count;
static void *scratch;
static size_t scratch_bytes;

int rt_tensor(int c, int h, int w) {
    tensor *t = &tensors[tensor_count];
    t->c = c, t->h = h, t->w = w;
    t->data = calloc((size_t)c * h * w, sizeof(float));
    return tensor_count++;
}

float *rt_data(int id) { return tensors[id].data; }

static void need_scratch(size_t bytes) {
    if (bytes > scratch_bytes) {
        free(scratch);
        scratch = malloc(bytes);
        scratch_bytes = bytes;
    }
}

/* w: [cout][cin][k][k] float, b: [cout]; y's shape must already be set by the caller. */
int rt_conv(int x, int y, int add, int k, int stride, int pad, int relu, int ternary, const float *w, const float *b) {
    op *o = &ops[op_count];
    memset(o, 0, sizeof *o);
    const tensor *tx = &tensors[x], *ty = &tensors[y];
    o->x = x, o->y = y, o->add = add;
    o->shape = (trit_conv_shape){1, tx->c, tx->h, tx->w, ty->c, ty->h, ty->w, k, k, stride, stride, 1, 1, pad, pad, 1};
    o->epilogue = (trit_epilogue){add >= 0 ? tensors[add].data : NULL, relu ? 0.0f : -INFINITY, INFINITY};
    o->bias = malloc((size_t)ty->c * sizeof(float));
    memcpy(o->bias, b, (size_t)ty->c * sizeof(float));
    const size_t per_out = (size_t)tx->c * k * k;
    if (ternary) {
        int8_t *codes = malloc((size_t)ty->c * per_out);
        float *pos = malloc((size_t)ty->c * sizeof(float)), *neg = malloc((size_t)ty->c * sizeof(float));
        for (int oc = 0; oc < ty->c; oc++) {
            float p = 0, n = 0;
            for (size_t i = 0; i < per_out; i++) {
                float v = w[oc * per_out + i];
                if (v > p) p = v;
                if (-v > n) n = -v;
            }
            pos[oc] = p, neg[oc] = n;
            for (size_t i = 0; i < per_out; i++) {
                float v = w[oc * per_out + i];
                codes[oc * per_out + i] = v > 0.5f * p && p > 0 ? 1 : (v < -0.5f * n && n > 0 ? -1 : 0);
            }
        }
        trit_ternary_weights tw = {ty->c, per_out, 1, {{codes, pos, neg}}};
        o->kind = OP_TCONV;
        o->tconv = trit_tconv_select(&o->shape, &tw);
        o->packed = malloc(o->tconv->packed_size(&o->shape, &tw));
        o->tconv->pack(&o->shape, &tw, o->packed);
        need_scratch(o->tconv->scratch_size(&o->shape));
        free(codes), free(pos), free(neg);
    } else {
        o->kind = OP_FCONV;
        o->fconv = trit_fconv_select(&o->shape);
        o->packed = malloc(o->fconv->packed_size(&o->shape));
        o->fconv->pack(&o->shape, w, o->packed);
        need_scratch(o->fconv->scratch_size(&o->shape));
    }
    return op_count++;
}

int rt_maxpool(int x, int y, int k, int stride, int pad) {
    op *o = &ops[op_count];
    memset(o, 0, sizeof *o);
    const tensor *tx = &tensors[x], *ty = &tensors[y];
    o->kind = OP_MAXPOOL, o->x = x, o->y = y;
    o->shape = (trit_conv_shape){1, tx->c, tx->h, tx->w, ty->c, ty->h, ty->w, k, k, stride, stride, 1, 1, pad, pad, 1};
    need_scratch(trit_maxpool_f32_scratch_size(&o->shape));
    return op_count++;
}

int rt_shortcut_a(int x, int y, int before, int after) {
    op *o = &ops[op_count];
    memset(o, 0, sizeof *o);
    o->kind = OP_SHORTCUT_A, o->x = x, o->y = y, o->before = before, o->after = after;
    return op_count++;
}

int rt_gap(int x, int y) {
    op *o = &ops[op_count];
    memset(o, 0, sizeof *o);
    o->kind = OP_GAP, o->x = x, o->y = y;
    return op_count++;
}

int rt_fc(int x, int y, const float *w, const float *b) {
    op *o = &ops[op_count];
    memset(o, 0, sizeof *o);
    o->kind = OP_FC, o->x = x, o->y = y;
    size_t n = (size_t)tensors[y].c, k = (size_t)tensors[x].c;
    o->gemm = (trit_gemm_params){1, (int)n, (int)k, 0, 1, 1.0f, 1.0f, 0, 1}; /* W [N][K], bias [N] */
    o->fgemm = trit_fgemm_select(&o->gemm);
    o->weights = malloc(o->fgemm->packed_size(&o->gemm));
    o->fgemm->pack(&o->gemm, w, o->weights);
    o->bias = malloc(n * sizeof(float));
    memcpy(o->bias, b, n * sizeof(float));
    return op_count++;
}

const char *rt_op_kernel(int i) {
    const op *o = &ops[i];
    switch (o->kind) {
    case OP_TCONV: return o->tconv->name;
    case OP_FCONV: return o->fconv->name;
    case OP_MAXPOOL: return "trit_maxpool_f32";
    case OP_SHORTCUT_A: return "shortcut_a (scalar)";
    case OP_GAP: return "trit_ref_global_avgpool_f32";
    default: return o->fgemm->name;
    }
}

void rt_run_op(int i) {
    const op *o = &ops[i];
    const tensor *tx = &tensors[o->x], *ty = &tensors[o->y];
    switch (o->kind) {
    case OP_TCONV:
        o->tconv->run(&o->shape, o->packed, tx->data, o->bias, &o->epilogue, ty->data, scratch);
        break;
    case OP_FCONV:
        o->fconv->run(&o->shape, o->packed, tx->data, o->bias, &o->epilogue, ty->data, scratch);
        break;
    case OP_MAXPOOL: trit_maxpool_f32(&o->shape, tx->data, ty->data, scratch); break;
    case OP_SHORTCUT_A:
        for (int c = 0; c < ty->c; c++) {
            float *yc = ty->data + (size_t)c * ty->h * ty->w;
            const int src = c - o->before;
            for (int i2 = 0; i2 < ty->h; i2++)
                for (int j = 0; j < ty->w; j++)
                    yc[i2 * ty->w + j] = src >= 0 && src < tx->c ? tx->data[((size_t)src * tx->h + 2 * i2) * tx->w + 2 * j] : 0.0f;
        }
        break;
    case OP_GAP: trit_ref_global_avgpool_f32(1, tx->c, (size_t)tx->h * tx->w, tx->data, ty->data); break;
    case OP_FC: {
        const trit_epilogue none = {NULL, -INFINITY, INFINITY};
        o->fgemm->run(&o->gemm, o->weights, tx->data, o->bias, &none, ty->data);
        break;
    }
    }
}

int rt_op_count(void) { return op_count; }

void rt_run_all(void) {
    for (int i = 0; i < op_count; i++) rt_run_op(i);
}
