/* ONNX backend node-test conformance: runs every test in DIR/test_* folders (model.onnx plus
 * test_data_set_N/input_K.pb and output_K.pb) through trit and compares with the test's outputs
 * (the ONNX backend defaults rtol = 1e-3, atol = 1e-7; integers exactly). A model that trit
 * refuses as TRIT_ERROR_UNSUPPORTED at load is skipped and counted per refused op; any other
 * load error, run error or mismatch is a failure.
 *   conformance DIR [-v] [test_name_substring] */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "onnx.h"
#include "trit.h"

#define RTOL 1e-3
#define ATOL 1e-7

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0) return fclose(f), NULL;
    long length = ftell(f);
    if (length < 0 || fseek(f, 0, SEEK_SET) != 0) return fclose(f), NULL;
    unsigned char *data = malloc((size_t)length + 1);
    if (data && fread(data, 1, (size_t)length, f) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)length;
    return data;
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct skip_count {
    char reason[96];
    int count;
} skip_count;

static skip_count skips[512];
static int skip_kinds = 0;

static void count_skip(const char *message) {
    /* "node 'x' (Op): ..." → "Op"; otherwise the message up to its first ':' */
    char reason[96];
    const char *open = strstr(message, "' (");
    const char *close = open ? strchr(open + 3, ')') : NULL;
    if (open && close && close - open - 3 < (long)sizeof reason) {
        snprintf(reason, sizeof reason, "%.*s", (int)(close - open - 3), open + 3);
    } else { /* the message without quoted names, e.g. "graph input '': type double is not supported" */
        size_t n = 0;
        int quoted = 0;
        reason[n++] = '(';
        for (const char *p = message; *p && n + 2 < sizeof reason; p++) {
            if (*p == '\'') {
                quoted = !quoted;
                continue;
            }
            if (!quoted) reason[n++] = *p;
        }
        reason[n++] = ')';
        reason[n] = 0;
    }
    for (int i = 0; i < skip_kinds; i++)
        if (strcmp(skips[i].reason, reason) == 0) {
            skips[i].count++;
            return;
        }
    if (skip_kinds < 512) {
        snprintf(skips[skip_kinds].reason, sizeof skips[skip_kinds].reason, "%s", reason);
        skips[skip_kinds++].count = 1;
    }
}

static int compare_skips(const void *a, const void *b) {
    const skip_count *x = a, *y = b;
    if (x->count != y->count) return y->count - x->count;
    return strcmp(x->reason, y->reason);
}

static double element(const void *data, int dtype, size_t i) {
    switch (dtype) {
    case TRIT_FLOAT32: return ((const float *)data)[i];
    case TRIT_UINT8: return ((const uint8_t *)data)[i];
    case TRIT_INT8: return ((const int8_t *)data)[i];
    case TRIT_INT32: return ((const int32_t *)data)[i];
    default: return (double)((const int64_t *)data)[i];
    }
}

/* A TensorProto file: the decoded tensor, or the decoder's status and reason. */
typedef struct tensor_file {
    trit_pool pool;
    onnx_tensor t;
    trit_status st;
    char message[256];
} tensor_file;

/* 0 when the file cannot be read; else 1 with f->st saying whether it decoded. */
static int read_tensor(const char *path, tensor_file *f) {
    const onnx_limits limits = {(size_t)1 << 28, 4096};
    size_t size;
    unsigned char *bytes = read_file(path, &size);
    if (!bytes) return 0;
    f->st = onnx_decode_tensor(bytes, size, &limits, &f->pool, &f->t, f->message, sizeof f->message);
    free(bytes);
    return 1;
}

static void free_tensor(tensor_file *f) {
    trit_free(f->t.data);
    trit_pool_release(&f->pool);
}

/* Runs one data set; 1 = pass, 0 = fail (reason written). */
static int run_data_set(trit_model *m, const char *dir, char *why, size_t why_size) {
    char path[4096];
    size_t inputs = trit_model_input_count(m);
    for (size_t i = 0;; i++) {
        snprintf(path, sizeof path, "%s/input_%zu.pb", dir, i);
        if (!exists(path)) {
            if (i != inputs) return snprintf(why, why_size, "%zu input files for %zu inputs", i, inputs), 0;
            break;
        }
        if (i >= inputs) return snprintf(why, why_size, "more input files than the model's %zu inputs", inputs), 0;
        tensor_file f = {0};
        if (!read_tensor(path, &f)) return snprintf(why, why_size, "cannot read %s", path), 0;
        trit_tensor_info info;
        trit_model_input_info(m, i, &info);
        int ok = f.st == TRIT_OK && f.t.dtype == (int)info.dtype && f.t.count == info.element_count &&
                 trit_model_set_input(m, i, f.t.data, info.byte_size) == TRIT_OK;
        if (!ok) snprintf(why, why_size, "input %zu: %s", i, f.st ? f.message : "type or size differs from the model input");
        free_tensor(&f);
        if (!ok) return 0;
    }
    if (trit_model_run(m) != TRIT_OK) return snprintf(why, why_size, "run: %s", trit_model_message(m)), 0;
    for (size_t o = 0; o < trit_model_output_count(m); o++) {
        snprintf(path, sizeof path, "%s/output_%zu.pb", dir, o);
        tensor_file f = {0};
        if (!read_tensor(path, &f)) return snprintf(why, why_size, "cannot read %s", path), 0;
        const onnx_tensor t = f.t;
        trit_tensor_info info;
        const void *data;
        size_t out_bytes;
        trit_model_output_info(m, o, &info);
        trit_model_output(m, o, &data, &out_bytes);
        int ok = 1;
        if (f.st) ok = 0, snprintf(why, why_size, "output %zu: %s", o, f.message);
        else if (t.dtype != (int)info.dtype || t.count != info.element_count || t.rank != info.rank)
            ok = 0, snprintf(why, why_size, "output %zu: expected %s with %zu elements (rank %d), got %s with %zu (rank %d)", o,
                             onnx_dtype_name(t.dtype), t.count, t.rank, onnx_dtype_name(info.dtype), info.element_count, info.rank);
        for (int d = 0; ok && d < t.rank; d++)
            if (t.dims[d] != info.dims[d]) ok = 0, snprintf(why, why_size, "output %zu: dimension %d differs", o, d);
        for (size_t k = 0; ok && k < t.count; k++) {
            double want = element(t.data, t.dtype, k), got = element(data, t.dtype, k);
            if (isnan(want) && isnan(got)) continue;
            int close = t.dtype == TRIT_FLOAT32 ? (fabs(got - want) <= ATOL + RTOL * fabs(want) || (isinf(want) && got == want))
                                                : got == want;
            if (!close) ok = 0, snprintf(why, why_size, "output %zu element %zu: got %.9g, expected %.9g", o, k, got, want);
        }
        free_tensor(&f);
        if (!ok) return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: conformance DIR [-v] [filter]\n");
        return 2;
    }
    const char *root = argv[1], *filter = NULL;
    int verbose = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) verbose = 1;
        else filter = argv[i];
    }
    DIR *d = opendir(root);
    if (!d) {
        fprintf(stderr, "conformance: cannot open %s\n", root);
        return 1;
    }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "test_", 5) != 0) continue;
        if (filter && !strstr(e->d_name, filter)) continue;
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 1024;
            names = realloc(names, capacity * sizeof(char *));
            if (!names) return 1;
        }
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    if (count) qsort(names, count, sizeof(char *), compare_names);
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096], why[512] = "";
        snprintf(path, sizeof path, "%s/%s/model.onnx", root, names[i]);
        size_t size;
        unsigned char *bytes = read_file(path, &size);
        if (!bytes) {
            printf("FAIL %s: cannot read model.onnx\n", names[i]);
            failed++;
            continue;
        }
        trit_model *m = NULL;
        trit_status st = trit_model_create(bytes, size, NULL, &m);
        free(bytes);
        if (st == TRIT_ERROR_UNSUPPORTED) {
            if (verbose) printf("skip %s: %s\n", names[i], trit_model_message(m));
            count_skip(trit_model_message(m));
            skipped++;
            trit_model_destroy(m);
            continue;
        }
        int ok = st == TRIT_OK;
        if (!ok) snprintf(why, sizeof why, "load: %s (%s)", m ? trit_model_message(m) : "no memory", trit_status_name(st));
        int sets = 0;
        for (int k = 0; ok; k++) {
            char set[4096];
            snprintf(set, sizeof set, "%s/%s/test_data_set_%d", root, names[i], k);
            if (!exists(set)) break;
            sets++;
            ok = run_data_set(m, set, why, sizeof why);
        }
        if (ok && sets == 0) ok = 0, snprintf(why, sizeof why, "no test data sets");
        if (ok) {
            passed++;
            if (verbose) printf("pass %s\n", names[i]);
        } else {
            failed++;
            printf("FAIL %s: %s\n", names[i], why);
        }
        trit_model_destroy(m);
    }
    qsort(skips, (size_t)skip_kinds, sizeof skips[0], compare_skips);
    printf("skipped (refused at load as unsupported): %d tests; by refused op or reason:\n ", skipped);
    for (int i = 0; i < skip_kinds; i++) printf(" %s %d%s", skips[i].reason, skips[i].count, i + 1 < skip_kinds ? "," : "\n");
    if (!skip_kinds) printf(" none\n");
    printf("conformance: %d passed, %d failed\n", passed, failed);
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
    return failed ? 1 : 0;
}
