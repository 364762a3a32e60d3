/* The one list of int8-activation ternary conv variants, best first (see tconv_i8.h). */
#include "tconv_i8.h"

#if defined(__wasm_simd128__) /* *__wasmsimd.c is built only for wasm SIMD128 */
extern const trit_tconv_kernel trit_tconv_i8_dense__wasmsimd, trit_tconv_i8_sparse__wasmsimd;
#endif
#if defined(__SSE2__) /* *__sse2.c is built only for x86 */
extern const trit_tconv_kernel trit_tconv_i8_dense__sse2, trit_tconv_i8_sparse__sse2;
#endif
#include "../x86_target.h"
#if defined(TRIT_X86_AVX2) /* *__avx2.c: native x86 only, used where cpuid says AVX2 + FMA */
extern const trit_tconv_kernel trit_tconv_i8_dense__avx2, trit_tconv_i8_sparse__avx2;
#endif
#if !defined(__wasm_simd128__) /* never needed beside SIMD128; kept out of trit.wasm (size) */
extern const trit_tconv_kernel trit_tconv_i8_sparse__scalar;
#endif
extern const trit_tconv_kernel trit_tconv_i8_ref;

int trit_tconv_i8_dense_always = 0;

const trit_tconv_kernel *const trit_tconv_i8_kernels[] = {
#if defined(__wasm_simd128__)
#if defined(TRIT_WASM_DENSE_I8) /* the kernel tests and benchmarks only: it costs trit.wasm 6,017 B and measured
                                  * slower than the lists on the shipped TTQ model (docs/KERNELS.md "Dense int8") */
    &trit_tconv_i8_dense__wasmsimd, /* only where its cost model beats the lists */
#endif
    &trit_tconv_i8_sparse__wasmsimd,
#endif
#if defined(TRIT_X86_AVX2)
    &trit_tconv_i8_dense__avx2,
    &trit_tconv_i8_sparse__avx2,
#endif
#if defined(__SSE2__)
    &trit_tconv_i8_dense__sse2,
    &trit_tconv_i8_sparse__sse2,
#endif
#if !defined(__wasm_simd128__)
    &trit_tconv_i8_sparse__scalar, /* plain C: where no SIMD variant supports the layer */
#endif
    &trit_tconv_i8_ref,
    NULL,
};

const trit_tconv_kernel *trit_tconv_i8_select(const trit_conv_shape *shape, const trit_ternary_weights *weights) {
    return trit_tconv_first(trit_tconv_i8_kernels, shape, weights); /* NULL: act_scale not > 0, not an int8 layer */
}
