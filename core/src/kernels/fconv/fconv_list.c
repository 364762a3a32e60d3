/* The one list of float conv variants: the compiler picks the first that supports a layer, the
 * tests run each against the reference, the benchmark times each. Best first. */
#include "fconv.h"

#if defined(__wasm_simd128__) /* *__wasmsimd.c is built only for wasm SIMD128 */
extern const trit_fconv_kernel trit_fconv_f32_dense__wasmsimd;
#endif
#if defined(__SSE2__) /* *__sse2.c is built only for x86 */
extern const trit_fconv_kernel trit_fconv_f32_dense__sse2;
#endif
#include "../x86_target.h"
#if defined(TRIT_X86_AVX2) /* *__avx2.c: native x86 only, used where cpuid says AVX2 + FMA */
extern const trit_fconv_kernel trit_fconv_f32_dense__avx2;
#endif
#if !defined(__wasm_simd128__) /* never needed beside SIMD128; kept out of trit.wasm (size) */
extern const trit_fconv_kernel trit_fconv_f32_dense__scalar;
#endif
extern const trit_fconv_kernel trit_fconv_f32_ref;

const trit_fconv_kernel *const trit_fconv_kernels[] = {
#if defined(__wasm_simd128__)
    &trit_fconv_f32_dense__wasmsimd,
#endif
#if defined(TRIT_X86_AVX2)
    &trit_fconv_f32_dense__avx2,
#endif
#if defined(__SSE2__)
    &trit_fconv_f32_dense__sse2,
#endif
#if !defined(__wasm_simd128__)
    &trit_fconv_f32_dense__scalar, /* plain C: where no SIMD variant supports the layer */
#endif
    &trit_fconv_f32_ref,
    NULL,
};

const trit_fconv_kernel *trit_fconv_select(const trit_conv_shape *shape) {
    for (int i = 0; trit_fconv_kernels[i]; i++) {
        if (trit_fconv_kernels[i]->supports(shape)) return trit_fconv_kernels[i];
    }
    return NULL; /* unreachable: the reference supports every shape */
}
