/* Limits enforced at load: small files that declare huge sizes must be refused with
 * TRIT_ERROR_LIMIT and a message, before anything big is allocated (the hook watches the peak).
 * The lowered-limit cases show both sides: the same file loads under the default limits and is
 * refused under a lower one, so the limit is what refuses it.
 *
 *   limits MODELS_DIR */
#include <ctype.h>

#include "../c/check.h"
#include "reliability.h"

/* Refusing a ~200-byte file that declares a huge size may not take more than this from the
 * allocator: the limit must be checked before the allocation. */
#define PEAK_BUDGET (16ll << 20)

static int mentions(const char *message, const char *word) {
    /* case-insensitive strstr */
    for (const char *p = message; *p; p++) {
        size_t i = 0;
        while (word[i] && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)word[i])) i++;
        if (!word[i]) return 1;
    }
    return 0;
}

static trit_status load(const char *dir, const char *name, const trit_limits *limits, int expect_ok,
                        trit_status expected, const char *word) {
    file_bytes file = read_fixture(dir, name);
    g_alloc.peak_bytes = g_alloc.live_bytes;
    trit_model *model = NULL;
    trit_status s = trit_model_create(file.data, file.size, limits, &model);
    const char *message = model ? trit_model_message(model) : "(no handle)";
    printf("limits %-28s %-22s %s%s\n", name, trit_status_name(s), s == TRIT_OK ? "" : "— ", s == TRIT_OK ? "" : message);
    if (expect_ok) {
        CHECK_MSG(s == TRIT_OK, "%s: expected to load, got %s (%s)", name, trit_status_name(s), message);
    } else {
        CHECK_MSG(s == expected, "%s: expected %s, got %s (%s)", name, trit_status_name(expected), trit_status_name(s),
                  message);
        CHECK_MSG(model && message[0] != '\0', "%s: no message", name);
        if (word) CHECK_MSG(mentions(message, word), "%s: message does not mention '%s': %s", name, word, message);
        if (model) CHECK(trit_model_run(model) == TRIT_ERROR_STATE);
    }
    if (!expect_ok)
        CHECK_MSG(g_alloc.peak_bytes <= PEAK_BUDGET, "%s: refusing it took %lld bytes at the peak", name,
                  g_alloc.peak_bytes);
    trit_model_destroy(model);
    CHECK_MSG(g_alloc.live_blocks == 0, "%s: %ld blocks leaked", name, g_alloc.live_blocks);
    free(file.data);
    return s;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines reach the log even if a sanitizer aborts */
    const char *dir = argv[1];
    install_counting_allocator();
    alloc_arm(-1);

    /* Declared sizes beyond the default limits. */
    load(dir, "limit_rank9.onnx", NULL, 0, TRIT_ERROR_LIMIT, "rank");
    load(dir, "limit_spatial.onnx", NULL, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_overflow.onnx", NULL, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_overflow_exact.onnx", NULL, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_elements.onnx", NULL, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_initializer.onnx", NULL, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_initializer_bytes.onnx", NULL, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_arena.onnx", NULL, 0, TRIT_ERROR_LIMIT, "arena");

    /* A caller's own huge limits must not switch the overflow checks off. */
    trit_limits unlimited = {SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, 1 << 30};
    load(dir, "limit_initializer_wrap.onnx", &unlimited, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_overflow.onnx", &unlimited, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_overflow_exact.onnx", &unlimited, 0, TRIT_ERROR_LIMIT, NULL);
    load(dir, "limit_initializer_bytes.onnx", &unlimited, 0, TRIT_ERROR_LIMIT, NULL);

    /* A negative dimension is a shape error, not a limit, but must be refused just as cleanly. */
    trit_model *model = NULL;
    file_bytes negative = read_fixture(dir, "bad_dim_negative.onnx");
    trit_status s = trit_model_create(negative.data, negative.size, NULL, &model);
    printf("limits %-28s %-22s — %s\n", "bad_dim_negative.onnx", trit_status_name(s), trit_model_message(model));
    CHECK_MSG(s != TRIT_OK && trit_model_message(model)[0] != '\0', "negative dim: %s", trit_status_name(s));
    trit_model_destroy(model);
    free(negative.data);

    /* Each limit field, both sides of it. */
    trit_limits l;
    memset(&l, 0, sizeof l);
    l.max_file_bytes = 100;
    load(dir, "small.onnx", NULL, 1, TRIT_OK, NULL);
    load(dir, "small.onnx", &l, 0, TRIT_ERROR_LIMIT, NULL);

    memset(&l, 0, sizeof l);
    l.max_nodes = 64;
    load(dir, "relu_chain_64.onnx", &l, 1, TRIT_OK, NULL);
    l.max_nodes = 63;
    load(dir, "relu_chain_64.onnx", &l, 0, TRIT_ERROR_LIMIT, NULL);

    memset(&l, 0, sizeof l);
    l.max_tensor_elements = 10; /* the stem weight has 108 */
    load(dir, "small.onnx", &l, 0, TRIT_ERROR_LIMIT, NULL);

    memset(&l, 0, sizeof l);
    l.max_spatial = 7; /* input is 8x8 */
    load(dir, "small.onnx", &l, 0, TRIT_ERROR_LIMIT, NULL);
    l.max_spatial = 8;
    load(dir, "small.onnx", &l, 1, TRIT_OK, NULL);

    memset(&l, 0, sizeof l);
    load(dir, "arena_256k.onnx", NULL, 1, TRIT_OK, NULL);
    l.max_arena_bytes = 64 << 10; /* the conv output alone is 256 KiB */
    load(dir, "arena_256k.onnx", &l, 0, TRIT_ERROR_LIMIT, "arena");

    trit_set_allocator(NULL);
    return CHECK_REPORT("limits");
}
