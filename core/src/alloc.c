#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "trit.h"

static void *default_alloc(size_t size, void *user) { (void)user; return malloc(size); }
static void *default_realloc(void *ptr, size_t size, void *user) { (void)user; return realloc(ptr, size); }
static void default_free(void *ptr, void *user) { (void)user; free(ptr); }

static trit_allocator current = {default_alloc, default_realloc, default_free, NULL};

void trit_set_allocator(const trit_allocator *allocator) {
    if (allocator && allocator->alloc && allocator->realloc && allocator->free) {
        current = *allocator;
    } else {
        current.alloc = default_alloc;
        current.realloc = default_realloc;
        current.free = default_free;
        current.user = NULL;
    }
}

void *trit_alloc(size_t size) {
    if (size == 0) return NULL;
    return current.alloc(size, current.user);
}

void *trit_calloc(size_t count, size_t size) {
    size_t total;
    if (!trit_size_mul(count, size, &total) || total == 0) return NULL;
    void *p = current.alloc(total, current.user);
    if (p) memset(p, 0, total);
    return p;
}

void *trit_realloc(void *ptr, size_t size) {
    if (size == 0) return NULL;
    return current.realloc(ptr, size, current.user);
}

void trit_free(void *ptr) {
    if (ptr) current.free(ptr, current.user);
}
