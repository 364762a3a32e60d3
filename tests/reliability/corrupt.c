/* Truncated and corrupted model files: every prefix length of the small models, and random byte
 * flips, must give an error status with a message, or a model that loads and runs. Never a crash,
 * a sanitizer report or a leak (this binary runs under ASan+UBSan and under valgrind).
 *
 * "Correct result" where it can be known: a prefix that loads has lost nothing of the graph (the
 * graph is one length-delimited field, so cutting into it is a format error); its outputs must be
 * bit-identical to the whole file's. A flipped file that loads may legitimately compute something
 * else (a weight changed); it must run or refuse to, and its outputs must have the declared size.
 *
 *   corrupt MODELS_DIR [FLIPS_PER_MODEL]     (default 2000)
 * Environment: CORRUPT_KEEP_DIR=dir keeps inputs that fail a check; CORRUPT_LAST_INPUT=file holds the
 * input being tried (the crashing one, after a crash). */
#include "../c/check.h"
#include "reliability.h"

typedef struct tally {
    long tried, refused, loaded, loaded_same, loaded_other, run_refused;
    long by_status[16];
} tally;

static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;
static unsigned long long next_random(void) { /* xorshift64*: reproducible across platforms */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

/* With CORRUPT_KEEP_DIR set, inputs that fail a check are written there (as corrupt-N.onnx) to
 * become regression files. */
static void keep_failing_input(const unsigned char *bytes, size_t size) {
    static int kept = 0;
    const char *dir = getenv("CORRUPT_KEEP_DIR");
    if (!dir) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/corrupt-%d.onnx", dir, kept++);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(bytes, 1, size, f);
        fclose(f);
        fprintf(stderr, "kept %s\n", path);
    }
}

/* Loads and runs `bytes` with a zero input. Returns 1 when it ran; then its output 0 is copied to
 * *out (malloc'd) when out is not NULL. */
static int load_and_run(const unsigned char *bytes, size_t size, tally *t, unsigned char **out, size_t *out_bytes) {
    /* With CORRUPT_LAST_INPUT=path, each input is written there first: after a crash it holds the
     * input that crashed. */
    const char *last = getenv("CORRUPT_LAST_INPUT");
    if (last) {
        FILE *f = fopen(last, "wb");
        if (f) {
            fwrite(bytes, 1, size, f);
            fclose(f);
        }
    }
    trit_model *model = NULL;
    trit_status s = trit_model_create(bytes, size, NULL, &model);
    t->tried++;
    if (s != TRIT_OK) {
        t->refused++;
        if ((int)s >= 0 && (int)s < 16) t->by_status[s]++;
        CHECK_MSG(s != TRIT_OK && s <= TRIT_ERROR_STATE, "unknown status %d", (int)s);
        /* Bad bytes are the file's fault: FORMAT, UNSUPPORTED, SHAPE or LIMIT, never ARGUMENT or STATE. */
        if (s == TRIT_ERROR_ARGUMENT || s == TRIT_ERROR_STATE || s == TRIT_ERROR_MEMORY) {
            CHECK_MSG(0, "file of %zu bytes: %s (%s)", size, trit_status_name(s), model ? trit_model_message(model) : "");
            keep_failing_input(bytes, size);
        }
        CHECK_MSG(model == NULL || trit_model_message(model)[0] != '\0', "error %s without a message",
                  trit_status_name(s));
        trit_model_destroy(model);
        return 0;
    }
    t->loaded++;
    int ran = 1;
    for (size_t i = 0; i < trit_model_input_count(model); i++) {
        trit_tensor_info info;
        CHECK(trit_model_input_info(model, i, &info) == TRIT_OK);
        void *zeros = calloc(1, info.byte_size ? info.byte_size : 1);
        CHECK(trit_model_set_input(model, i, zeros, info.byte_size) == TRIT_OK);
        free(zeros);
    }
    s = trit_model_run(model);
    if (s != TRIT_OK) {
        CHECK_MSG(trit_model_message(model)[0] != '\0', "run failed without a message");
        t->run_refused++;
        ran = 0;
    } else {
        for (size_t i = 0; i < trit_model_output_count(model); i++) {
            trit_tensor_info info;
            const void *data = NULL;
            size_t bytes = 0;
            CHECK(trit_model_output_info(model, i, &info) == TRIT_OK);
            CHECK(trit_model_output(model, i, &data, &bytes) == TRIT_OK && bytes == info.byte_size);
            if (i == 0 && out) {
                *out = malloc(bytes ? bytes : 1);
                memcpy(*out, data, bytes);
                *out_bytes = bytes;
            }
        }
    }
    const char *json = NULL;
    CHECK(trit_model_info_json(model, &json) == TRIT_OK && json != NULL);
    trit_model_destroy(model);
    return ran;
}

static void print_tally(const char *what, const char *model, const tally *t) {
    printf("corrupt %s %s: %ld files, %ld refused (", what, model, t->tried, t->refused);
    int first = 1;
    for (int s = 1; s < 16; s++)
        if (t->by_status[s]) {
            printf("%s%s %ld", first ? "" : ", ", trit_status_name((trit_status)s), t->by_status[s]);
            first = 0;
        }
    printf("), %ld loaded (%ld same output, %ld other output, %ld run refused)\n", t->loaded, t->loaded_same,
           t->loaded_other, t->run_refused);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODELS_DIR [FLIPS_PER_MODEL]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines reach the log even if a sanitizer aborts */
    const long flips = argc > 2 ? atol(argv[2]) : 2000;
    const char *const names[] = {"small.onnx", "small_blob.onnx", "float.onnx", "relu_chain_64.onnx"};
    long total = 0;
    for (size_t m = 0; m < sizeof names / sizeof names[0]; m++) {
        file_bytes file = read_fixture(argv[1], names[m]);
        unsigned char *reference = NULL;
        size_t reference_bytes = 0;
        tally whole = {0};
        CHECK_MSG(load_and_run(file.data, file.size, &whole, &reference, &reference_bytes), "%s does not run",
                  names[m]);
        if (!reference) continue;

        /* Every prefix, including the empty one. The copy is exactly `len` bytes so ASan catches any
         * read past the end. */
        tally prefixes = {0};
        for (size_t len = 0; len < file.size; len++) {
            unsigned char *copy = malloc(len ? len : 1);
            memcpy(copy, file.data, len);
            unsigned char *out = NULL;
            size_t out_bytes = 0;
            if (load_and_run(copy, len, &prefixes, &out, &out_bytes)) {
                int same = out_bytes == reference_bytes && memcmp(out, reference, out_bytes) == 0;
                CHECK_MSG(same, "%s prefix of %zu bytes loads but computes something else", names[m], len);
                if (same) prefixes.loaded_same++; else prefixes.loaded_other++;
            }
            free(out);
            free(copy);
        }
        print_tally("prefixes", names[m], &prefixes);

        /* Random corruption: 1 to 4 bytes set to random values (half of them single-bit flips). */
        tally flipped = {0};
        unsigned char *copy = malloc(file.size);
        for (long k = 0; k < flips; k++) {
            memcpy(copy, file.data, file.size);
            int changes = 1 + (int)(next_random() % 4);
            for (int c = 0; c < changes; c++) {
                size_t at = (size_t)(next_random() % file.size);
                if (next_random() & 1)
                    copy[at] ^= (unsigned char)(1u << (next_random() % 8));
                else
                    copy[at] = (unsigned char)next_random();
            }
            unsigned char *out = NULL;
            size_t out_bytes = 0;
            if (load_and_run(copy, file.size, &flipped, &out, &out_bytes)) {
                if (out_bytes == reference_bytes && memcmp(out, reference, out_bytes) == 0)
                    flipped.loaded_same++;
                else
                    flipped.loaded_other++;
            }
            free(out);
        }
        free(copy);
        print_tally("flips", names[m], &flipped);
        total += prefixes.tried + flipped.tried;
        free(reference);
        free(file.data);
    }
    printf("corrupt: %ld corrupted model files tried\n", total);
    return CHECK_REPORT("corrupt");
}
