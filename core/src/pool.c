#include "pool.h"

#include <string.h>

#include "alloc.h"

struct trit_pool_chunk {
    trit_pool_chunk *next;
    size_t pad; /* keeps the payload 16-byte aligned */
};

#define POOL_CHUNK_BYTES 65536u

void *trit_pool_alloc(trit_pool *pool, size_t size) {
    size_t rounded;
    if (!trit_size_add(size, 15, &rounded)) return NULL;
    rounded &= ~(size_t)15;
    if (rounded == 0) rounded = 16;
    if (!pool->head || pool->capacity - pool->used < rounded) {
        /* Big requests get a chunk of their own, inserted behind the current one so the
         * current chunk's free space is not lost. */
        size_t header = (sizeof(trit_pool_chunk) + 15) & ~(size_t)15, payload, total;
        payload = rounded > POOL_CHUNK_BYTES / 4 ? rounded : POOL_CHUNK_BYTES;
        if (!trit_size_add(header, payload, &total)) return NULL;
        trit_pool_chunk *chunk = trit_alloc(total);
        if (!chunk) return NULL;
        unsigned char *base = (unsigned char *)chunk + header;
        if (payload != POOL_CHUNK_BYTES && pool->head) {
            chunk->next = pool->head->next;
            pool->head->next = chunk;
            memset(base, 0, rounded);
            return base;
        }
        chunk->next = pool->head;
        pool->head = chunk;
        pool->used = 0;
        pool->capacity = payload;
    }
    unsigned char *p = (unsigned char *)pool->head + ((sizeof(trit_pool_chunk) + 15) & ~(size_t)15) + pool->used;
    pool->used += rounded;
    memset(p, 0, rounded);
    return p;
}

void *trit_pool_array(trit_pool *pool, size_t count, size_t element_size) {
    size_t total;
    if (!trit_size_mul(count, element_size, &total)) return NULL;
    return trit_pool_alloc(pool, total);
}

char *trit_pool_strndup(trit_pool *pool, const void *bytes, size_t length) {
    size_t total;
    if (!trit_size_add(length, 1, &total)) return NULL;
    char *s = trit_pool_alloc(pool, total);
    if (!s) return NULL;
    if (length) memcpy(s, bytes, length);
    s[length] = 0;
    return s;
}

void trit_pool_release(trit_pool *pool) {
    trit_pool_chunk *c = pool->head;
    while (c) {
        trit_pool_chunk *next = c->next;
        trit_free(c);
        c = next;
    }
    pool->head = NULL;
    pool->used = pool->capacity = 0;
}
