/* Shared by the fuzz targets: the allocation hook they run under.
 *
 * Every allocation of the library goes through trit_set_allocator's hook. The targets refuse any
 * single request above FUZZ_MAX_ALLOCATION_MIB (256 MiB) by returning NULL, as a browser's wasm
 * memory limit would: a file that declares a huge size then exercises the library's out-of-memory
 * path instead of stopping the fuzzer with libFuzzer's malloc limit.
 *
 * Set FUZZ_ABORT_ABOVE_MIB=N in the environment to abort instead on any request above N MiB: that
 * is how tests/fuzz/regressions/pending/ files for "a tiny input makes a huge allocation" are
 * replayed (make fuzz-replay-pending). */
#ifndef TRIT_FUZZ_COMMON_H
#define TRIT_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "trit.h"

#define FUZZ_MAX_ALLOCATION_MIB 256

#define FUZZ_REQUIRE(cond)                                                               \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: FUZZ_REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static size_t fuzz_abort_above = 0; /* bytes; 0 = never abort */

static void fuzz_check_size(size_t size) {
    if (fuzz_abort_above && size > fuzz_abort_above) {
        fprintf(stderr, "allocation of %zu bytes exceeds FUZZ_ABORT_ABOVE_MIB\n", size);
        abort();
    }
}

static void *fuzz_alloc(size_t size, void *user) {
    (void)user;
    fuzz_check_size(size);
    return size > ((size_t)FUZZ_MAX_ALLOCATION_MIB << 20) ? NULL : malloc(size);
}

static void *fuzz_realloc(void *ptr, size_t size, void *user) {
    (void)user;
    fuzz_check_size(size);
    return size > ((size_t)FUZZ_MAX_ALLOCATION_MIB << 20) ? NULL : realloc(ptr, size);
}

static void fuzz_free(void *ptr, void *user) {
    (void)user;
    free(ptr);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    static const trit_allocator allocator = {fuzz_alloc, fuzz_realloc, fuzz_free, NULL};
    trit_set_allocator(&allocator);
    const char *limit = getenv("FUZZ_ABORT_ABOVE_MIB");
    if (limit && atol(limit) > 0) fuzz_abort_above = (size_t)atol(limit) << 20;
    return 0;
}

#endif
