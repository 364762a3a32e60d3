/* Neg (core/src/compile/lower_neg.c), the worked example of adding an element-wise op: y = -x on
 * float32 at run time and folded from a constant, signed zeros, infinities and NaN; other types
 * and attributes are refused naming the node. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "onnx_builder.h"
#include "trit.h"

/* x -> Neg -> y, x a graph input or (constant) an initializer holding `values` */
static trit_status neg_model(int dtype, int constant, const float *values, int with_attribute, trit_model **out) {
    int64_t dims[1] = {6};
    pbw g = {0};
    if (constant) ONNX_INITIALIZER(&g, "x", dtype, 1, dims, values, 6 * sizeof(float));
    else ONNX_INPUT(&g, "x", dtype, 1, dims);
    pbw n = mk_node("Neg", "negate", LIST("x"), LIST("y"));
    if (with_attribute) mk_attr_int(&n, "alpha", 1);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", dtype, 1, dims);
    return mk_create(&g, NULL, out);
}

static void check_negated(const float *x, const float *y) {
    for (int i = 0; i < 6; i++) {
        float want = -x[i];
        CHECK_MSG(memcmp(&y[i], &want, sizeof want) == 0, "y[%d] = %g, expected %g", i, y[i], want);
    }
}

int main(void) {
    const float x[6] = {1.5f, -2.0f, 0.0f, -0.0f, INFINITY, NAN};
    for (int constant = 0; constant < 2; constant++) {
        trit_model *m;
        CHECK(neg_model(TRIT_FLOAT32, constant, x, 0, &m) == TRIT_OK);
        if (!constant) CHECK(trit_model_set_input(m, 0, x, sizeof x) == TRIT_OK);
        CHECK(trit_model_run(m) == TRIT_OK);
        const void *y = NULL;
        size_t bytes = 0;
        CHECK(trit_model_output(m, 0, &y, &bytes) == TRIT_OK && bytes == sizeof x);
        if (y && bytes == sizeof x) check_negated(x, y);
        trit_model_destroy(m);
    }
    trit_model *m;
    CHECK(neg_model(TRIT_INT32, 0, x, 0, &m) == TRIT_ERROR_UNSUPPORTED);
    CHECK(m && strstr(trit_model_message(m), "node 'negate' (Neg)"));
    trit_model_destroy(m);
    CHECK(neg_model(TRIT_FLOAT32, 0, x, 1, &m) == TRIT_ERROR_UNSUPPORTED);
    CHECK(m && strstr(trit_model_message(m), "attribute 'alpha'"));
    trit_model_destroy(m);
    return CHECK_REPORT("test_neg");
}
