/* trit — native command-line tool over the C library.
 *   trit info MODEL [--json]
 *   trit classify MODEL IMAGE... [--top K] [--json]
 *   trit eval MODEL DIR [--limit N] [--json]
 *   trit run MODEL [INPUT.pb ...] [--out-dir D] [--tensor NAME ...]
 *   trit bench MODEL [--runs N]
 * Any failure: one line on stderr and a non-zero exit code. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alloc.h"
#include "onnx.h"
#include "trit.h"

#define MAX_INPUT_FILE_BYTES ((size_t)1 << 30)

static int die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("trit: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void usage(FILE *out) {
    fputs("usage: trit info MODEL [--json]\n"
          "       trit classify MODEL IMAGE... [--top K] [--json]\n"
          "       trit eval MODEL DIR [--limit N] [--json]\n"
          "       trit run MODEL [INPUT.pb ...] [--out-dir D] [--tensor NAME ...]\n"
          "       trit bench MODEL [--runs N]\n",
          out);
}

/* Whole file into memory; NULL with a message on failure. */
static unsigned char *read_file(const char *path, size_t *out_size, char *why, size_t why_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t capacity = 1 << 16, size = 0;
    unsigned char *data = malloc(capacity);
    while (data) {
        if (size == capacity) {
            if (capacity >= MAX_INPUT_FILE_BYTES) {
                snprintf(why, why_size, "%s is larger than %zu bytes", path, (size_t)MAX_INPUT_FILE_BYTES);
                free(data);
                fclose(f);
                return NULL;
            }
            unsigned char *grown = realloc(data, capacity * 2);
            if (!grown) {
                free(data);
                data = NULL;
                break;
            }
            data = grown;
            capacity *= 2;
        }
        size_t got = fread(data + size, 1, capacity - size, f);
        size += got;
        if (got == 0) break;
    }
    if (!data) {
        snprintf(why, why_size, "out of memory reading %s", path);
        fclose(f);
        return NULL;
    }
    if (ferror(f)) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *out_size = size;
    return data;
}

static trit_model *load_model(const char *path) {
    char why[512];
    size_t size;
    unsigned char *bytes = read_file(path, &size, why, sizeof why);
    if (!bytes) {
        die("%s", why);
        return NULL;
    }
    trit_model *m = NULL;
    trit_status st = trit_model_create(bytes, size, NULL, &m);
    free(bytes);
    if (st != TRIT_OK) {
        die("%s: %s (%s)", path, m ? trit_model_message(m) : "out of memory", trit_status_name(st));
        trit_model_destroy(m);
        return NULL;
    }
    return m;
}

static int parse_positive(const char *text, const char *option, long *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < 1 || v > 100000000) {
        die("%s needs an integer from 1 to 100000000, got '%s'", option, text);
        return 0;
    }
    *out = v;
    return 1;
}

/* ---- info --------------------------------------------------------------------------------------- */
/* The info JSON rendered for people: one top-level key per line; arrays of objects one per line. */
static void print_info_text(const char *json) {
    int depth = 0, in_string = 0, escaped = 0, key = 0, expect_key = 0;
    for (const char *p = json; *p; p++) {
        char ch = *p;
        if (in_string) {
            if (escaped) escaped = 0;
            else if (ch == '\\') escaped = 1;
            else if (ch == '"') in_string = 0;
            if (!(key && !in_string)) putchar(ch);
            continue;
        }
        if (ch == '"') {
            in_string = 1;
            key = expect_key; /* top-level keys are printed bare */
            expect_key = 0;
            if (!key) putchar(ch);
            continue;
        }
        if (ch == '{' && depth == 0) expect_key = 1;
        if (ch == '{' || ch == '[') {
            depth++;
            if (depth == 1) continue;
            putchar(ch);
            if (depth == 2 && ch == '[' && p[1] == '{') fputs("\n    ", stdout), p += 0;
            continue;
        }
        if (ch == '}' || ch == ']') {
            depth--;
            if (depth == 0) {
                putchar('\n');
                continue;
            }
            putchar(ch);
            continue;
        }
        if (ch == ',' && depth == 1) {
            expect_key = 1;
            putchar('\n');
            while (p[1] == ' ') p++;
            continue;
        }
        if (ch == ',' && depth == 2 && p[-1] == '}') {
            fputs(",\n    ", stdout);
            while (p[1] == ' ') p++;
            continue;
        }
        putchar(ch);
    }
}

static int cmd_info(int argc, char **argv) {
    const char *model_path = NULL;
    int json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (argv[i][0] == '-' && argv[i][1]) return die("info: unknown option %s", argv[i]);
        else if (!model_path) model_path = argv[i];
        else return die("info: unexpected argument %s", argv[i]);
    }
    if (!model_path) return die("usage: trit info MODEL [--json]"), 2;
    trit_model *m = load_model(model_path);
    if (!m) return 1;
    const char *info;
    if (trit_model_info_json(m, &info) != TRIT_OK) {
        die("%s", trit_model_message(m));
        trit_model_destroy(m);
        return 1;
    }
    if (json) puts(info);
    else print_info_text(info);
    trit_model_destroy(m);
    return 0;
}

/* ---- classify ------------------------------------------------------------------------------------ */
static void json_print_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

static int cmd_classify(int argc, char **argv) {
    const char *model_path = NULL;
    const char **images = calloc((size_t)argc + 1, sizeof(char *));
    int image_count = 0, json = 0;
    long top = 5;
    if (!images) return die("out of memory");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "--top") == 0) {
            if (i + 1 >= argc) return free(images), die("--top needs a value");
            if (!parse_positive(argv[++i], "--top", &top)) return free(images), 1;
        } else if (argv[i][0] == '-' && argv[i][1]) return free(images), die("classify: unknown option %s", argv[i]);
        else if (!model_path) model_path = argv[i];
        else images[image_count++] = argv[i];
    }
    if (!model_path || image_count == 0) return free(images), die("usage: trit classify MODEL IMAGE... [--top K] [--json]"), 2;
    trit_model *m = load_model(model_path);
    if (!m) return free(images), 1;
    trit_tensor_info out_info;
    if (trit_model_output_info(m, 0, &out_info) == TRIT_OK && out_info.element_count > 0 &&
        (size_t)top > out_info.element_count)
        top = (long)out_info.element_count; /* no more entries than classes */
    /* JSON is printed once every image has been classified: a failure leaves stdout empty, not a
     * half-written array */
    size_t *counts = calloc((size_t)image_count, sizeof *counts);
    trit_class_score *scores = counts ? calloc((size_t)image_count * (size_t)top, sizeof *scores) : NULL;
    int rc = scores ? 0 : die("out of memory");
    for (int i = 0; i < image_count && !rc; i++) {
        char why[512];
        size_t size;
        trit_class_score *mine = scores + (size_t)i * (size_t)top;
        unsigned char *bytes = read_file(images[i], &size, why, sizeof why);
        if (!bytes) {
            rc = die("%s", why);
            break;
        }
        trit_status st = trit_model_classify_image(m, bytes, size, (int)top, mine, &counts[i]);
        free(bytes);
        if (st != TRIT_OK) {
            rc = die("%s: %s (%s)", images[i], trit_model_message(m), trit_status_name(st));
            break;
        }
        if (!json) {
            printf("%s\n", images[i]);
            for (size_t k = 0; k < counts[i]; k++)
                printf("  %2zu. %-20s %7.3f%%  (class %d)\n", k + 1, mine[k].label[0] ? mine[k].label : "-",
                       100.0 * mine[k].probability, mine[k].index);
        }
    }
    if (json && !rc) {
        putchar('[');
        for (int i = 0; i < image_count; i++) {
            const trit_class_score *mine = scores + (size_t)i * (size_t)top;
            printf("%s{\"file\": ", i ? ", " : "");
            json_print_string(images[i]);
            printf(", \"top\": [");
            for (size_t k = 0; k < counts[i]; k++) {
                printf("%s{\"index\": %d, \"label\": ", k ? ", " : "", mine[k].index);
                json_print_string(mine[k].label);
                printf(", \"probability\": %.9g}", mine[k].probability);
            }
            printf("]}");
        }
        puts("]");
    }
    free(scores);
    free(counts);
    free(images);
    trit_model_destroy(m);
    return rc;
}

/* ---- eval ---------------------------------------------------------------------------------------- */
typedef struct class_files {
    char *name;
    char **files;
    size_t count;
} class_files;

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int has_image_extension(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    const char *exts[] = {".jpg", ".jpeg", ".png", ".bmp", ".JPG", ".JPEG", ".PNG", ".BMP"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcmp(dot, exts[i]) == 0) return 1;
    return 0;
}

/* Sorted image files of dir/name; 0 with a message on failure (a missing folder is empty). */
static int list_class(const char *dir, const char *name, class_files *out) {
    size_t path_length = strlen(dir) + strlen(name) + 2;
    char *path = malloc(path_length);
    if (!path) return die("out of memory");
    snprintf(path, path_length, "%s/%s", dir, name);
    out->name = strdup(name);
    out->files = NULL;
    out->count = 0;
    DIR *d = opendir(path);
    if (!d) {
        free(path);
        return 1;
    }
    size_t capacity = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!has_image_extension(e->d_name)) continue;
        if (out->count == capacity) {
            capacity = capacity ? capacity * 2 : 256;
            char **grown = realloc(out->files, capacity * sizeof(char *));
            if (!grown) break;
            out->files = grown;
        }
        size_t length = strlen(path) + strlen(e->d_name) + 2;
        char *file = malloc(length);
        if (!file) break;
        snprintf(file, length, "%s/%s", path, e->d_name);
        out->files[out->count++] = file;
    }
    closedir(d);
    free(path);
    if (out->count) qsort(out->files, out->count, sizeof(char *), compare_strings);
    return 1;
}

static int cmd_eval(int argc, char **argv) {
    const char *model_path = NULL, *dir = NULL;
    long limit = 0;
    int json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "--limit") == 0) {
            if (i + 1 >= argc) return die("--limit needs a value");
            if (!parse_positive(argv[++i], "--limit", &limit)) return 1;
        } else if (argv[i][0] == '-' && argv[i][1]) return die("eval: unknown option %s", argv[i]);
        else if (!model_path) model_path = argv[i];
        else if (!dir) dir = argv[i];
        else return die("eval: unexpected argument %s", argv[i]);
    }
    if (!model_path || !dir) return die("usage: trit eval MODEL DIR [--limit N] [--json]"), 2;
    struct stat st_dir;
    if (stat(dir, &st_dir) != 0 || !S_ISDIR(st_dir.st_mode)) return die("%s is not a directory", dir);
    trit_model *m = load_model(model_path);
    if (!m) return 1;
    const char *info;
    trit_tensor_info out_info;
    if (trit_model_info_json(m, &info) || trit_model_output_info(m, 0, &out_info)) {
        die("%s", trit_model_message(m));
        trit_model_destroy(m);
        return 1;
    }
    size_t classes = out_info.rank ? (size_t)out_info.dims[out_info.rank - 1] : 1;
    /* class order: the model's labels (index i ↔ folder labels[i]) */
    class_files *lists = calloc(classes, sizeof *lists);
    if (!lists) {
        trit_model_destroy(m);
        return die("out of memory");
    }
    int rc = 0;
    size_t total_files = 0;
    /* the class names: "labels": [...] of the info JSON (JSON-escaped quotes and backslashes undone) */
    const char *labels_at = strstr(info, "\"labels\": [");
    char **labels = calloc(classes, sizeof(char *));
    size_t label_count = 0;
    if (labels && labels_at) {
        const char *p = labels_at + strlen("\"labels\": [");
        while (*p == '"' && label_count < classes) {
            p++;
            char buffer[512];
            size_t n = 0;
            while (*p && *p != '"' && n + 1 < sizeof buffer) {
                if (*p == '\\' && p[1]) p++;
                buffer[n++] = *p++;
            }
            buffer[n] = 0;
            if (*p == '"') p++;
            labels[label_count++] = strdup(buffer);
            while (*p == ',' || *p == ' ') p++;
        }
    }
    if (label_count < classes) {
        rc = die("%s: eval needs trit.labels metadata naming the %zu classes (one folder per label)", model_path, classes);
    }
    for (size_t c = 0; c < classes && !rc; c++) {
        if (!list_class(dir, labels[c], &lists[c])) rc = 1;
        total_files += lists[c].count;
    }
    if (!rc && total_files == 0) rc = die("%s: no images found in class folders named after the labels", dir);
    size_t target = limit && (size_t)limit < total_files ? (size_t)limit : total_files;
    size_t *per_total = calloc(classes, sizeof(size_t)), *per_correct = calloc(classes, sizeof(size_t));
    trit_class_score scores[5];
    size_t done = 0, top1 = 0, top5 = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!per_total || !per_correct) rc = rc ? rc : die("out of memory");
    /* round-robin over classes so that --limit N stays balanced */
    for (size_t round = 0; !rc && done < target; round++) {
        int any = 0;
        for (size_t c = 0; c < classes && !rc && done < target; c++) {
            if (round >= lists[c].count) continue;
            any = 1;
            char why[512];
            size_t size, count = 0;
            unsigned char *bytes = read_file(lists[c].files[round], &size, why, sizeof why);
            if (!bytes) {
                if (done >= 100) fputc('\n', stderr); /* end the progress line */
                rc = die("%s", why);
                break;
            }
            trit_status st = trit_model_classify_image(m, bytes, size, 5, scores, &count);
            free(bytes);
            if (st) {
                if (done >= 100) fputc('\n', stderr);
                rc = die("%s: %s (%s)", lists[c].files[round], trit_model_message(m), trit_status_name(st));
                break;
            }
            done++;
            per_total[c]++;
            if (count && (size_t)scores[0].index == c) {
                top1++;
                per_correct[c]++;
            }
            for (size_t k = 0; k < count; k++)
                if ((size_t)scores[k].index == c) top5++;
            if (done % 100 == 0 || done == target)
                fprintf(stderr, "\reval: %zu/%zu  top-1 %.2f%%", done, target, 100.0 * (double)top1 / (double)done);
        }
        if (!any) break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (done && !rc) fputc('\n', stderr);
    if (!rc) {
        double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        double p1 = done ? 100.0 * (double)top1 / (double)done : 0, p5 = done ? 100.0 * (double)top5 / (double)done : 0;
        if (json) {
            printf("{\"images\": %zu, \"top1\": %.4f, \"top5\": %.4f, \"per_class\": {", done, p1, p5);
            for (size_t c = 0; c < classes; c++) {
                if (c) printf(", ");
                json_print_string(labels[c]);
                printf(": %.4f", per_total[c] ? 100.0 * (double)per_correct[c] / (double)per_total[c] : 0.0);
            }
            printf("}}\n");
        } else {
            printf("images: %zu (%.2f ms each)\ntop-1: %.2f%%\ntop-5: %.2f%%\nper class:\n", done,
                   done ? 1000.0 * seconds / (double)done : 0.0, p1, p5);
            for (size_t c = 0; c < classes; c++)
                printf("  %-16s %6.2f%%  (%zu images)\n", labels[c],
                       per_total[c] ? 100.0 * (double)per_correct[c] / (double)per_total[c] : 0.0, per_total[c]);
        }
    }
    for (size_t c = 0; c < classes; c++) {
        for (size_t k = 0; k < lists[c].count; k++) free(lists[c].files[k]);
        free(lists[c].files);
        free(lists[c].name);
        if (labels) free(labels[c]);
    }
    free(lists);
    free(labels);
    free(per_total);
    free(per_correct);
    trit_model_destroy(m);
    return rc;
}

/* ---- run ----------------------------------------------------------------------------------------- */
static void put_varint(FILE *f, uint64_t v) {
    while (v >= 0x80) {
        fputc((int)(v & 0x7F) | 0x80, f);
        v >>= 7;
    }
    fputc((int)v, f);
}

static int write_tensor_pb(const char *path, const trit_tensor_info *info, const void *data) {
    FILE *f = fopen(path, "wb");
    if (!f) return die("cannot write %s: %s", path, strerror(errno));
    for (int d = 0; d < info->rank; d++) {
        put_varint(f, (1 << 3) | 0);
        put_varint(f, (uint64_t)info->dims[d]);
    }
    put_varint(f, (2 << 3) | 0);
    put_varint(f, (uint64_t)info->dtype);
    size_t name_length = strlen(info->name);
    put_varint(f, (8 << 3) | 2);
    put_varint(f, name_length);
    fwrite(info->name, 1, name_length, f);
    put_varint(f, (9 << 3) | 2);
    put_varint(f, info->byte_size);
    if (info->byte_size) fwrite(data, 1, info->byte_size, f);
    if (fclose(f) != 0) return die("cannot write %s", path);
    return 0;
}

/* One tensor of `trit run`: written to OUT_DIR/<stem>_<index>.pb, or printed (name, type, dims, the first values). */
static int emit_tensor(const char *out_dir, const char *stem, size_t index, const trit_tensor_info *info, const void *data) {
    if (out_dir) {
        size_t length = strlen(out_dir) + strlen(stem) + 32;
        char *path = malloc(length);
        if (!path) return die("out of memory");
        snprintf(path, length, "%s/%s_%zu.pb", out_dir, stem, index);
        int rc = write_tensor_pb(path, info, data);
        free(path);
        return rc;
    }
    printf("%s: %s [", info->name, onnx_dtype_name(info->dtype));
    for (int d = 0; d < info->rank; d++) printf("%s%lld", d ? ", " : "", (long long)info->dims[d]);
    printf("]");
    size_t show = info->element_count < 10 ? info->element_count : 10;
    for (size_t k = 0; k < show; k++) {
        if (info->dtype == TRIT_FLOAT32) printf(" %.6g", ((const float *)data)[k]);
        else if (info->dtype == TRIT_INT64) printf(" %lld", (long long)((const int64_t *)data)[k]);
        else if (info->dtype == TRIT_INT32) printf(" %d", ((const int32_t *)data)[k]);
        else if (info->dtype == TRIT_INT8) printf(" %d", ((const int8_t *)data)[k]);
        else printf(" %u", ((const uint8_t *)data)[k]);
    }
    printf("%s\n", show < info->element_count ? " ..." : "");
    return 0;
}

/* Output `index` of the run, or (requested) the index-th tensor asked for with --tensor, through emit_tensor. */
static int emit_result(trit_model *m, const char *out_dir, int requested, size_t index) {
    trit_tensor_info info;
    const void *data;
    size_t bytes;
    if (requested) {
        trit_model_requested_info(m, index, &info);
        trit_model_requested_output(m, index, &data, &bytes);
    } else {
        trit_model_output_info(m, index, &info);
        trit_model_output(m, index, &data, &bytes);
    }
    return emit_tensor(out_dir, requested ? "tensor" : "output", index, &info, data);
}

static int cmd_run(int argc, char **argv) {
    const char *model_path = NULL, *out_dir = NULL;
    const char **inputs = calloc((size_t)argc + 1, sizeof(char *));
    const char **tensors = calloc((size_t)argc + 1, sizeof(char *)); /* --tensor NAME: intermediate tensors too */
    int input_files = 0;
    size_t tensor_count = 0;
    if (!inputs || !tensors) return free(inputs), free(tensors), die("out of memory");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--out-dir") == 0) {
            if (i + 1 >= argc) return free(inputs), free(tensors), die("--out-dir needs a value");
            out_dir = argv[++i];
        } else if (strcmp(argv[i], "--tensor") == 0) {
            if (i + 1 >= argc) return free(inputs), free(tensors), die("--tensor needs a name");
            tensors[tensor_count++] = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) return free(inputs), free(tensors), die("run: unknown option %s", argv[i]);
        else if (!model_path) model_path = argv[i];
        else inputs[input_files++] = argv[i];
    }
    if (!model_path) return free(inputs), free(tensors), die("usage: trit run MODEL [INPUT.pb ...] [--out-dir D] [--tensor NAME ...]"), 2;
    trit_model *m = load_model(model_path);
    if (!m) return free(inputs), free(tensors), 1;
    int rc = 0;
    if (tensor_count && trit_model_request_outputs(m, tensors, tensor_count)) rc = die("%s", trit_model_message(m));
    size_t count = trit_model_input_count(m);
    if (input_files && (size_t)input_files != count)
        rc = die("%s has %zu inputs, %d files given", model_path, count, input_files);
    for (size_t i = 0; i < count && !rc; i++) {
        trit_tensor_info info;
        trit_model_input_info(m, i, &info);
        if (!input_files) { /* no files: zeros */
            void *zeros = calloc(1, info.byte_size + 1);
            if (!zeros) rc = die("out of memory");
            else if (trit_model_set_input(m, i, zeros, info.byte_size)) rc = die("%s", trit_model_message(m));
            free(zeros);
            continue;
        }
        char why[512];
        size_t size;
        unsigned char *bytes = read_file(inputs[i], &size, why, sizeof why);
        if (!bytes) {
            rc = die("%s", why);
            break;
        }
        trit_pool pool = {0};
        onnx_tensor t;
        onnx_limits limits = {(size_t)1 << 28, 4096};
        trit_status st = onnx_decode_tensor(bytes, size, &limits, &pool, &t, why, sizeof why);
        free(bytes);
        if (st) {
            rc = die("%s: %s (%s)", inputs[i], why, trit_status_name(st));
        } else if (t.dtype != (int)info.dtype || t.count != info.element_count) {
            rc = die("%s: tensor is %s with %zu elements, input '%s' needs %s with %zu", inputs[i], onnx_dtype_name(t.dtype),
                     t.count, info.name, onnx_dtype_name(info.dtype), info.element_count);
        } else if (trit_model_set_input(m, i, t.data, info.byte_size)) {
            rc = die("%s", trit_model_message(m));
        }
        trit_free(t.data);
        trit_pool_release(&pool);
    }
    if (!rc && trit_model_run(m)) rc = die("run: %s", trit_model_message(m));
    if (!rc && out_dir) {
        mkdir(out_dir, 0777); /* may exist already; writing reports real failures */
    }
    for (size_t i = 0; i < trit_model_output_count(m) && !rc; i++) rc = emit_result(m, out_dir, 0, i);
    for (size_t i = 0; i < tensor_count && !rc; i++) rc = emit_result(m, out_dir, 1, i);
    free(inputs);
    free(tensors);
    trit_model_destroy(m);
    return rc;
}

/* ---- bench --------------------------------------------------------------------------------------- */
static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmd_bench(int argc, char **argv) {
    const char *model_path = NULL;
    long runs = 20;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0) {
            if (i + 1 >= argc) return die("--runs needs a value");
            if (!parse_positive(argv[++i], "--runs", &runs)) return 1;
        } else if (argv[i][0] == '-' && argv[i][1]) return die("bench: unknown option %s", argv[i]);
        else if (!model_path) model_path = argv[i];
        else return die("bench: unexpected argument %s", argv[i]);
    }
    if (!model_path) return die("usage: trit bench MODEL [--runs N]"), 2;
    trit_model *m = load_model(model_path);
    if (!m) return 1;
    int rc = 0;
    /* deterministic pseudo-random inputs (floats in [-1, 1), integers 0) */
    uint32_t seed = 12345;
    for (size_t i = 0; i < trit_model_input_count(m) && !rc; i++) {
        trit_tensor_info info;
        trit_model_input_info(m, i, &info);
        unsigned char *data = calloc(1, info.byte_size + 1);
        if (!data) {
            rc = die("out of memory");
            break;
        }
        if (info.dtype == TRIT_FLOAT32)
            for (size_t k = 0; k < info.element_count; k++) {
                seed = seed * 1664525u + 1013904223u;
                ((float *)data)[k] = (float)(seed >> 8) / 8388608.0f - 1.0f;
            }
        if (trit_model_set_input(m, i, data, info.byte_size)) rc = die("%s", trit_model_message(m));
        free(data);
    }
    double *times = calloc((size_t)runs, sizeof(double));
    if (!times) rc = rc ? rc : die("out of memory");
    if (!rc && trit_model_run(m)) rc = die("run: %s", trit_model_message(m)); /* warm-up */
    for (long r = 0; r < runs && !rc; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (trit_model_run(m)) rc = die("run: %s", trit_model_message(m));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        times[r] = 1e3 * (double)(t1.tv_sec - t0.tv_sec) + 1e-6 * (double)(t1.tv_nsec - t0.tv_nsec);
    }
    if (!rc) {
        qsort(times, (size_t)runs, sizeof(double), compare_doubles);
        double median = runs % 2 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
        printf("%s: %ld runs, median %.3f ms, min %.3f ms, %.1f inferences/s\n", model_path, runs, median, times[0],
               median > 0 ? 1000.0 / median : 0.0);
    }
    free(times);
    trit_model_destroy(m);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) return die("no command (info, classify, eval, run, bench; trit --help)"), 2;
    const char *cmd = argv[1];
    if (strcmp(cmd, "info") == 0) return cmd_info(argc - 2, argv + 2);
    if (strcmp(cmd, "classify") == 0) return cmd_classify(argc - 2, argv + 2);
    if (strcmp(cmd, "eval") == 0) return cmd_eval(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) return puts("trit " TRIT_VERSION), 0;
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) return usage(stdout), 0;
    die("unknown command '%s' (info, classify, eval, run, bench; trit --help)", cmd);
    return 2;
}
