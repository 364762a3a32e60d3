/* The reference variant of the float Gemm family: B kept as given, the scalar reference kernel. */
#include <string.h>

#include "../../alloc.h"
#include "fgemm.h"

static int ref_supports(const trit_gemm_params *p) {
    (void)p;
    return 1;
}

static size_t ref_packed_size(const trit_gemm_params *p) {
    size_t count, bytes;
    if (!trit_size_mul((size_t)p->k, (size_t)p->n, &count) || !trit_size_mul(count, sizeof(float), &bytes)) return 0;
    return bytes ? bytes : sizeof(float);
}

static void ref_pack(const trit_gemm_params *p, const float *b, void *packed) {
    memcpy(packed, b, (size_t)p->k * (size_t)p->n * sizeof(float));
}

static void ref_run(const trit_gemm_params *p, const void *packed, const float *a, const float *c, const trit_epilogue *e,
                    float *y) {
    trit_ref_gemm_f32(p, a, packed, c, e, y);
}

const trit_fgemm_kernel trit_fgemm_f32_ref = {"fgemm_f32_ref", ref_supports, ref_packed_size, ref_pack, ref_run};
