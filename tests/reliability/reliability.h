/* Shared helpers of the reliability tests: reading test files, and a counting allocator for
 * trit_set_allocator that tracks live allocations and bytes and can make the Nth allocation fail. */
#ifndef TRIT_RELIABILITY_H
#define TRIT_RELIABILITY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trit.h"

typedef struct file_bytes {
    unsigned char *data;
    size_t size;
} file_bytes;

/* Reads DIR/NAME; exits the test (status 2) when the file is missing: a missing fixture is a
 * broken build, not a pass. */
static inline file_bytes read_fixture(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "missing fixture %s\n", path);
        exit(2);
    }
    file_bytes out = {NULL, 0};
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    out.data = malloc(size > 0 ? (size_t)size : 1);
    out.size = size > 0 ? (size_t)size : 0;
    if (!out.data || fread(out.data, 1, out.size, f) != out.size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    return out;
}

/* ---- counting, failing allocator --------------------------------------------------------------
 * Each block carries a 16-byte header holding its size, so live bytes are exact. */
typedef struct alloc_stats {
    long calls;        /* alloc + realloc calls since the last reset */
    long fail_at;      /* the call index (0-based) that fails; -1 = none */
    long failed;       /* how many calls were made to fail */
    long live_blocks;
    long long live_bytes;
    long long peak_bytes;
} alloc_stats;

static alloc_stats g_alloc = {0, -1, 0, 0, 0, 0};

enum { ALLOC_HEADER = 16 };

static int counting_should_fail(void) {
    long index = g_alloc.calls++;
    if (g_alloc.fail_at >= 0 && index == g_alloc.fail_at) {
        g_alloc.failed++;
        return 1;
    }
    return 0;
}

static void counting_note(long long delta_bytes, long delta_blocks) {
    g_alloc.live_bytes += delta_bytes;
    g_alloc.live_blocks += delta_blocks;
    if (g_alloc.live_bytes > g_alloc.peak_bytes) g_alloc.peak_bytes = g_alloc.live_bytes;
}

static void *counting_alloc(size_t size, void *user) {
    (void)user;
    if (counting_should_fail() || size > SIZE_MAX - ALLOC_HEADER) return NULL;
    unsigned char *block = malloc(size + ALLOC_HEADER);
    if (!block) return NULL;
    memcpy(block, &size, sizeof size);
    counting_note((long long)size, 1);
    return block + ALLOC_HEADER;
}

static void *counting_realloc(void *ptr, size_t size, void *user) {
    if (!ptr) return counting_alloc(size, user);
    if (counting_should_fail() || size > SIZE_MAX - ALLOC_HEADER) return NULL;
    unsigned char *old_block = (unsigned char *)ptr - ALLOC_HEADER;
    size_t old_size;
    memcpy(&old_size, old_block, sizeof old_size);
    unsigned char *block = realloc(old_block, size + ALLOC_HEADER);
    if (!block) return NULL;
    memcpy(block, &size, sizeof size);
    counting_note((long long)size - (long long)old_size, 0);
    return block + ALLOC_HEADER;
}

static void counting_free(void *ptr, void *user) {
    (void)user;
    if (!ptr) return;
    unsigned char *block = (unsigned char *)ptr - ALLOC_HEADER;
    size_t size;
    memcpy(&size, block, sizeof size);
    counting_note(-(long long)size, -1);
    free(block);
}

static inline void install_counting_allocator(void) {
    static const trit_allocator allocator = {counting_alloc, counting_realloc, counting_free, NULL};
    trit_set_allocator(&allocator);
}

/* Start counting calls afresh; fail the call with index fail_at (-1: none). */
static inline void alloc_arm(long fail_at) {
    g_alloc.calls = 0;
    g_alloc.failed = 0;
    g_alloc.fail_at = fail_at;
}

#endif
