/* TRIT_SPLIT(entry): a kernel variant's work-splitting entry as its family's list shows it (tconv.h
 * "Work splitting"). Left out (NULL) of the single-threaded wasm builds, where nothing splits, so
 * their code lives only inlined in run() there and trit.wasm does not grow for them; every other
 * build (native, trit-mt.wasm) lists them. */
#ifndef TRIT_SPLIT_ENTRIES_H
#define TRIT_SPLIT_ENTRIES_H

#if defined(__wasm__) && !defined(TRIT_THREADS)
#define TRIT_SPLIT(entry) (0 ? (entry) : NULL)
#else
#define TRIT_SPLIT(entry) (entry)
#endif

#endif
