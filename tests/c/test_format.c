/* trit_format (core/src/format.c), the library's own formatter, against the C library's snprintf:
 * every conversion the library's messages and JSON use, truncation and the returned length, and
 * %.9g (the JSON numbers), %g and %.1g on random float32 values (every bit pattern class: normal,
 * subnormal, huge) and random doubles, which must give exactly the C library's text. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "format.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation" /* the truncation cases are on purpose */
#endif

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* trit_format and snprintf of one format with one double argument */
static int same_general(const char *fmt, double value, char *mine, char *libc) {
    trit_format(mine, 64, fmt, value);
    snprintf(libc, 64, fmt, value);
    return strcmp(mine, libc) == 0;
}

static void sweep_general(const char *what, int count, int floats, const char *fmt) {
    char mine[64], libc[64];
    int mismatches = 0;
    for (int i = 0; i < count; i++) {
        double value;
        if (floats) {
            uint32_t bits = (uint32_t)next_random();
            float f;
            memcpy(&f, &bits, sizeof f);
            if (!isfinite(f)) continue;
            value = f;
        } else {
            uint64_t bits = next_random();
            memcpy(&value, &bits, sizeof value);
            if (!isfinite(value)) continue;
        }
        if (!same_general(fmt, value, mine, libc) && mismatches++ < 5)
            fprintf(stderr, "  %s %s of %a: trit_format '%s', snprintf '%s'\n", what, fmt, value, mine, libc);
    }
    CHECK_MSG(mismatches == 0, "%s: %d of %d differ from snprintf", what, mismatches, count);
    printf("  %-34s %s on %d values: %d differ from snprintf\n", what, fmt, count, mismatches);
}

int main(int argc, char **argv) {
    /* random values per sweep: argv[1] (test-valgrind passes a few thousand), else 1,000,000 / 300,000 / 100,000 */
    int random_count = argc > 1 ? atoi(argv[1]) : 0;
    char mine[128], libc[128];
#define SAME(...)                                                                                   \
    do {                                                                                            \
        size_t n1 = trit_format(mine, sizeof mine, __VA_ARGS__);                                    \
        int n2 = snprintf(libc, sizeof libc, __VA_ARGS__);                                          \
        CHECK_MSG(strcmp(mine, libc) == 0 && n1 == (size_t)n2, "'%s' (%zu) vs '%s' (%d)", mine, n1, libc, n2); \
    } while (0)
    /* the library's conversions */
    SAME("node '%s' (%s): attribute '%s': %s", "conv1", "Conv", "pads", "4 values expected");
    SAME("%zu bytes, %zu elements", (size_t)0, (size_t)18446744073709551615ull);
    SAME("index %lld is out of range for axis size %lld", -9223372036854775807ll - 1, 9223372036854775807ll);
    SAME("%d x %d, %d", 0, -2147483647 - 1, 2147483647);
    SAME("%u %c%c %%", 4294967295u, 'o', 'k');
    SAME("\\u%04x \\u%04x", 0x1f, 0x7);
    SAME("%ld %lu %x", -5l, 7ul, 0xbeefu);
    SAME("%s", "");
    SAME("plain text, no conversions");
    /* general format: special values and the edges of the fixed/exponent forms */
    const double edges[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1e-4, 9.99999999e-5, 1e-5, 123456789.0, 999999999.0,
                            999999999.5, 1e9, 1e10, 0.5, 2.5, 6.103515625e-05, 1.0000000005, 9.9999999949,
                            9.9999999951, 84.86, 0.000123456789, DBL_MAX, DBL_MIN, 4.9406564584124654e-324,
                            FLT_MAX, FLT_MIN, FLT_TRUE_MIN, 1e22, 1e23, 1e-22, 1e-23, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        SAME("%.9g", edges[i]);
        SAME("%g", edges[i]);
        SAME("%.1g", edges[i]);
    }
    /* truncation: at most size - 1 characters and a NUL; the whole length returned */
    for (size_t size = 0; size < 12; size++) {
        char small[12] = "XXXXXXXXXXX", ref[12] = "XXXXXXXXXXX";
        size_t n1 = trit_format(small, size, "%s=%.9g", "scale", 0.125);
        int n2 = snprintf(ref, size, "%s=%.9g", "scale", 0.125);
        CHECK_MSG(n1 == (size_t)n2 && memcmp(small, ref, sizeof small) == 0, "size %zu: '%.12s' vs '%.12s'", size,
                  small, ref);
    }
    /* an unknown conversion (or a precision above 9) is written as it stands; not a literal, so the
     * compiler's format check lets it through */
    const char *unknown = "%q, %.12g and %";
    trit_format(mine, sizeof mine, unknown, 1, 2.0);
    CHECK_MSG(strcmp(mine, "%q, %.12g and %") == 0, "'%s'", mine);
    sweep_general("random float32 bit patterns", random_count ? random_count : 1000000, 1, "%.9g");
    sweep_general("random double bit patterns", random_count ? random_count : 300000, 0, "%.9g");
    sweep_general("random double bit patterns", random_count ? random_count : 100000, 0, "%g");
    sweep_general("random double bit patterns", random_count ? random_count : 100000, 0, "%.1g");
    return CHECK_REPORT("test_format");
}
