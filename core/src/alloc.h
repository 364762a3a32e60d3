/* The single allocation hook: every allocation of the library (stb_image's included) goes
 * through these, so tests can make each one fail in turn. Sizes are checked by the callers
 * with the overflow-safe helpers below before they get here. */
#ifndef TRIT_ALLOC_H
#define TRIT_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *trit_alloc(size_t size);               /* NULL on failure (or size 0) */
void *trit_calloc(size_t count, size_t size); /* zeroed; NULL on failure or overflow */
void *trit_realloc(void *ptr, size_t size);
void trit_free(void *ptr);                   /* NULL is fine */

/* Overflow-checked size arithmetic: return 0 and leave *out untouched on overflow. */
static inline int trit_size_mul(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}
static inline int trit_size_add(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return 0;
    *out = a + b;
    return 1;
}

#endif
