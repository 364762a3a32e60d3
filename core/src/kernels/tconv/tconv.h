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
#include "../split_entries.h"

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

/* The fields after the name of a variant's list entry, for a body (an *_impl.h) whose functions are
 * named SP_NAME(packed_size) and so on: `supports` is SP_NAME(supports), or an AVX2 file's
 * TRIT_TCONV_SUPPORTS_AVX2; the last three are the optional splitting entries the body has, NULL
 * where it has none. Each body wraps this as its SP_KERNEL_ENTRIES(supports). */
#define TRIT_TCONV_ENTRIES(supports, own_size, prepare_units, prepare_range)                                 \
    supports, SP_NAME(packed_size), SP_NAME(pack), SP_NAME(scratch_size), SP_NAME(run), TRIT_SPLIT(SP_NAME(prepare)), \
        TRIT_SPLIT(SP_NAME(range_units)), TRIT_SPLIT(SP_NAME(run_range)), own_size, prepare_units, prepare_range

/* Defines `gate`, the supports() an AVX2 variant lists: placed after TRIT_X86_TARGET_END, so it runs on
 * any x86 CPU, it asks cpuid (../x86_target.h) before calling the body's own, compiled for AVX2. */
#define TRIT_TCONV_SUPPORTS_AVX2(gate, supports)                                         \
    static int gate(const trit_conv_shape *s, const trit_ternary_weights *w) {          \
        return trit_x86_has_avx2() && supports(s, w);                                    \
    }

/* The reference variants' packed weights (tconv_ref.c, which tconv_i8_ref.c shares): pack() copies
 * the codes and scales as they are, unpack() gives the weights back with pointers into `packed`. */
size_t trit_tconv_ref_packed_size(const trit_conv_shape *shape, const trit_ternary_weights *weights);
void trit_tconv_ref_pack(const trit_conv_shape *shape, const trit_ternary_weights *weights, void *packed);
void trit_tconv_ref_unpack(const void *packed, trit_ternary_weights *weights);

/* All variants compiled into this build, best first, the reference last; NULL-terminated. */
extern const trit_tconv_kernel *const trit_tconv_kernels[];

/* The first variant of a NULL-terminated list (this family's or tconv_i8's) that supports the layer. */
const trit_tconv_kernel *trit_tconv_first(const trit_tconv_kernel *const *list, const trit_conv_shape *shape,
                                          const trit_ternary_weights *weights);

/* The first variant in the list that supports the shape (the reference supports everything). */
const trit_tconv_kernel *trit_tconv_select(const trit_conv_shape *shape, const trit_ternary_weights *weights);

#endif
