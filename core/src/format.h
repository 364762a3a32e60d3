/* The library's one text formatter: snprintf's behaviour for the few conversions its messages and
 * JSON use, in about a tenth of the code. The C library's printf family costs trit.wasm ~8 KB
 * (printf_core with its float, wide-character and positional-argument paths); this is ~1 KB.
 *
 * Conversions: %s %c %d %u %x with an optional zero-padded width (%04x), the length modifiers
 * l, ll and z on d/u/x, %g with a precision of 1..9 (%.9g: the JSON numbers), and %%. Like snprintf: writes at most
 * size - 1 characters and a terminating NUL (when size > 0), and returns the length the whole text
 * would have. A conversion it does not know is written out as it stands (tests/c/test_format.c
 * checks every one the library uses against the C library's snprintf). */
#ifndef TRIT_FORMAT_H
#define TRIT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define TRIT_FORMAT_CHECK(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define TRIT_FORMAT_CHECK(fmt_index, first_arg)
#endif

size_t trit_vformat(char *out, size_t size, const char *fmt, va_list ap);
size_t trit_format(char *out, size_t size, const char *fmt, ...) TRIT_FORMAT_CHECK(3, 4);

#endif
