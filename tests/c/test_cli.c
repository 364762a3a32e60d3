/* The native CLI (build/native/trit) end to end on a tiny image model: every command works, and
 * bad input of any kind gives a non-zero exit code and exactly one line on stderr. Run from the
 * repository root (make does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "onnx_builder.h"
#include "trit.h"

#define DIR "build/native/cli-test"
#define TRIT "build/native/trit"

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fwrite(data, 1, n, f);
    fclose(f);
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return calloc(1, 1);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

static int lines(const char *text) {
    int n = 0;
    for (const char *p = text; *p; p++) n += *p == '\n';
    return n;
}

/* Runs `trit ARGS`, stdout and stderr into files; returns the exit code. */
static int run(const char *args, char **out, char **err) {
    char command[2048];
    snprintf(command, sizeof command, TRIT " %s >" DIR "/stdout.txt 2>" DIR "/stderr.txt", args);
    int status = system(command);
    *out = read_text(DIR "/stdout.txt");
    *err = read_text(DIR "/stderr.txt");
    return status == -1 ? -1 : (status >> 8) & 0xFF; /* POSIX wait status */
}

/* 24-bit BMP, w×h, one colour */
static void write_bmp(const char *path, int w, int h, unsigned char r, unsigned char g, unsigned char b) {
    int row = (w * 3 + 3) & ~3;
    int size = 54 + row * h;
    unsigned char *bmp = calloc(1, (size_t)size);
    bmp[0] = 'B';
    bmp[1] = 'M';
    memcpy(bmp + 2, &size, 4);
    bmp[10] = 54;
    bmp[14] = 40;
    memcpy(bmp + 18, &w, 4);
    memcpy(bmp + 22, &h, 4);
    bmp[26] = 1;
    bmp[28] = 24;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = bmp + 54 + y * row + 3 * x;
            p[0] = b;
            p[1] = g;
            p[2] = r;
        }
    write_bytes(path, bmp, (size_t)size);
    free(bmp);
}

/* image [1,3,8,8] → GlobalAveragePool → Flatten → Gemm(3 classes): class = dominant colour */
static pbw image_model(void) {
    int64_t xdims[4] = {1, 3, 8, 8}, wdims[2] = {3, 3}, ydims[2] = {1, 3};
    float w[9] = {4, -2, -2, -2, 4, -2, -2, -2, 4};
    pbw g = {0};
    ONNX_INPUT(&g, "image", TRIT_FLOAT32, 4, xdims);
    ONNX_INITIALIZER(&g, "w", TRIT_FLOAT32, 2, wdims, w, sizeof w);
    mk_add_node(&g, "GlobalAveragePool", "gap", LIST("image"), LIST("p"));
    mk_add_node(&g, "Flatten", "flat", LIST("p"), LIST("f"));
    pbw n = mk_node("Gemm", "fc", LIST("f", "w"), LIST("logits"));
    mk_attr_int(&n, "transB", 1);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "logits", TRIT_FLOAT32, 2, ydims);
    return mk_model(&g, 13, LIST("trit.labels", "[\"red\", \"green\", \"blue\"]", "trit.resize", "8"));
}

int main(void) {
    FILE *probe = fopen(TRIT, "rb");
    if (!probe) {
        fprintf(stderr, "test_cli: %s is not built\n", TRIT);
        return 1;
    }
    fclose(probe);
    mkdir("build", 0777);
    mkdir("build/native", 0777);
    mkdir(DIR, 0777);
    mkdir(DIR "/eval", 0777);
    mkdir(DIR "/eval/red", 0777);
    mkdir(DIR "/eval/green", 0777);
    mkdir(DIR "/eval/blue", 0777);
    pbw model = image_model();
    write_bytes(DIR "/model.onnx", model.data, model.length);
    write_bytes(DIR "/truncated.onnx", model.data, model.length / 2);
    pbw_free(&model);
    write_bmp(DIR "/green.bmp", 12, 10, 10, 200, 30);
    write_bmp(DIR "/eval/red/a.bmp", 9, 9, 250, 0, 0);
    write_bmp(DIR "/eval/red/b.bmp", 9, 9, 0, 0, 250); /* mislabelled on purpose: blue in red */
    write_bmp(DIR "/eval/green/a.bmp", 9, 9, 0, 250, 0);
    write_bmp(DIR "/eval/blue/a.bmp", 9, 9, 0, 0, 250);
    write_bytes(DIR "/garbage.jpg", "\xff\xd8\xff\xe0 not really", 16);

    char *out, *err;
    CHECK(run("info " DIR "/model.onnx --json", &out, &err) == 0 && strstr(out, "\"labels\": [\"red\", \"green\", \"blue\"]"));
    free(out), free(err);
    CHECK(run("info " DIR "/model.onnx", &out, &err) == 0 && strstr(out, "nodes_compiled: 2"));
    free(out), free(err);
    CHECK(run("classify " DIR "/model.onnx " DIR "/green.bmp --top 2 --json", &out, &err) == 0);
    CHECK_MSG(strstr(out, "[{\"file\": \"" DIR "/green.bmp\", \"top\": [{\"index\": 1, \"label\": \"green\", \"probability\": "), "%s", out);
    free(out), free(err);
    CHECK(run("classify " DIR "/model.onnx " DIR "/green.bmp", &out, &err) == 0 && strstr(out, "green"));
    free(out), free(err);
    CHECK(run("eval " DIR "/model.onnx " DIR "/eval --json", &out, &err) == 0);
    CHECK_MSG(strstr(out, "{\"images\": 4, \"top1\": 75.0000, \"top5\": 100.0000, \"per_class\": {\"red\": 50.0000, \"green\": 100.0000, \"blue\": 100.0000}}"), "%s", out);
    free(out), free(err);
    CHECK(run("eval " DIR "/model.onnx " DIR "/eval --limit 2", &out, &err) == 0 && strstr(out, "images: 2"));
    free(out), free(err);
    CHECK(run("run " DIR "/model.onnx --out-dir " DIR "/run", &out, &err) == 0);
    free(out), free(err);
    char *pb = read_text(DIR "/run/output_0.pb");
    CHECK(strstr(pb, "logits") != NULL); /* the name field of the TensorProto */
    free(pb);
    CHECK(run("run " DIR "/model.onnx " DIR "/run/output_0.pb", &out, &err) == 1 && lines(err) == 1); /* wrong size */
    free(out), free(err);
    /* --tensor: intermediate tensors by name, printed after the outputs or written as tensor_<k>.pb */
    CHECK(run("run " DIR "/model.onnx --tensor f --tensor image", &out, &err) == 0);
    CHECK_MSG(strstr(out, "logits: float32 [1, 3]") && strstr(out, "\nf: float32 [1, 3] 0 0 0\n") && strstr(out, "\nimage: float32 [1, 3, 8, 8]"),
              "%s", out);
    free(out), free(err);
    CHECK(run("run " DIR "/model.onnx --tensor p --out-dir " DIR "/run", &out, &err) == 0);
    pb = read_text(DIR "/run/tensor_0.pb");
    CHECK(pb[0] && strstr(pb, "p") != NULL);
    free(pb), free(out), free(err);
    CHECK(run("run " DIR "/model.onnx --tensor nope", &out, &err) == 1 && lines(err) == 1 && strstr(err, "no tensor named 'nope'"));
    free(out), free(err);
    CHECK(run("bench " DIR "/model.onnx --runs 3", &out, &err) == 0 && strstr(out, "median"));
    free(out), free(err);

    /* --json with a bad image among good ones: nothing on stdout (no half-written array), one line on stderr */
    CHECK(run("classify " DIR "/model.onnx " DIR "/green.bmp " DIR "/garbage.jpg --json", &out, &err) == 1 && out[0] == 0 &&
          lines(err) == 1 && strstr(err, "garbage.jpg"));
    free(out), free(err);
    /* --top above the class count gives every class once */
    CHECK(run("classify " DIR "/model.onnx " DIR "/green.bmp --top 50 --json", &out, &err) == 0);
    int entries = 0;
    for (const char *p = out; (p = strstr(p, "\"index\"")); p++) entries++;
    CHECK_MSG(entries == 3, "%d entries for 3 classes: %s", entries, out);
    free(out), free(err);

    /* the one line says what is wrong: a directory given as a model, a text file given as a tensor */
    write_bytes(DIR "/notes.txt", "hello\n", 6);
    CHECK(run("info " DIR "/eval", &out, &err) == 1 && lines(err) == 1 && strstr(err, "Is a directory"));
    free(out), free(err);
    CHECK(run("run " DIR "/model.onnx " DIR "/notes.txt", &out, &err) == 1 && lines(err) == 1 && strstr(err, "malformed"));
    free(out), free(err);

    const char *bad[] = {
        "", "frobnicate", "info", "info " DIR "/missing.onnx", "info " DIR "/green.bmp", "info " DIR "/truncated.onnx",
        "info " DIR "/model.onnx --bogus", "classify " DIR "/model.onnx", "classify " DIR "/model.onnx " DIR "/garbage.jpg",
        "classify " DIR "/model.onnx " DIR "/missing.jpg", "classify " DIR "/model.onnx " DIR "/green.bmp --top 0",
        "classify " DIR "/model.onnx " DIR "/green.bmp --top", "eval " DIR "/model.onnx " DIR "/missing",
        "eval " DIR "/model.onnx " DIR "/green.bmp", "eval " DIR "/model.onnx " DIR "/eval --limit -3",
        "run " DIR "/model.onnx " DIR "/green.bmp", "run " DIR "/model.onnx a.pb b.pb", "run " DIR "/model.onnx --tensor",
        "bench " DIR "/model.onnx --runs x",
        "bench " DIR "/truncated.onnx", NULL};
    for (const char **b = bad; *b; b++) {
        int rc = run(*b, &out, &err);
        CHECK_MSG(rc != 0 && rc < 128 && lines(err) == 1, "trit %s: exit %d, stderr: %s", *b, rc, err);
        free(out), free(err);
    }
    return CHECK_REPORT("test_cli");
}
