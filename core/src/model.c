/* The public API (trit.h) over the compiled model: create/destroy, description, inputs and
 * outputs, run, images and top-k. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "engine.h"
#include "format.h"
#include "image.h"

#define MAX_IMAGE_SIDE 16384

const char *trit_status_name(trit_status status) {
    switch (status) {
#define STATUS_NAME(name, value, meaning) \
    case name: return #name;
        TRIT_STATUS_TABLE(STATUS_NAME)
#undef STATUS_NAME
    }
    return "TRIT_ERROR_UNKNOWN";
}

trit_status trit_fail(trit_model *m, trit_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    trit_vformat(m->message, sizeof m->message, fmt, ap);
    va_end(ap);
    return status;
}

trit_status trit_model_begin(trit_model *m) {
    if (!m) return TRIT_ERROR_ARGUMENT;
    if (!m->loaded) return TRIT_ERROR_STATE; /* keep the load failure message */
    m->message[0] = 0;
    return TRIT_OK;
}

static const char *find_metadata(const trit_model *m, const char *key) {
    for (size_t i = 0; i < m->metadata_count; i++)
        if (strcmp(m->metadata_keys[i], key) == 0) return m->metadata_values[i];
    return NULL;
}

const char *trit_model_metadata(const trit_model *m, const char *key) {
    if (!m || !m->loaded || !key) return NULL;
    return find_metadata(m, key);
}

/* A decimal number ("-0.4914", "2.5e-1"; no hex, inf or nan) at p: its value, and in *end where it
 * stops (p when there is none). Not libc's strtod: in wasm that one pulls in 128-bit long-double
 * arithmetic, about 10 KB. Up to 19 significant digits are kept, then value = digits * 10^exp in
 * double -- exact for the metadata's short decimals, within an ulp otherwise. */
static double parse_decimal(const char *p, const char **end) {
    const char *start = p;
    while (*p == ' ') p++;
    int negative = *p == '-';
    if (*p == '-' || *p == '+') p++;
    uint64_t digits = 0;
    int kept = 0, exponent = 0, any = 0;
    for (; *p >= '0' && *p <= '9'; p++, any = 1) {
        if (kept < 19) digits = digits * 10 + (uint64_t)(*p - '0'), kept += digits != 0;
        else exponent++;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
            if (kept < 19) digits = digits * 10 + (uint64_t)(*p - '0'), kept += digits != 0, exponent--;
        }
    }
    if (!any) {
        *end = start;
        return 0.0;
    }
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int sign = 1, e = 0, e_any = 0;
        if (*q == '-' || *q == '+') sign = *q++ == '-' ? -1 : 1;
        for (; *q >= '0' && *q <= '9'; q++, e_any = 1)
            if (e < 10000) e = e * 10 + (*q - '0');
        if (e_any) exponent += sign * e, p = q;
    }
    double v = (double)digits;
    for (; exponent > 0 && v != 0.0 && v < 1e300; exponent--) v *= 10.0;
    if (exponent > 0 && v != 0.0) v = INFINITY;
    /* divide by a power of ten held exactly in a double (10^22 is the largest) */
    while (exponent < 0 && v != 0.0) {
        const int step = exponent < -22 ? 22 : -exponent;
        double power = 1.0;
        for (int i = 0; i < step; i++) power *= 10.0;
        v /= power;
        exponent += step;
    }
    *end = p;
    return negative ? -v : v;
}

/* "a,b,c" → three floats */
static int parse_three_floats(const char *text, float *out) {
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        const char *end;
        double v = parse_decimal(p, &end);
        if (end == p || !isfinite(v)) return 0;
        out[i] = (float)v;
        p = end;
        while (*p == ' ') p++;
        if (i < 2) {
            if (*p != ',') return 0;
            p++;
        }
    }
    return *p == 0;
}

static trit_status setup_metadata(trit_model *m) {
    const char *labels = find_metadata(m, "trit.labels");
    int parsed = labels ? json_parse_string_array(labels, &m->pool, &m->labels, &m->label_count) : 1;
    if (parsed < 0) return trit_fail(m, TRIT_ERROR_MEMORY, "out of memory reading trit.labels");
    if (!parsed) return trit_fail(m, TRIT_ERROR_FORMAT, "metadata trit.labels is not a JSON array of strings");
    m->pre_mean[0] = m->pre_mean[1] = m->pre_mean[2] = 0.0f;
    m->pre_std[0] = m->pre_std[1] = m->pre_std[2] = 1.0f;
    const char *mean = find_metadata(m, "trit.mean"), *std = find_metadata(m, "trit.std");
    if (mean && !parse_three_floats(mean, m->pre_mean))
        return trit_fail(m, TRIT_ERROR_FORMAT, "metadata trit.mean must be three comma-separated numbers");
    if (std && !parse_three_floats(std, m->pre_std))
        return trit_fail(m, TRIT_ERROR_FORMAT, "metadata trit.std must be three comma-separated numbers");
    for (int i = 0; i < 3; i++)
        if (m->pre_std[i] == 0.0f) return trit_fail(m, TRIT_ERROR_FORMAT, "metadata trit.std has a zero");
    m->pre_filter = TRIT_FILTER_AREA;
    const char *filter = find_metadata(m, "trit.resize_filter");
    if (filter) {
        if (strcmp(filter, "area") == 0) m->pre_filter = TRIT_FILTER_AREA;
        else if (strcmp(filter, "bilinear") == 0) m->pre_filter = TRIT_FILTER_BILINEAR;
        else return trit_fail(m, TRIT_ERROR_FORMAT, "metadata trit.resize_filter must be area or bilinear");
    }
    if (m->input_count) {
        const tvalue *in = &m->values[m->inputs[0]];
        if (in->rank == 4) {
            m->pre_height = (int)(in->dims[2] < 1 << 30 ? in->dims[2] : 0);
            m->pre_width = (int)(in->dims[3] < 1 << 30 ? in->dims[3] : 0);
        }
        m->preprocess_ok = in->dtype == TRIT_FLOAT32 && in->rank == 4 && in->dims[0] == 1 && in->dims[1] == 3 &&
                           m->pre_height > 0 && m->pre_width > 0;
    }
    m->pre_resize = m->pre_height > m->pre_width ? m->pre_height : m->pre_width;
    const char *resize = find_metadata(m, "trit.resize");
    if (resize) {
        char *end;
        long v = strtol(resize, &end, 10);
        if (end == resize || *end || v < 1 || v > MAX_IMAGE_SIDE)
            return trit_fail(m, TRIT_ERROR_FORMAT, "metadata trit.resize must be a positive integer");
        m->pre_resize = (int)v;
    }
    return TRIT_OK;
}

void trit_fill_tensor_info(const tvalue *v, trit_tensor_info *info) {
    memset(info, 0, sizeof *info);
    info->name = v->name;
    info->dtype = (trit_dtype)v->dtype;
    info->rank = v->rank;
    for (int i = 0; i < v->rank; i++) info->dims[i] = v->dims[i];
    info->element_count = v->count;
    info->byte_size = v->bytes;
}

trit_status trit_model_create(const void *bytes, size_t size, const trit_limits *limits, trit_model **out_model) {
    if (!out_model) return TRIT_ERROR_ARGUMENT;
    trit_model *m = trit_calloc(1, sizeof *m);
    *out_model = m;
    if (!m) return TRIT_ERROR_MEMORY;
    trit_status status = trit_compile(m, bytes, size, limits);
    if (status == TRIT_OK) status = setup_metadata(m);
    if (status == TRIT_OK) {
        m->input_infos = trit_pool_array(&m->pool, m->input_count + 1, sizeof(trit_tensor_info));
        m->output_infos = trit_pool_array(&m->pool, m->output_count + 1, sizeof(trit_tensor_info));
        if (!m->input_infos || !m->output_infos) status = trit_fail(m, TRIT_ERROR_MEMORY, "out of memory");
    }
    if (status != TRIT_OK) {
        if (!m->message[0]) trit_format(m->message, sizeof m->message, "%s", trit_status_name(status));
        trit_model_release_contents(m);
        m->input_count = m->output_count = 0;
        return status;
    }
    for (size_t i = 0; i < m->input_count; i++) trit_fill_tensor_info(&m->values[m->inputs[i]], &m->input_infos[i]);
    for (size_t i = 0; i < m->output_count; i++) trit_fill_tensor_info(&m->values[m->outputs[i]], &m->output_infos[i]);
    m->loaded = 1;
    m->message[0] = 0;
    return TRIT_OK;
}

void trit_model_destroy(trit_model *m) {
    if (!m) return;
    trit_model_release_contents(m);
    trit_free(m);
}

const char *trit_model_message(const trit_model *m) { return m ? m->message : "no model (NULL handle)"; }

size_t trit_model_input_count(const trit_model *m) { return m && m->loaded ? m->input_count : 0; }
size_t trit_model_output_count(const trit_model *m) { return m && m->loaded ? m->output_count : 0; }

static trit_status tensor_info(trit_model *m, size_t index, int output, trit_tensor_info *out_info) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    const size_t count = output ? m->output_count : m->input_count;
    const char *what = output ? "output" : "input";
    if (!out_info || index >= count)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "%s index %zu out of range (%zu %ss)", what, index, count, what);
    *out_info = output ? m->output_infos[index] : m->input_infos[index];
    return TRIT_OK;
}

trit_status trit_model_input_info(trit_model *m, size_t index, trit_tensor_info *out_info) { return tensor_info(m, index, 0, out_info); }
trit_status trit_model_output_info(trit_model *m, size_t index, trit_tensor_info *out_info) { return tensor_info(m, index, 1, out_info); }

static void *input_pointer(trit_model *m, size_t index) {
    return trit_value_pointer(m->values, m->arena, m->inputs[index]);
}

trit_status trit_model_set_input(trit_model *m, size_t index, const void *data, size_t byte_size) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (index >= m->input_count)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "input index %zu out of range (%zu inputs)", index, m->input_count);
    const tvalue *v = &m->values[m->inputs[index]];
    if (byte_size != v->bytes)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "input '%s' takes %zu bytes, got %zu", v->name, v->bytes, byte_size);
    if (!data && byte_size) return trit_fail(m, TRIT_ERROR_ARGUMENT, "input data is NULL");
    if (byte_size) memcpy(input_pointer(m, index), data, byte_size);
    return TRIT_OK;
}

trit_status trit_model_run(trit_model *m) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    for (size_t i = 0; i < m->step_count; i++) {
        st = trit_exec_step(&m->steps[i], m->values, m->arena, NULL, m->message, sizeof m->message);
        if (st) return st;
    }
    return TRIT_OK;
}

trit_status trit_model_output(trit_model *m, size_t index, const void **out_data, size_t *out_byte_size) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (!out_data || index >= m->output_count)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "output index %zu out of range (%zu outputs)", index, m->output_count);
    const tvalue *v = &m->values[m->outputs[index]];
    *out_data = trit_value_pointer(m->values, m->arena, m->outputs[index]);
    if (out_byte_size) *out_byte_size = v->bytes;
    return TRIT_OK;
}

/* ---- images ------------------------------------------------------------------------------------ */
static trit_status check_image_input(trit_model *m, trit_preprocess *p) {
    if (!m->preprocess_ok) {
        const tvalue *in = m->input_count ? &m->values[m->inputs[0]] : NULL;
        return trit_fail(m, TRIT_ERROR_SHAPE, "input 0 %s%s%s is not a float [1, 3, H, W] image tensor", in ? "'" : "",
                         in ? in->name : "", in ? "'" : "");
    }
    p->height = m->pre_height;
    p->width = m->pre_width;
    p->resize = m->pre_resize;
    p->filter = (trit_resize_filter)m->pre_filter;
    for (int i = 0; i < 3; i++) {
        p->mean[i] = m->pre_mean[i];
        p->std[i] = m->pre_std[i];
    }
    return TRIT_OK;
}

trit_status trit_model_set_input_rgba(trit_model *m, const uint8_t *rgba, int width, int height, size_t stride) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    trit_preprocess p;
    if ((st = check_image_input(m, &p))) return st;
    if (!rgba || width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || stride < (size_t)width * 4)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "bad RGBA image: %dx%d, stride %zu", width, height, stride);
    st = trit_image_preprocess(rgba, width, height, stride, 4, &p, input_pointer(m, 0));
    if (st) return trit_fail(m, st, "image preprocessing failed (%s)", trit_status_name(st));
    return TRIT_OK;
}

trit_status trit_model_set_input_image(trit_model *m, const void *encoded, size_t size) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    trit_preprocess p;
    if ((st = check_image_input(m, &p))) return st;
    if (!encoded || size == 0) return trit_fail(m, TRIT_ERROR_ARGUMENT, "no image bytes");
    uint8_t *rgb = NULL;
    int width = 0, height = 0;
    char reason[200] = "";
    st = trit_image_decode_rgb(encoded, size, MAX_IMAGE_SIDE, &rgb, &width, &height, reason, sizeof reason);
    if (st) return trit_fail(m, st, "%s", reason[0] ? reason : "the image could not be decoded");
    st = trit_image_preprocess(rgb, width, height, (size_t)width * 3, 3, &p, input_pointer(m, 0));
    trit_free(rgb);
    if (st) return trit_fail(m, st, "image preprocessing failed (%s)", trit_status_name(st));
    return TRIT_OK;
}

trit_status trit_model_top_k(trit_model *m, int k, trit_class_score *out_scores, size_t *out_count) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (k < 1 || !out_scores || !out_count) return trit_fail(m, TRIT_ERROR_ARGUMENT, "top_k needs k >= 1 and output pointers");
    if (m->output_count == 0) return trit_fail(m, TRIT_ERROR_STATE, "the model has no outputs");
    const tvalue *v = &m->values[m->outputs[0]];
    if (v->dtype != TRIT_FLOAT32 || v->count == 0) return trit_fail(m, TRIT_ERROR_SHAPE, "output 0 is not a non-empty float tensor");
    size_t classes = v->rank ? (size_t)v->dims[v->rank - 1] : 1;
    if (classes == 0) return trit_fail(m, TRIT_ERROR_SHAPE, "output 0 has no classes");
    const float *x = trit_value_pointer(m->values, m->arena, m->outputs[0]); /* first row */
    float max = x[0];
    for (size_t i = 1; i < classes; i++)
        if (x[i] > max) max = x[i];
    double sum = 0;
    if (!m->ends_in_softmax)
        for (size_t i = 0; i < classes; i++) sum += exp((double)x[i] - max);
    size_t count = (size_t)k < classes ? (size_t)k : classes;
    /* selection: each pass takes the best not yet taken (ties → lower index) */
    float previous = INFINITY;
    size_t previous_index = 0;
    for (size_t r = 0; r < count; r++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < classes; i++) {
            int after_previous = r == 0 || x[i] < previous || (x[i] == previous && i > previous_index);
            if (!after_previous) continue;
            if (best == SIZE_MAX || x[i] > x[best]) best = i;
        }
        if (best == SIZE_MAX) best = 0; /* NaNs only */
        out_scores[r].index = (int)best;
        out_scores[r].probability = m->ends_in_softmax ? x[best] : (float)(exp((double)x[best] - max) / sum);
        out_scores[r].label = best < m->label_count ? m->labels[best] : "";
        previous = x[best];
        previous_index = best;
    }
    *out_count = count;
    return TRIT_OK;
}

trit_status trit_model_classify_image(trit_model *m, const void *encoded, size_t size, int k, trit_class_score *out_scores,
                                      size_t *out_count) {
    trit_status st = trit_model_set_input_image(m, encoded, size);
    if (!st) st = trit_model_run(m);
    if (!st) st = trit_model_top_k(m, k, out_scores, out_count);
    return st;
}

/* ---- description -------------------------------------------------------------------------------- */
static const ternary_weight *used_ternary(const trit_model *m, size_t layer) {
    size_t k = 0;
    for (size_t i = 0; i < m->ternary_count; i++) {
        if (!m->ternary[i].used) continue;
        if (k++ == layer) return &m->ternary[i];
    }
    return NULL;
}

trit_status trit_model_ternary_codes(trit_model *m, size_t layer, int8_t *out_codes, size_t capacity) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    const ternary_weight *t = used_ternary(m, layer);
    if (!t) return trit_fail(m, TRIT_ERROR_ARGUMENT, "ternary layer %zu out of range", layer);
    if (!out_codes || capacity < t->count)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "ternary layer %zu has %zu codes, capacity is %zu", layer, t->count, capacity);
    for (size_t k = 0; k < t->count; k++) out_codes[k] = trit_ternary_value(t->packed[0], k);
    return TRIT_OK;
}

static void json_tensor_list(json_writer *w, const trit_model *m, const int *ids, size_t count) {
    json_raw(w, "[");
    for (size_t i = 0; i < count; i++) {
        const tvalue *v = &m->values[ids[i]];
        json_raw(w, i ? ", {\"name\": " : "{\"name\": ");
        json_string(w, v->name);
        json_raw(w, ", \"dtype\": ");
        json_string(w, v->dtype == TRIT_FLOAT32 ? "float32" : v->dtype == TRIT_UINT8 ? "uint8" : v->dtype == TRIT_INT8 ? "int8"
                       : v->dtype == TRIT_INT32 ? "int32" : "int64");
        json_raw(w, ", \"dims\": [");
        for (int d = 0; d < v->rank; d++) {
            if (d) json_raw(w, ", ");
            json_int(w, (long long)v->dims[d]);
        }
        json_raw(w, "]}");
    }
    json_raw(w, "]");
}

trit_status trit_model_info_json(trit_model *m, const char **out_json) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (!out_json) return trit_fail(m, TRIT_ERROR_ARGUMENT, "out_json is NULL");
    if (m->info_json) {
        *out_json = m->info_json;
        return TRIT_OK;
    }
    json_writer w = {0};
    const char *name = trit_model_metadata(m, "trit.name");
    json_raw(&w, "{\"name\": ");
    json_string(&w, name ? name : m->graph_name);
    json_raw(&w, ", \"producer\": ");
    json_string(&w, m->producer);
    json_raw(&w, ", \"opset\": ");
    json_int(&w, (long long)m->opset);
    json_raw(&w, ", \"file_bytes\": ");
    json_int(&w, (long long)m->file_bytes);
    json_raw(&w, ", \"inputs\": ");
    json_tensor_list(&w, m, m->inputs, m->input_count);
    json_raw(&w, ", \"outputs\": ");
    json_tensor_list(&w, m, m->outputs, m->output_count);
    json_raw(&w, ", \"ops\": {");
    for (size_t i = 0; i < m->op_kinds; i++) {
        if (i) json_raw(&w, ", ");
        json_string(&w, m->ops[i].op);
        json_raw(&w, ": ");
        json_int(&w, (long long)m->ops[i].count);
    }
    json_raw(&w, "}, \"nodes_compiled\": ");
    json_int(&w, (long long)m->step_count);
    json_raw(&w, ", \"parameters\": ");
    json_int(&w, (long long)m->parameters);
    json_raw(&w, ", \"ternary_parameters\": ");
    json_int(&w, (long long)m->ternary_parameters);
    size_t zeros = 0, total = 0;
    for (size_t i = 0; i < m->ternary_count; i++) {
        const ternary_weight *t = &m->ternary[i];
        if (!t->used) continue;
        zeros += t->zero_weights;
        total += t->count;
    }
    json_raw(&w, ", \"sparsity\": ");
    json_float(&w, total ? (double)zeros / (double)total : 0.0);
    json_raw(&w, ", \"bits_per_weight\": ");
    json_float(&w, m->parameters ? 8.0 * (double)m->weight_file_bytes / (double)m->parameters : 0.0);
    json_raw(&w, ", \"ternary_layers\": [");
    size_t layer = 0;
    for (size_t i = 0; i < m->ternary_count; i++) {
        const ternary_weight *t = &m->ternary[i];
        if (!t->used) continue;
        json_raw(&w, layer++ ? ", {\"name\": " : "{\"name\": ");
        json_string(&w, t->name);
        json_raw(&w, ", \"op\": ");
        json_string(&w, t->op ? t->op : "Conv");
        json_raw(&w, ", \"dims\": [");
        for (int d = 0; d < t->rank; d++) {
            if (d) json_raw(&w, ", ");
            json_int(&w, (long long)t->dims[d]);
        }
        json_raw(&w, "], \"planes\": ");
        json_int(&w, t->plane_count);
        json_raw(&w, ", \"zeros\": ");
        json_int(&w, (long long)t->zeros);
        json_raw(&w, ", \"positive\": ");
        json_int(&w, (long long)t->positive);
        json_raw(&w, ", \"negative\": ");
        json_int(&w, (long long)t->negative);
        json_raw(&w, ", \"sparsity\": ");
        json_float(&w, t->count ? (double)t->zero_weights / (double)t->count : 0.0);
        json_raw(&w, ", \"activations\": ");
        json_string(&w, t->act_scale <= 0.0f ? "float32" : t->act_unsigned ? "uint8" : "int8");
        if (t->act_scale > 0.0f) {
            json_raw(&w, ", \"activation_scale\": ");
            json_float(&w, t->act_scale);
        }
        json_raw(&w, ", \"kernel\": ");
        json_string(&w, t->kernel ? t->kernel : "");
        json_raw(&w, "}");
    }
    json_raw(&w, "], \"labels\": [");
    for (size_t i = 0; i < m->label_count; i++) {
        if (i) json_raw(&w, ", ");
        json_string(&w, m->labels[i]);
    }
    json_raw(&w, "], \"preprocess\": {\"height\": ");
    json_int(&w, m->pre_height);
    json_raw(&w, ", \"width\": ");
    json_int(&w, m->pre_width);
    json_raw(&w, ", \"resize\": ");
    json_int(&w, m->pre_resize);
    json_raw(&w, ", \"filter\": ");
    json_string(&w, m->pre_filter == TRIT_FILTER_BILINEAR ? "bilinear" : "area");
    json_raw(&w, ", \"mean\": [");
    for (int i = 0; i < 3; i++) {
        if (i) json_raw(&w, ", ");
        json_float(&w, m->pre_mean[i]);
    }
    json_raw(&w, "], \"std\": [");
    for (int i = 0; i < 3; i++) {
        if (i) json_raw(&w, ", ");
        json_float(&w, m->pre_std[i]);
    }
    json_raw(&w, "]}, \"metadata\": {");
    for (size_t i = 0; i < m->metadata_count; i++) {
        if (i) json_raw(&w, ", ");
        json_string(&w, m->metadata_keys[i]);
        json_raw(&w, ": ");
        json_string(&w, m->metadata_values[i]);
    }
    json_raw(&w, "}, \"arena_bytes\": ");
    json_int(&w, (long long)m->arena_bytes);
    json_raw(&w, "}");
    if (w.failed) {
        trit_free(w.data);
        return trit_fail(m, TRIT_ERROR_MEMORY, "out of memory while describing the model");
    }
    m->info_json = w.data;
    *out_json = m->info_json;
    return TRIT_OK;
}
