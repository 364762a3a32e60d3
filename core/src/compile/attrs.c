/* Node attributes: typed reads with defaults, and the refusal of any attribute a handler does not know. */
#include <string.h>

#include "compiler.h"

/* Refuse any attribute the op handler does not know: ignoring one could change the result. */
int cc_check_attributes(compiler *c, const onnx_node *n, const char *const *known) {
    for (size_t i = 0; i < n->attribute_count; i++) {
        const onnx_attribute *a = &n->attributes[i];
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            if (strcmp(a->name, *k) == 0) ok = 1;
        if (!ok) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "attribute '%s' is not supported", a->name);
        if (a->has_ref) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "attribute '%s' refers to a function attribute", a->name);
    }
    return 1;
}

/* The attribute `name` if present with the given type: 1 and *out set; absent: 1 and *out NULL;
 * present with another type (or a STRING without a value): 0, a FORMAT error naming it. */
static int typed(compiler *c, const onnx_node *n, const char *name, int type, const char *what, const onnx_attribute **out) {
    const onnx_attribute *a = onnx_find_attribute(n, name);
    *out = NULL;
    if (!a) return 1;
    if (a->type != type || (type == ONNX_ATTR_STRING && !a->s))
        return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "attribute '%s' must be %s", name, what);
    *out = a;
    return 1;
}

int cc_attr_int(compiler *c, const onnx_node *n, const char *name, int64_t fallback, int64_t *out) {
    const onnx_attribute *a;
    *out = fallback;
    if (!typed(c, n, name, ONNX_ATTR_INT, "an int", &a)) return 0;
    if (a) *out = a->i;
    return 1;
}

int cc_attr_float(compiler *c, const onnx_node *n, const char *name, float fallback, float *out) {
    const onnx_attribute *a;
    *out = fallback;
    if (!typed(c, n, name, ONNX_ATTR_FLOAT, "a float", &a)) return 0;
    if (a) *out = a->f;
    return 1;
}

/* ints attribute; *count = (size_t)-1 when absent */
int cc_attr_ints(compiler *c, const onnx_node *n, const char *name, const int64_t **out, size_t *count) {
    const onnx_attribute *a;
    *out = NULL;
    *count = (size_t)-1;
    if (!typed(c, n, name, ONNX_ATTR_INTS, "a list of ints", &a)) return 0;
    if (a) *out = a->ints, *count = a->int_count;
    return 1;
}

int cc_attr_string(compiler *c, const onnx_node *n, const char *name, const char *fallback, const char **out) {
    const onnx_attribute *a;
    *out = fallback;
    if (!typed(c, n, name, ONNX_ATTR_STRING, "a string", &a)) return 0;
    if (a) *out = a->s;
    return 1;
}
