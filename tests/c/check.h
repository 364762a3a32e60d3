/* Minimal test harness for the C suites: CHECK records a failure and goes on; each test binary
 * ends with CHECK_REPORT(), which prints "name: N passed, M failed" and sets the exit code. */
#ifndef TRIT_CHECK_H
#define TRIT_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_passed_count = 0;
static int check_failed_count = 0;

/* calloc that never returns NULL (a test out of memory stops, exit code 2). */
static inline void *xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size);
    if (!p) {
        fprintf(stderr, "test: out of memory\n");
        exit(2);
    }
    return p;
}

/* Counts the outcome; a failure prints where and what (CHECK_MSG then adds its detail). */
static inline int check_outcome(int ok, const char *file, int line, const char *cond, int detail) {
    if (ok) {
        check_passed_count++;
        return 1;
    }
    check_failed_count++;
    fprintf(stderr, "%s:%d: CHECK failed: %s%s", file, line, cond, detail ? ": " : "\n");
    return 0;
}

#define CHECK(cond) ((void)check_outcome((cond) ? 1 : 0, __FILE__, __LINE__, #cond, 0))

#define CHECK_MSG(cond, ...)                                                      \
    do {                                                                          \
        if (!check_outcome((cond) ? 1 : 0, __FILE__, __LINE__, #cond, 1)) {       \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
        }                                                                         \
    } while (0)

/* |a - b| <= abs_tol + rel_tol * |b| */
#define CHECK_NEAR(a, b, abs_tol, rel_tol)                                                            \
    CHECK_MSG(fabs((double)(a) - (double)(b)) <= (abs_tol) + (rel_tol) * fabs((double)(b)), "%.9g vs %.9g", \
              (double)(a), (double)(b))

#define CHECK_REPORT(name)                                                                   \
    (printf("%s: %d passed, %d failed\n", (name), check_passed_count, check_failed_count),  \
     check_failed_count ? 1 : 0)

#endif
