/* Gemm with constant B, 16 outputs at a time: the body of the SIMD variants. The including file
 * defines SP_VEC, SP_LOAD, SP_STORE, SP_ADD, SP_MUL, SP_SPLAT, SP_ZERO and SP_NAME, then includes
 * this header once.
 *
 * B is packed as blocks of 16 columns: block j holds, for k = 0..K-1, B(k, 16j .. 16j+15) (zeros past
 * N), so a block is one contiguous stream. Per row m and block j: 4 accumulators; per k one splat of
 * A(m, k), 4 loads, 4 multiplies, 4 adds. Each output is summed over k ascending with a plain
 * multiply and add, exactly as the reference does, so results are bit-identical to it. */
#include <stdint.h>
#include <string.h>

#include "../../alloc.h"
#include "fgemm.h"
#include "../load_time.h"

#define FG_BLOCK 16

TRIT_LOAD_TIME static int SP_NAME(supports)(const trit_gemm_params *p) {
    size_t blocks, floats;
    if (p->m < 1 || p->n < 1 || p->k < 1 || p->trans_a) return 0;
    blocks = ((size_t)p->n + FG_BLOCK - 1) / FG_BLOCK;
    return trit_size_mul(blocks * FG_BLOCK, (size_t)p->k, &floats) && floats <= SIZE_MAX / sizeof(float);
}

TRIT_LOAD_TIME static size_t SP_NAME(packed_size)(const trit_gemm_params *p) {
    const size_t blocks = ((size_t)p->n + FG_BLOCK - 1) / FG_BLOCK;
    size_t floats, bytes;
    if (!trit_size_mul(blocks * FG_BLOCK, (size_t)p->k, &floats) || !trit_size_mul(floats, sizeof(float), &bytes)) return 0;
    return bytes;
}

TRIT_LOAD_TIME static void SP_NAME(pack)(const trit_gemm_params *p, const float *b, void *packed) {
    const size_t n_count = (size_t)p->n, k_count = (size_t)p->k, blocks = (n_count + FG_BLOCK - 1) / FG_BLOCK;
    float *out = packed;
    for (size_t j = 0; j < blocks; j++)
        for (size_t k = 0; k < k_count; k++)
            for (size_t l = 0; l < FG_BLOCK; l++) {
                const size_t n = j * FG_BLOCK + l;
                *out++ = n >= n_count ? 0.0f : p->trans_b ? b[n * k_count + k] : b[k * n_count + n];
            }
}

static void SP_NAME(run)(const trit_gemm_params *p, const void *packed, const float *a, const float *c,
                         const trit_epilogue *e, float *y) {
    const size_t n_count = (size_t)p->n, k_count = (size_t)p->k, blocks = (n_count + FG_BLOCK - 1) / FG_BLOCK;
    for (size_t m = 0; m < (size_t)p->m; m++) {
        const float *am = a + m * k_count;
        for (size_t j = 0; j < blocks; j++) {
            const float *w = (const float *)packed + j * k_count * FG_BLOCK;
            SP_VEC s0 = SP_ZERO(), s1 = SP_ZERO(), s2 = SP_ZERO(), s3 = SP_ZERO();
            for (size_t k = 0; k < k_count; k++, w += FG_BLOCK) {
                const SP_VEC x = SP_SPLAT(am[k]);
                s0 = SP_ADD(s0, SP_MUL(x, SP_LOAD(w)));
                s1 = SP_ADD(s1, SP_MUL(x, SP_LOAD(w + 4)));
                s2 = SP_ADD(s2, SP_MUL(x, SP_LOAD(w + 8)));
                s3 = SP_ADD(s3, SP_MUL(x, SP_LOAD(w + 12)));
            }
            float sums[FG_BLOCK];
            SP_STORE(sums, s0), SP_STORE(sums + 4, s1), SP_STORE(sums + 8, s2), SP_STORE(sums + 12, s3);
            const size_t first = j * FG_BLOCK, end = first + FG_BLOCK < n_count ? first + FG_BLOCK : n_count;
            for (size_t n = first; n < end; n++) {
                float v = p->alpha * sums[n - first];
                if (c) v += p->beta * c[m * p->c_stride_m + n * p->c_stride_n];
                const size_t i = m * n_count + n;
                y[i] = e ? trit_apply_epilogue(e, i, v) : v;
            }
        }
    }
}
