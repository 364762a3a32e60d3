/* Run-time ISA selection for the native x86 variants (*__avx2.c): each such file compiles its kernel
 * body for AVX2 + FMA between TRIT_X86_TARGET_BEGIN and TRIT_X86_TARGET_END (a per-function target,
 * so the rest of the library, and every other machine, stays baseline x86-64), and its supports()
 * asks trit_x86_has_avx2() first, outside that region, so no AVX instruction runs on a CPU without
 * it. The wasm builds compile these files to nothing (their bodies sit under TRIT_X86_AVX2). */
#ifndef TRIT_X86_TARGET_H
#define TRIT_X86_TARGET_H

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__wasm__)
#define TRIT_X86_AVX2 1
#if defined(__clang__)
#define TRIT_X86_TARGET_BEGIN _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define TRIT_X86_TARGET_END _Pragma("clang attribute pop")
#else
#define TRIT_X86_TARGET_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define TRIT_X86_TARGET_END _Pragma("GCC pop_options")
#endif

/* Nonzero when this CPU runs AVX2 and FMA (cpuid, cached by the compiler's runtime). */
static inline int trit_x86_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

#endif
