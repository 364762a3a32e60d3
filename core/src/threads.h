/* Threads: a step's work split among the calling thread and a pool of workers on one shared memory
 * (the threaded wasm build, trit-mt.wasm; docs/KERNELS.md "Work splitting"). Compiled in only with
 * TRIT_THREADS (-matomics -mbulk-memory); every other build runs each step whole on its caller.
 *
 * A split step runs in two phases, each published as a job: the kernel's prepare_range() over rows of
 * the prepared copy (where the kernel has it; else the caller runs prepare() alone), then its
 * run_range() over its units (tiles or output channels). The caller and the workers take chunks of
 * a job's units from one atomic counter until none is left; the caller moves on when every unit is done.
 * Each output element is computed by the same code from the same inputs as in the whole run(), so
 * results are bit-identical whatever the thread count or the order chunks are taken in. A worker
 * that is slow to wake (another process has the core) costs nothing: the others take its chunks.
 *
 * Workers never allocate and never fail; they spin briefly on the job counter after a job, then
 * sleep (memory.atomic.wait32) until the next. The caller spins briefly for the last chunks, then
 * sleeps on the count of units left (so a descheduled worker can have its core) -- except on a
 * browser page's main thread, where memory.atomic.wait32 traps: there it spins. */
#ifndef TRIT_THREADS_H
#define TRIT_THREADS_H

#include <stddef.h>

#include "engine.h"

#define TRIT_MAX_THREADS 16            /* caller + workers */
#define TRIT_THREAD_STACK (64 * 1024)  /* each worker's stack, as the caller's (wasm/wasm.mk) */

typedef struct trit_threads trit_threads;

#ifdef TRIT_THREADS
/* The pool the executor splits steps over (one model per wasm instance); NULL runs steps whole. */
extern trit_threads *trit_exec_threads;

/* A pool for `workers` workers (1 .. TRIT_MAX_THREADS - 1), their stacks included; NULL when out of
 * memory. The workers are started by the host, each in trit_threads_worker. */
trit_threads *trit_threads_create(int workers);
/* The initial stack pointer of worker `index` (16-aligned, the top of its own stack). */
void *trit_threads_stack_top(trit_threads *pool, int index);
/* Makes room for the own memory every split step of `steps` needs per thread (tconv_i8_dense's
 * sums); TRIT_ERROR_MEMORY when that cannot be allocated. */
trit_status trit_threads_reserve(trit_threads *pool, const step *steps, size_t count);
/* Whether the thread that runs the model may block in memory.atomic.wait32 (not on a page's main
 * thread); default 0: it only spins. */
void trit_threads_caller_may_wait(trit_threads *pool, int may_wait);
/* A worker's life: take chunks of each job until trit_threads_stop. */
void trit_threads_worker(trit_threads *pool, int index);
/* Wakes every worker to return from trit_threads_worker (the pool stays allocated). */
void trit_threads_stop(trit_threads *pool);
void trit_threads_destroy(trit_threads *pool);

/* exec.c: runs a STEP_TCONV / STEP_FCONV split over trit_exec_threads and returns 1, or returns 0
 * (no pool, a kernel that runs whole only, batch > 1, fewer than 2 units): the caller runs it whole. */
int trit_threads_step(const step *s, const float *x, const float *bias, const trit_epilogue *e, float *y, void *scratch);
#endif

#endif
