/* ONNX ModelProto decoder for trit's subset. Decodes into plain structs (strings and arrays in a
 * pool; tensor data allocated one block per tensor through the hook so the compiler can keep
 * the ones it needs). Checks the wire format and the tensor encodings; what the ops mean is the
 * compiler's business. */
#ifndef TRIT_ONNX_H
#define TRIT_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "pool.h"
#include "trit.h"

/* ONNX AttributeProto.AttributeType */
enum {
    ONNX_ATTR_UNDEFINED = 0,
    ONNX_ATTR_FLOAT = 1,
    ONNX_ATTR_INT = 2,
    ONNX_ATTR_STRING = 3,
    ONNX_ATTR_TENSOR = 4,
    ONNX_ATTR_GRAPH = 5,
    ONNX_ATTR_FLOATS = 6,
    ONNX_ATTR_INTS = 7,
    ONNX_ATTR_STRINGS = 8,
    ONNX_ATTR_TENSORS = 9,
    ONNX_ATTR_GRAPHS = 10,
    ONNX_ATTR_SPARSE_TENSOR = 11,
    ONNX_ATTR_SPARSE_TENSORS = 12,
    ONNX_ATTR_TYPE_PROTO = 13,
    ONNX_ATTR_TYPE_PROTOS = 14
};

typedef struct onnx_tensor {
    const char *name;
    int dtype; /* ONNX TensorProto.DataType; only trit_dtype values get this far */
    int rank;
    int64_t dims[TRIT_MAX_RANK];
    size_t count;
    void *data;        /* count elements, native layout; trit_alloc'd; NULL when count == 0 */
    size_t file_bytes; /* bytes its data took in the file */
} onnx_tensor;

typedef struct onnx_attribute {
    const char *name;
    int type;
    float f;
    int64_t i;
    const char *s;
    size_t s_length;
    onnx_tensor *t;
    float *floats;
    size_t float_count;
    int64_t *ints;
    size_t int_count;
    int has_ref; /* ref_attr_name set (function bodies only) */
} onnx_attribute;

typedef struct onnx_node {
    const char *name;
    const char *op_type;
    const char *domain;
    const char **inputs; /* "" = omitted optional input */
    size_t input_count;
    const char **outputs;
    size_t output_count;
    onnx_attribute *attributes;
    size_t attribute_count;
} onnx_node;

typedef struct onnx_value_info {
    const char *name;
    int elem_type; /* 0 = unknown */
    int has_shape;
    int rank;
    int64_t dims[TRIT_MAX_RANK];
    int dim_is_symbolic[TRIT_MAX_RANK]; /* dim_param or no value */
} onnx_value_info;

typedef struct onnx_graph {
    const char *name;
    onnx_node *nodes;
    size_t node_count;
    onnx_tensor *initializers;
    size_t initializer_count;
    onnx_value_info *inputs;
    size_t input_count;
    onnx_value_info *outputs;
    size_t output_count;
} onnx_graph;

typedef struct onnx_model {
    int64_t ir_version;
    int64_t opset;          /* default domain ("" or "ai.onnx"); 0 when absent */
    const char *producer_name;
    onnx_graph graph;
    const char **metadata_keys;
    const char **metadata_values;
    size_t metadata_count;
} onnx_model;

typedef struct onnx_limits {
    size_t max_tensor_elements;
    size_t max_nodes;
} onnx_limits;

/* Decode `bytes`. On failure returns the status and writes a one-line reason into message.
 * Decoded strings/arrays live in `pool`; free tensor data with onnx_model_free_data. */
trit_status onnx_decode_model(const void *bytes, size_t size, const onnx_limits *limits, trit_pool *pool,
                              onnx_model *out, char *message, size_t message_size);
/* Decode a standalone TensorProto (the CLI's input_*.pb files). Data is trit_alloc'd. */
trit_status onnx_decode_tensor(const void *bytes, size_t size, const onnx_limits *limits, trit_pool *pool,
                               onnx_tensor *out, char *message, size_t message_size);
void onnx_model_free_data(onnx_model *model);

size_t onnx_dtype_size(int dtype); /* 0 for dtypes trit does not support */
const char *onnx_dtype_name(int dtype);
const onnx_attribute *onnx_find_attribute(const onnx_node *node, const char *name);

#endif
