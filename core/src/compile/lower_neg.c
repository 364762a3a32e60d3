/* ONNX Neg on float32: y = -x (NaN keeps its payload, -0 and +0 swap). The worked example of an
 * element-wise op in docs/ARCHITECTURE.md: this file, one line in op_table.h, tests/c/test_neg.c. */
#include "compiler.h"

static void neg_f32(size_t count, const float *x, float *y) {
    for (size_t i = 0; i < count; i++) y[i] = -x[i];
}

int cc_lower_neg(compiler *c, int ni, const onnx_node *n, int arg) {
    (void)arg;
    return cc_lower_unary_f32(c, ni, n, neg_f32);
}
