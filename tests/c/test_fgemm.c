/* Every variant of the float Gemm family (trit_fgemm_kernels) against the reference, bit for bit
 * (both sum each output over k ascending with a plain multiply and add), over a sweep: M 1..5,
 * N and K 1..130 (odd ones too), B as [K][N] and [N][K], alpha and beta, C absent / [N] / [1] /
 * [M][N] / [M][1], with and without residual and clamp epilogues. Checks nothing is written past Y. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/kernels/fgemm/fgemm.h"
#include "check.h"
#define RNG_SEED 0x853C49E6748FEA9Bull
#include "conv_cases.h"

static int checked[8], simd_checked;

static void run_case(int m, int n, int k, int trans_b, int c_kind, int epilogue_kind) {
    trit_gemm_params p = {m, n, k, 0, trans_b, 1.0f, 0.0f, 0, 0};
    if (rnd_below(3) == 0) p.alpha = 0.5f + rnd_float(-1.0f, 1.0f);
    float *a = malloc((size_t)m * k * sizeof(float)), *b = malloc((size_t)k * n * sizeof(float));
    float *c = malloc((size_t)m * n * sizeof(float)), *residual = malloc((size_t)m * n * sizeof(float));
    float *expect = malloc(((size_t)m * n + 8) * sizeof(float)), *y = malloc(((size_t)m * n + 8) * sizeof(float));
    for (int i = 0; i < m * k; i++) a[i] = rnd_float(-1.0f, 1.0f);
    for (int i = 0; i < k * n; i++) b[i] = rnd_float(-1.0f, 1.0f);
    for (int i = 0; i < m * n; i++) c[i] = rnd_float(-1.0f, 1.0f), residual[i] = rnd_float(-1.0f, 1.0f);
    const float *cp = NULL;
    if (c_kind) {
        p.beta = rnd_below(2) ? 1.0f : 0.25f + rnd_float(-1.0f, 1.0f);
        cp = c;
        if (c_kind == 1) p.c_stride_m = 0, p.c_stride_n = 1;            /* [N] */
        if (c_kind == 2) p.c_stride_m = 0, p.c_stride_n = 0;            /* [1] */
        if (c_kind == 3) p.c_stride_m = (size_t)n, p.c_stride_n = 1;    /* [M][N] */
        if (c_kind == 4) p.c_stride_m = 1, p.c_stride_n = 0;            /* [M][1] */
    }
    trit_epilogue e = {epilogue_kind == 1 ? residual : NULL, -INFINITY, INFINITY};
    if (epilogue_kind == 2) e.min = 0.0f;
    if (epilogue_kind == 3) e.min = -0.25f, e.max = 0.5f;
    trit_ref_gemm_f32(&p, a, b, cp, &e, expect);
    for (int v = 0; trit_fgemm_kernels[v]; v++) {
        const trit_fgemm_kernel *kernel = trit_fgemm_kernels[v];
        if (!kernel->supports(&p)) continue;
        const size_t bytes = kernel->packed_size(&p);
        CHECK_MSG(bytes > 0, "%s: packed size 0", kernel->name);
        void *packed = malloc(bytes ? bytes : 1);
        kernel->pack(&p, b, packed);
        for (int i = 0; i < m * n + 8; i++) y[i] = 12345.0f;
        kernel->run(&p, packed, a, cp, &e, y);
        int bad = 0;
        for (int i = 0; i < m * n && bad < 3; i++)
            if (memcmp(&y[i], &expect[i], sizeof(float)) != 0) {
                bad++;
                CHECK_MSG(0, "%s: M %d N %d K %d transB %d C %d epilogue %d: y[%d] = %.9g, reference %.9g", kernel->name, m,
                          n, k, trans_b, c_kind, epilogue_kind, i, y[i], expect[i]);
            }
        if (!bad) CHECK(1);
        for (int i = m * n; i < m * n + 8; i++) CHECK_MSG(y[i] == 12345.0f, "%s wrote past y", kernel->name);
        checked[v]++;
        if (trit_fgemm_kernels[v + 1]) simd_checked++;
        free(packed);
    }
    free(a), free(b), free(c), free(residual), free(expect), free(y);
}

int main(int argc, char **argv) {
    const int random_count = argc > 1 ? atoi(argv[1]) : 400;
    static const int dims[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65, 127, 130};
    const int dim_count = (int)(sizeof dims / sizeof dims[0]);
    run_case(1, 10, 64, 1, 1, 0);    /* ResNet-20's FC */
    run_case(1, 1000, 512, 1, 1, 0); /* ResNet-18's FC */
    for (int i = 0; i < random_count; i++)
        run_case(1 + rnd_below(5), dims[rnd_below(dim_count)], dims[rnd_below(dim_count)], rnd_below(2), rnd_below(5),
                 rnd_below(4));
    for (int v = 0; trit_fgemm_kernels[v]; v++)
        printf("  %-32s ran %d of %d cases\n", trit_fgemm_kernels[v]->name, checked[v], random_count + 2);
#if defined(__SSE2__) || defined(__wasm_simd128__)
    CHECK_MSG(simd_checked == random_count + 2, "the SIMD variant of this build ran on %d cases", simd_checked);
#endif
    return CHECK_REPORT("test_fgemm");
}
