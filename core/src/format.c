/* trit_format: see format.h. */
#include "format.h"

#include <math.h>

typedef struct {
    char *out;
    size_t size;   /* of out, the NUL included */
    size_t length; /* of the whole text, also past what fits */
} sink;

static void put(sink *s, char c) {
    if (s->length + 1 < s->size) s->out[s->length] = c;
    s->length++;
}

static void put_text(sink *s, const char *text) {
    while (*text) put(s, *text++);
}

/* value in base 10 or 16, at least width digits (padded with pad). */
static void put_unsigned(sink *s, unsigned long long value, unsigned base, int width, char pad) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value);
    while (width-- > n) put(s, pad);
    while (n) put(s, digits[--n]);
}

/* 10^0 .. 10^22: exact in a double, so value * or / one of them rounds once. */
static const double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static double scale_by_ten(double value, int exponent) {
    while (exponent > 22) value *= 1e22, exponent -= 22;
    while (exponent < -22) value /= 1e22, exponent += 22;
    return exponent >= 0 ? value * powers_of_ten[exponent] : value / powers_of_ten[-exponent];
}

/* %.<precision>g of a value, precision 1..9: value * 10^k then rint gives exactly the C library's
 * digits (tests/c/test_format.c: 1,000,000 random float32 values and 500,000 random doubles; at 17
 * digits a double's arithmetic would not). Precision significant digits rounded half to even (what
 * the C library does for a value exactly halfway), trailing zeros dropped, the exponent form when
 * the exponent is below -4 or at least precision. */
static void put_general(sink *s, double value, int precision) {
    if (value != value) {
        put_text(s, "nan");
        return;
    }
    if (signbit(value)) put(s, '-'), value = -value;
    if (value == INFINITY) {
        put_text(s, "inf");
        return;
    }
    if (value == 0) {
        put(s, '0');
        return;
    }
    /* the decimal exponent: an estimate, then corrected after rounding to precision digits */
    int exponent = 0;
    while (exponent < 400 && scale_by_ten(value, -(exponent + 1)) >= 1) exponent++;
    while (exponent > -400 && scale_by_ten(value, -exponent) < 1) exponent--;
    double low = powers_of_ten[precision - 1], high = powers_of_ten[precision];
    double digits = rint(scale_by_ten(value, precision - 1 - exponent));
    if (digits >= high) digits = rint(scale_by_ten(value, precision - 1 - ++exponent));
    if (digits < low) digits = rint(scale_by_ten(value, precision - 1 - --exponent));
    if (digits >= high) digits = low, exponent++; /* rounded up to the next power of ten */

    char text[10];
    int n = precision;
    unsigned long long whole = (unsigned long long)digits;
    for (int i = n - 1; i >= 0; i--) text[i] = (char)('0' + whole % 10), whole /= 10;
    while (n > 1 && text[n - 1] == '0') n--; /* significant digits left: text[0..n) */

    if (exponent < -4 || exponent >= precision) {
        put(s, text[0]);
        if (n > 1) put(s, '.');
        for (int i = 1; i < n; i++) put(s, text[i]);
        put(s, 'e');
        put(s, exponent < 0 ? '-' : '+');
        put_unsigned(s, (unsigned long long)(exponent < 0 ? -exponent : exponent), 10, 2, '0');
    } else if (exponent < 0) {
        put_text(s, "0.");
        for (int i = exponent; i < -1; i++) put(s, '0');
        for (int i = 0; i < n; i++) put(s, text[i]);
    } else {
        for (int i = 0; i <= exponent; i++) put(s, i < n ? text[i] : '0');
        if (n > exponent + 1) put(s, '.');
        for (int i = exponent + 1; i < n; i++) put(s, text[i]);
    }
}

size_t trit_vformat(char *out, size_t size, const char *fmt, va_list ap) {
    sink s = {out, size, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&s, *p);
            continue;
        }
        const char *start = p++;
        char pad = ' ';
        int width = 0, precision = -1, longs = 0, size_t_arg = 0;
        if (*p == '0') pad = '0', p++;
        while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        if (*p == '.') {
            precision = 0;
            for (p++; *p >= '0' && *p <= '9'; p++) precision = precision * 10 + (*p - '0');
        }
        while (*p == 'l') longs++, p++;
        if (*p == 'z') size_t_arg = 1, p++;
        switch (*p) {
        case '%': put(&s, '%'); break;
        case 'c': put(&s, (char)va_arg(ap, int)); break;
        case 's': {
            const char *text = va_arg(ap, const char *);
            put_text(&s, text ? text : "(null)");
            break;
        }
        case 'd': {
            long long v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : size_t_arg
                ? (long long)va_arg(ap, size_t) : va_arg(ap, int);
            if (v < 0) put(&s, '-');
            put_unsigned(&s, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 10, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = longs >= 2 ? va_arg(ap, unsigned long long) : longs ? va_arg(ap, unsigned long)
                : size_t_arg ? va_arg(ap, size_t) : va_arg(ap, unsigned);
            put_unsigned(&s, v, *p == 'x' ? 16 : 10, width, pad);
            break;
        }
        case 'g':
            if (precision <= 9) {
                put_general(&s, va_arg(ap, double), precision < 0 ? 6 : precision == 0 ? 1 : precision);
                break;
            }
            (void)va_arg(ap, double); /* more digits than a double's arithmetic rounds exactly: unknown */
            /* fall through */
        default: /* not one this formatter knows (or the text ended): written as it stands */
            if (!*p) p--;
            for (const char *q = start; q <= p; q++) put(&s, *q);
        }
    }
    if (size) out[s.length < size ? s.length : size - 1] = 0;
    return s.length;
}

size_t trit_format(char *out, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t length = trit_vformat(out, size, fmt, ap);
    va_end(ap);
    return length;
}
