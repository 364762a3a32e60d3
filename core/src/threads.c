/* Threads: see threads.h. Only the threaded wasm build defines TRIT_THREADS. */
#include "threads.h"

#ifdef TRIT_THREADS
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

/* Spins on the job counter before sleeping: a ResNet's next split step usually comes within tens of
 * microseconds, and a wake-up from memory.atomic.wait32 costs about as much. */
#define SPIN_BEFORE_SLEEP 100000
#define CHUNKS_PER_THREAD 4 /* units are handed out in chunks of units / (threads * this) */
/* Steps below this many dense-equivalent MACs run whole on the caller: a ResNet-20 layer (2.4 M MACs,
 * ~0.1 ms) gains less from a second thread than its two hand-offs cost, far less on a busy machine. */
#define SPLIT_MIN_MACS (8.0 * 1024 * 1024)
/* Inputs below this many elements are prepared (copied) by the caller alone: one hand-off fewer. */
#define SPLIT_PREPARE_MIN_INPUT 65536

typedef void (*run_range_fn)(const trit_conv_shape *, const void *, const float *, const trit_epilogue *, float *,
                             const void *, void *, int, int);
typedef void (*prepare_range_fn)(const trit_conv_shape *, const void *, const float *, void *, void *, int, int);

/* One phase of a split step (its prepare, or its outputs), written by the caller before it
 * publishes the job's generation. */
typedef struct job {
    run_range_fn run_range;         /* the outputs, or NULL: */
    prepare_range_fn prepare_range; /* the prepared copy */
    const trit_conv_shape *shape;
    const void *packed;
    const float *x, *bias;
    trit_epilogue e;
    float *y;
    void *scratch;
    uint32_t units, chunk;
} job;

struct trit_threads {
    _Atomic uint32_t generation; /* the job's number; workers sleep on it */
    _Atomic int32_t sleepers;    /* workers inside memory.atomic.wait32 */
    _Atomic int32_t quit;
    _Atomic int32_t remaining;   /* units of the current job not yet computed */
    _Atomic int32_t caller_sleeping; /* the caller is in memory.atomic.wait32 on `remaining` */
    int caller_may_wait;         /* not on a page's main thread, where wait traps */
    _Atomic uint64_t claim;      /* generation << 32 | next unit: a chunk is taken by one compare-exchange */
    int workers;
    job job;
    size_t own_bytes;            /* per thread, 16-aligned */
    unsigned char *own;          /* (workers + 1) * own_bytes: the caller's first */
    unsigned char *stacks;       /* workers * TRIT_THREAD_STACK, 16-aligned */
    void *block;                 /* the stacks' allocation */
    void *own_block;             /* own's allocation */
};

trit_threads *trit_exec_threads;

trit_threads *trit_threads_create(int workers) {
    if (workers < 1 || workers >= TRIT_MAX_THREADS) return NULL;
    trit_threads *p = trit_calloc(1, sizeof *p);
    if (!p) return NULL;
    p->workers = workers;
    p->block = trit_alloc((size_t)workers * TRIT_THREAD_STACK + 16);
    if (!p->block) {
        trit_free(p);
        return NULL;
    }
    p->stacks = (unsigned char *)(((uintptr_t)p->block + 15) & ~(uintptr_t)15);
    return p;
}

void *trit_threads_stack_top(trit_threads *p, int index) {
    return index >= 0 && index < p->workers ? p->stacks + (size_t)(index + 1) * TRIT_THREAD_STACK : NULL;
}

static size_t own_size_of(const step *s) {
    if (s->kind != STEP_TCONV || !s->u.tconv.kernel->run_range || !s->u.tconv.kernel->own_size) return 0;
    return s->u.tconv.kernel->own_size(&s->u.tconv.shape);
}

trit_status trit_threads_reserve(trit_threads *p, const step *steps, size_t count) {
    size_t need = 0, total;
    for (size_t i = 0; i < count; i++) {
        size_t n = (own_size_of(&steps[i]) + 15) & ~(size_t)15;
        if (n > need) need = n;
    }
    if (need <= p->own_bytes) return TRIT_OK;
    if (!trit_size_mul(need, (size_t)p->workers + 1, &total) || !trit_size_add(total, 16, &total)) return TRIT_ERROR_MEMORY;
    void *block = trit_alloc(total);
    if (!block) return TRIT_ERROR_MEMORY;
    trit_free(p->own_block);
    p->own_block = block;
    p->own = (unsigned char *)(((uintptr_t)block + 15) & ~(uintptr_t)15);
    p->own_bytes = need;
    return TRIT_OK;
}

void trit_threads_destroy(trit_threads *p) {
    if (!p) return;
    if (trit_exec_threads == p) trit_exec_threads = NULL;
    trit_free(p->own_block);
    trit_free(p->block);
    trit_free(p);
}

/* Takes chunks of job `generation` until none is left; `j` is this thread's copy of the job, used
 * only for chunks its compare-exchange took (which proves the job was still that generation's). */
static void take_chunks(trit_threads *p, const job *j, uint32_t generation, unsigned char *own) {
    uint64_t c = atomic_load(&p->claim);
    for (;;) {
        const uint32_t next = (uint32_t)c;
        if ((uint32_t)(c >> 32) != generation || next >= j->units) return;
        const uint32_t n = j->units - next < j->chunk ? j->units - next : j->chunk;
        if (!atomic_compare_exchange_weak(&p->claim, &c, c + n)) continue; /* c now holds the current value */
        if (j->run_range) j->run_range(j->shape, j->packed, j->bias, &j->e, j->y, j->scratch, own, (int)next, (int)(next + n));
        else j->prepare_range(j->shape, j->packed, j->x, j->scratch, own, (int)next, (int)(next + n));
        if (atomic_fetch_sub(&p->remaining, (int32_t)n) == (int32_t)n && atomic_load(&p->caller_sleeping))
            __builtin_wasm_memory_atomic_notify((int32_t *)&p->remaining, 1);
        c = atomic_load(&p->claim);
    }
}

static uint32_t wait_for_job(trit_threads *p, uint32_t seen) {
    uint32_t g;
    for (int i = 0; i < SPIN_BEFORE_SLEEP; i++)
        if ((g = atomic_load(&p->generation)) != seen) return g;
    atomic_fetch_add(&p->sleepers, 1);
    while ((g = atomic_load(&p->generation)) == seen)
        __builtin_wasm_memory_atomic_wait32((int32_t *)&p->generation, (int32_t)seen, -1);
    atomic_fetch_sub(&p->sleepers, 1);
    return g;
}

void trit_threads_worker(trit_threads *p, int index) {
    if (index < 0 || index >= p->workers) return;
    uint32_t seen = atomic_load(&p->generation);
    while (!atomic_load(&p->quit)) {
        seen = wait_for_job(p, seen);
        if (atomic_load(&p->quit)) break;
        job j;
        memcpy(&j, &p->job, sizeof j); /* validated by the claim (take_chunks) */
        take_chunks(p, &j, seen, p->own ? p->own + (size_t)(index + 1) * p->own_bytes : NULL);
    }
}

static void publish(trit_threads *p, uint32_t generation) {
    atomic_store(&p->generation, generation);
    if (atomic_load(&p->sleepers)) __builtin_wasm_memory_atomic_notify((int32_t *)&p->generation, (uint32_t)p->workers);
}

void trit_threads_stop(trit_threads *p) {
    atomic_store(&p->quit, 1);
    publish(p, atomic_load(&p->generation) + 1);
    __builtin_wasm_memory_atomic_notify((int32_t *)&p->generation, (uint32_t)p->workers);
}

/* Publishes *j over `units` units, takes chunks itself, and returns when every unit is done. */
static void run_job(trit_threads *p, job *j, uint32_t units) {
    const uint32_t threads = (uint32_t)p->workers + 1, chunk = units / (threads * CHUNKS_PER_THREAD);
    j->units = units, j->chunk = chunk ? chunk : 1;
    const uint32_t generation = atomic_load(&p->generation) + 1;
    atomic_store(&p->remaining, (int32_t)units);
    atomic_store(&p->claim, (uint64_t)generation << 32);
    publish(p, generation);
    take_chunks(p, j, generation, p->own);
    /* The rest is in workers' hands: spin a little, then (where allowed) sleep until the last one is
     * done, so a worker the OS has descheduled can have this core. */
    for (int i = 0; i < SPIN_BEFORE_SLEEP && atomic_load(&p->remaining) > 0; i++) {
    }
    if (!p->caller_may_wait) {
        while (atomic_load(&p->remaining) > 0) {
        }
        return;
    }
    atomic_store(&p->caller_sleeping, 1);
    for (int32_t r; (r = atomic_load(&p->remaining)) > 0;)
        __builtin_wasm_memory_atomic_wait32((int32_t *)&p->remaining, r, 1000000); /* 1 ms at most */
    atomic_store(&p->caller_sleeping, 0);
}

void trit_threads_caller_may_wait(trit_threads *p, int may_wait) { p->caller_may_wait = may_wait; }

int trit_threads_step(const step *s, const float *x, const float *bias, const trit_epilogue *e, float *y, void *scratch) {
    trit_threads *p = trit_exec_threads;
    if (!p) return 0;
    const trit_conv_shape *shape;
    const void *packed;
    void (*prepare)(const trit_conv_shape *, const void *, const float *, void *);
    int (*range_units)(const trit_conv_shape *), (*prepare_units_of)(const trit_conv_shape *) = NULL;
    run_range_fn run_range;
    prepare_range_fn prepare_range = NULL;
    if (s->kind == STEP_TCONV) {
        const trit_tconv_kernel *k = s->u.tconv.kernel;
        shape = &s->u.tconv.shape, packed = s->u.tconv.packed;
        prepare = k->prepare, range_units = k->range_units, run_range = k->run_range;
        prepare_units_of = k->prepare_units, prepare_range = k->prepare_range;
        if (run_range && k->own_size && k->own_size(shape) > p->own_bytes) return 0; /* not reserved */
    } else if (s->kind == STEP_FCONV) {
        const trit_fconv_kernel *k = s->u.fconv.kernel;
        shape = &s->u.fconv.shape, packed = s->u.fconv.packed;
        prepare = k->prepare, range_units = k->range_units, run_range = k->run_range;
    } else {
        return 0;
    }
    if (!run_range || shape->batch != 1) return 0;
    const double macs = (double)shape->out_channels * shape->out_h * shape->out_w * (shape->in_channels / shape->group) *
                        shape->kernel_h * shape->kernel_w;
    const int units = range_units(shape);
    if (units < 2 || macs < SPLIT_MIN_MACS) return 0;
    const int big_input = (double)shape->in_channels * shape->in_h * shape->in_w >= SPLIT_PREPARE_MIN_INPUT;
    const int prepare_units = prepare_range && prepare_units_of && big_input ? prepare_units_of(shape) : 0;
    job *j = &p->job;
    j->shape = shape, j->packed = packed, j->x = x, j->bias = bias, j->e = *e, j->y = y, j->scratch = scratch;
    if (prepare_units >= 2) {
        j->run_range = NULL, j->prepare_range = prepare_range;
        run_job(p, j, (uint32_t)prepare_units);
    } else {
        prepare(shape, packed, x, scratch);
    }
    j->run_range = run_range;
    run_job(p, j, (uint32_t)units);
    return 1;
}
#endif
