/* The graph compiler's internal interface (core/src/compile/): the state shared by its passes and
 * the helpers they call. docs/ARCHITECTURE.md walks the passes in order.
 *
 * Every helper returns 1 (or a valid id/pointer) on success and 0 (-1, NULL) on failure, with the
 * status and message set once, by the first failure (cc_fail). */
#ifndef TRIT_COMPILER_H
#define TRIT_COMPILER_H

#include "alloc.h"
#include "engine.h"
#include "onnx.h"

typedef struct compiler {
    trit_model *m;
    trit_limits limits;
    trit_pool temp;
    onnx_model onnx;
    tvalue *values;
    size_t value_count, value_capacity;
    int *hash;
    size_t hash_size;
    step *steps;
    size_t step_count, step_capacity;
    int *order;        /* node indices in topological order */
    char *skip;        /* nodes replaced by a recognised ternary weight */
    ternary_weight *ternary;
    size_t ternary_count, ternary_capacity;
    trit_status status;
} compiler;

/* ---- values.c: errors, the name table, shapes, constants, aliases ---- */
int cc_fail(compiler *c, trit_status status, const char *fmt, ...);
int cc_node_fail(compiler *c, const onnx_node *n, trit_status status, const char *fmt, ...);
int cc_no_memory(compiler *c);
int cc_reserve(compiler *c, void **array, size_t *capacity, size_t count, size_t element, size_t first);
const char *cc_node_label(const onnx_node *n);
int cc_find_value(compiler *c, const char *name);
int cc_new_value(compiler *c, const char *name);
/* a new unnamed constant owning `data` (freed on failure) */
int cc_new_const(compiler *c, int dtype, int rank, const int64_t *dims, void *data);
int cc_set_shape(compiler *c, int id, int dtype, int rank, const int64_t *dims);
int cc_same_dims(const tvalue *a, const tvalue *b);
size_t cc_dims_product(const int64_t *dims, int from, int to);
int cc_is_const(compiler *c, int id);
void *cc_const_data(compiler *c, int id);
int64_t cc_const_int(const tvalue *v, const void *data, size_t i);
int cc_const_ints(compiler *c, const onnx_node *n, int id, const char *what, int64_t *out, size_t capacity, size_t *count);
int cc_input_id(compiler *c, const onnx_node *n, size_t i);
int cc_alias_value(compiler *c, int out, int in);
int cc_finish_alias(compiler *c, const onnx_node *n, int x, int rank, const int64_t *dims, int dtype);
int cc_require_dtype(compiler *c, const onnx_node *n, int id, int dtype, const char *what);
int cc_normalise_axis(compiler *c, const onnx_node *n, int64_t axis, int rank, int inclusive_end, int64_t *out);
char *cc_keep_string(compiler *c, const char *s);

/* ---- attrs.c ---- */
int cc_check_attributes(compiler *c, const onnx_node *n, const char *const *known);
int cc_attr_int(compiler *c, const onnx_node *n, const char *name, int64_t fallback, int64_t *out);
int cc_attr_float(compiler *c, const onnx_node *n, const char *name, float fallback, float *out);
int cc_attr_ints(compiler *c, const onnx_node *n, const char *name, const int64_t **out, size_t *count);
int cc_attr_string(compiler *c, const onnx_node *n, const char *name, const char *fallback, const char **out);

/* ---- geometry.c ---- */
typedef struct window {
    int64_t kernel[2], strides[2], dilations[2], pads[4]; /* pads: top, left, bottom, right */
    int64_t out[2];
} window;
int cc_window_geometry(compiler *c, const onnx_node *n, const int64_t *in_hw, const int64_t *kernel_hw, int ceil_mode,
                       int spatial, window *w);
int cc_fill_conv_shape(compiler *c, const onnx_node *n, const tvalue *x, int64_t out_channels, const window *w,
                       int64_t group, trit_conv_shape *s);
int cc_broadcast_shapes(compiler *c, const onnx_node *n, const tvalue *a, const tvalue *b, int *rank, int64_t *dims);
void cc_broadcast_strides(const tvalue *v, int rank, const int64_t *out_dims, int64_t *strides);

/* ---- steps.c ---- */
step *cc_new_step(compiler *c, step_kind kind, int node_index);
int cc_finish_step(compiler *c, step *s);

/* ---- the passes, in order (compile.c runs them) ---- */
int cc_build_values(compiler *c);       /* graph.c */
int cc_topological_order(compiler *c);  /* graph.c */
int cc_match_ternary(compiler *c);     /* ternary_match.c */
int cc_keep_needed_nodes(compiler *c);  /* graph.c */
/* lowering: one handler per op family (lower_*.c), dispatched from op_table.h */
#define OP(name, handler, arg, outputs) int handler(compiler *c, int ni, const onnx_node *n, int arg_);
#include "op_table.h"
#undef OP
int cc_check_outputs(compiler *c);      /* graph.c */
int cc_fuse(compiler *c);               /* fuse.c */
int cc_select_kernels(compiler *c);     /* select.c */
int cc_plan(compiler *c);               /* plan.c */
int cc_describe(compiler *c);           /* describe.c */

/* ---- shared by the lowering handlers ---- */
int cc_init_tconv_scales(compiler *c, step *s, float alpha); /* lower_conv_gemm.c */
int cc_lower_unary_f32(compiler *c, int ni, const onnx_node *n, trit_unary_f32 fn); /* lower_elementwise.c */

#define IN(i) cc_input_id(c, n, (i))
#define OUT0 (cc_find_value(c, n->outputs[0]))

#endif
