/* A bump allocator for everything that lives as long as one owner (a decoded file, a model):
 * many small objects, freed together. Memory comes from the allocation hook in chunks. */
#ifndef TRIT_POOL_H
#define TRIT_POOL_H

#include <stddef.h>

typedef struct trit_pool_chunk trit_pool_chunk;

typedef struct trit_pool {
    trit_pool_chunk *head;
    size_t used, capacity; /* within head */
} trit_pool;

/* Zeroed, 16-byte aligned; NULL when out of memory or size overflows. Size 0 gives a valid pointer. */
void *trit_pool_alloc(trit_pool *pool, size_t size);
void *trit_pool_array(trit_pool *pool, size_t count, size_t element_size);
/* Copy of `length` bytes as a NUL-terminated string. */
char *trit_pool_strndup(trit_pool *pool, const void *bytes, size_t length);
void trit_pool_release(trit_pool *pool);

#endif
