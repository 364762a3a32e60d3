/* Minimal test harness for the C suites: CHECK records a failure and goes on; each test binary
 * ends with CHECK_REPORT(), which prints "name: N passed, M failed" and sets the exit code. */
#ifndef TRIT_CHECK_H
#define TRIT_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_passed_count = 0;
static int check_failed_count = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            check_passed_count++;                                                     \
        } else {                                                                      \
            check_failed_count++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                          \
    do {                                                                              \
        if (cond) {                                                                   \
            check_passed_count++;                                                     \
        } else {                                                                      \
            check_failed_count++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
        }                                                                             \
    } while (0)

/* |a - b| <= abs_tol + rel_tol * |b| */
#define CHECK_NEAR(a, b, abs_tol, rel_tol)                                                            \
    CHECK_MSG(fabs((double)(a) - (double)(b)) <= (abs_tol) + (rel_tol) * fabs((double)(b)), "%.9g vs %.9g", \
              (double)(a), (double)(b))

#define CHECK_REPORT(name)                                                                   \
    (printf("%s: %d passed, %d failed\n", (name), check_passed_count, check_failed_count),  \
     check_failed_count ? 1 : 0)

#endif
