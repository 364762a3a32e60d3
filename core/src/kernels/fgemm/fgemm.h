/* Float Gemm kernel family for constant weights (the final FC of a network, any Gemm/MatMul whose
 * B is an initializer): Y[M][N] = alpha * A[M][K] * op(B)[K][N] + beta * C, then the epilogue, with
 * trit_gemm_params' meaning (ops.h). Same contract as the conv families: B is repacked once at
 * load into the variant's layout (memory the caller allocated), run() never allocates or fails;
 * listed once in fgemm_list.c, tested against the reference in tests/c/test_fgemm.c. */
#ifndef TRIT_FGEMM_H
#define TRIT_FGEMM_H

#include <stddef.h>

#include "../../ops/ops.h"

typedef struct trit_fgemm_kernel {
    const char *name; /* e.g. "fgemm_f32_n16__wasmsimd" */
    int (*supports)(const trit_gemm_params *p);
    /* Bytes of packed B, or 0 when the size would overflow. */
    size_t (*packed_size)(const trit_gemm_params *p);
    /* b: [K][N], or [N][K] when p->trans_b */
    void (*pack)(const trit_gemm_params *p, const float *b, void *packed);
    void (*run)(const trit_gemm_params *p, const void *packed, const float *a, const float *c, const trit_epilogue *e,
                float *y);
} trit_fgemm_kernel;

/* All variants compiled into this build, best first, the reference last; NULL-terminated. */
extern const trit_fgemm_kernel *const trit_fgemm_kernels[];

/* The first variant that supports the shape (the reference supports every shape). */
const trit_fgemm_kernel *trit_fgemm_select(const trit_gemm_params *p);

#endif
