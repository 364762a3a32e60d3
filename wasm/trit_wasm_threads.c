/* The threaded build's own exports (trit-mt.wasm only; js_sdk/trit.js starts the workers). Every
 * instance of the module shares one imported WebAssembly.Memory: the model's instance loads and
 * runs the model; each worker's instance sets its own stack pointer (stackRestore, to
 * trit_wasm_threads_stack) and then spends its life in trit_wasm_threads_worker. Data segments are
 * passive and copied in once (wasm-ld's --shared-memory start function); workers never allocate. */
#include <stddef.h>

#include "../core/src/engine.h"
#include "../core/src/threads.h"

#define TRIT_EXPORT(name) __attribute__((export_name(#name), used))

/* A pool of `workers` workers with their stacks; NULL when out of memory or workers is out of
 * 1 .. 15. The pool runs nothing until trit_wasm_threads_attach. */
TRIT_EXPORT(trit_wasm_threads_create) trit_threads *trit_wasm_threads_create(int workers) {
    return trit_threads_create(workers);
}

TRIT_EXPORT(trit_wasm_threads_stack) void *trit_wasm_threads_stack(trit_threads *pool, int index) {
    return trit_threads_stack_top(pool, index);
}

/* Split the model's steps over the pool from its next run on (own memory reserved first).
 * `caller_may_wait`: the thread running the model may block in memory.atomic.wait32 (not a page's
 * main thread). */
TRIT_EXPORT(trit_wasm_threads_attach) int trit_wasm_threads_attach(trit_model *model, trit_threads *pool, int caller_may_wait) {
    if (!model || !pool) return TRIT_ERROR_ARGUMENT;
    trit_threads_caller_may_wait(pool, caller_may_wait);
    trit_status status = trit_threads_reserve(pool, model->steps, model->step_count);
    if (status == TRIT_OK) trit_exec_threads = pool;
    return status;
}

/* A worker instance's whole life: returns after trit_wasm_threads_stop. */
TRIT_EXPORT(trit_wasm_threads_worker) void trit_wasm_threads_worker(trit_threads *pool, int index) {
    trit_threads_worker(pool, index);
}

TRIT_EXPORT(trit_wasm_threads_stop) void trit_wasm_threads_stop(trit_threads *pool) {
    if (pool) trit_threads_stop(pool);
}
