/* Gemm / MatMul.
 *
 * Gemm accumulation order per Y[m][n] (faster variants must stay within float rounding of it):
 *   acc = 0.0f; for k ascending: acc += A(m,k) * B(k,n)
 *   v = alpha * acc; if C: v += beta * C[m*c_stride_m + n*c_stride_n]
 *   y = epilogue(v)   (e == NULL means none)
 */
#include "ops.h"

void trit_ref_gemm_f32(const trit_gemm_params *p, const float *a, const float *b, const float *c,
                       const trit_epilogue *e, float *y) {
    const size_t m_count = (size_t)p->m, n_count = (size_t)p->n, k_count = (size_t)p->k;
    for (size_t m = 0; m < m_count; m++) {
        for (size_t n = 0; n < n_count; n++) {
            float acc = 0.0f;
            for (size_t k = 0; k < k_count; k++) {
                const float a_value = p->trans_a ? a[k * m_count + m] : a[m * k_count + k];
                const float b_value = p->trans_b ? b[n * k_count + k] : b[k * n_count + n];
                acc += a_value * b_value;
            }
            float v = p->alpha * acc;
            if (c) v += p->beta * c[m * p->c_stride_m + n * p->c_stride_n];
            const size_t i = m * n_count + n;
            y[i] = e ? trit_apply_epilogue(e, i, v) : v;
        }
    }
}
