/* TRIT_LOAD_TIME marks a kernel's load-time code (supports, packing): it runs once per layer when a
 * model loads, so clang compiles it for size rather than speed (trit.wasm's size budget); the run()
 * paths keep the family's speed flags. */
#ifndef TRIT_LOAD_TIME_H
#define TRIT_LOAD_TIME_H

#if defined(__clang__)
#define TRIT_LOAD_TIME __attribute__((minsize))
#else
#define TRIT_LOAD_TIME
#endif

#endif
