/* Ternary convolution kernel family (float32 activations, NCHW).
 *
 * Each variant lives beside the scalar reference in this folder and is listed once in
 * tconv_list.c; the graph compiler, the tests and the benchmark all use that one list.
 * A variant repacks the weights once at load into its own layout (into memory the caller
 * allocated, of the size it reported), then runs without allocating and without failing.
 * Gemm (fully connected) is the 1×1 conv case with in_h = in_w = 1.
 */
#ifndef TRIT_TCONV_H
#define TRIT_TCONV_H

#include <stddef.h>

#include "../../ops/ops.h"

/* A variant's work-splitting entries (below) as its list shows them: left out (NULL) of the
 * single-threaded wasm builds, where nothing splits, so their code lives only inlined in run() there
 * and trit.wasm does not grow for them; every other build (native, trit-mt.wasm) lists them. */
#ifndef TRIT_SPLIT
#if defined(__wasm__) && !defined(TRIT_THREADS)
#define TRIT_SPLIT(entry) (0 ? (entry) : NULL)
#else
#define TRIT_SPLIT(entry) (entry)
#endif
#endif

typedef struct trit_tconv_kernel {
    const char *name; /* e.g. "tconv_f32_sparse__wasmsimd", the symbol's own name */
    /* Nonzero when this variant handles the geometry (and this build's ISA). */
    int (*supports)(const trit_conv_shape *shape, const trit_ternary_weights *weights);
    /* Bytes of packed weights, or 0 when the size would overflow. */
    size_t (*packed_size)(const trit_conv_shape *shape, const trit_ternary_weights *weights);
    void (*pack)(const trit_conv_shape *shape, const trit_ternary_weights *weights, void *packed);
    /* Bytes of scratch memory run() needs (the executor gives it from the arena). */
    size_t (*scratch_size)(const trit_conv_shape *shape);
    void (*run)(const trit_conv_shape *shape, const void *packed, const float *x, const float *bias,
                const trit_epilogue *epilogue, float *y, void *scratch);
    /* Work splitting (docs/KERNELS.md "Work splitting"; all NULL where the variant runs whole only),
     * one image (batch 1) at a time: prepare() writes into scratch what every range reads (the
     * input's flat copy or its 8-bit form, the output targets); run_range() then computes units
     * [begin, end) of range_units() -- tiles or output channels, the variant's choice -- reading
     * scratch only and writing only those units' outputs, so ranges may run concurrently, each with
     * `own`, own_size() bytes of its own (16-aligned; own_size NULL or 0: none). prepare + run_range
     * over [0, range_units) computes bit for bit what run() does (run() is exactly that). */
    void (*prepare)(const trit_conv_shape *shape, const void *packed, const float *x, void *scratch);
    int (*range_units)(const trit_conv_shape *shape);
    void (*run_range)(const trit_conv_shape *shape, const void *packed, const float *bias, const trit_epilogue *epilogue,
                      float *y, const void *scratch, void *own, int begin, int end);
    size_t (*own_size)(const trit_conv_shape *shape);
    /* prepare() itself split (NULL: it runs whole, on the caller): prepare_range() writes units
     * [begin, end) of prepare_units() -- rows of the prepared copy -- with `own` (own_size() bytes)
     * for its temporaries; the ranges together write exactly what prepare() does. */
    int (*prepare_units)(const trit_conv_shape *shape);
    void (*prepare_range)(const trit_conv_shape *shape, const void *packed, const float *x, void *scratch, void *own,
                          int begin, int end);
} trit_tconv_kernel;

/* All variants compiled into this build, best first, the reference last; NULL-terminated. */
extern const trit_tconv_kernel *const trit_tconv_kernels[];

/* The first variant of a NULL-terminated list (this family's or tconv_i8's) that supports the layer. */
const trit_tconv_kernel *trit_tconv_first(const trit_tconv_kernel *const *list, const trit_conv_shape *shape,
                                          const trit_ternary_weights *weights);

/* The first variant in the list that supports the shape (the reference supports everything). */
const trit_tconv_kernel *trit_tconv_select(const trit_conv_shape *shape, const trit_ternary_weights *weights);

#endif
