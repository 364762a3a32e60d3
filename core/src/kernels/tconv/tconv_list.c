/* The one list of ternary conv variants: the compiler picks the first that supports a layer,
 * the tests run each against the reference, the benchmark times each. Best first. */
#include "tconv.h"

#if defined(__wasm_simd128__) /* *__wasmsimd.c is built only for wasm SIMD128 */
extern const trit_tconv_kernel trit_tconv_f32_triples__wasmsimd, trit_tconv_f32_sparse__wasmsimd;
#endif
#if defined(__SSE2__) /* *__sse2.c is built only for x86 */
extern const trit_tconv_kernel trit_tconv_f32_triples__sse2, trit_tconv_f32_sparse__sse2;
#endif
#include "../x86_target.h"
#if defined(TRIT_X86_AVX2) /* *__avx2.c: native x86 only, used where cpuid says AVX2 + FMA */
extern const trit_tconv_kernel trit_tconv_f32_triples__avx2, trit_tconv_f32_sparse__avx2;
#endif
#if !defined(__wasm_simd128__) /* never needed beside SIMD128; kept out of trit.wasm (size) */
extern const trit_tconv_kernel trit_tconv_f32_sparse__scalar;
#endif
extern const trit_tconv_kernel trit_tconv_f32_ref;

const trit_tconv_kernel *const trit_tconv_kernels[] = {
#if defined(__wasm_simd128__)
    &trit_tconv_f32_triples__wasmsimd,
#endif
#if defined(TRIT_X86_AVX2)
    &trit_tconv_f32_triples__avx2,
#endif
#if defined(__SSE2__)
    &trit_tconv_f32_triples__sse2,
#endif
#if defined(__wasm_simd128__)
    &trit_tconv_f32_sparse__wasmsimd,
#endif
#if defined(TRIT_X86_AVX2)
    &trit_tconv_f32_sparse__avx2,
#endif
#if defined(__SSE2__)
    &trit_tconv_f32_sparse__sse2,
#endif
#if !defined(__wasm_simd128__)
    &trit_tconv_f32_sparse__scalar, /* plain C: where no SIMD variant supports the layer */
#endif
    &trit_tconv_f32_ref,
    NULL,
};

const trit_tconv_kernel *trit_tconv_first(const trit_tconv_kernel *const *list, const trit_conv_shape *shape,
                                          const trit_ternary_weights *weights) {
    for (int i = 0; list[i]; i++)
        if (list[i]->supports(shape, weights)) return list[i];
    return NULL;
}

const trit_tconv_kernel *trit_tconv_select(const trit_conv_shape *shape, const trit_ternary_weights *weights) {
    return trit_tconv_first(trit_tconv_kernels, shape, weights); /* never NULL: the reference supports every shape */
}
