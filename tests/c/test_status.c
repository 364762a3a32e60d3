/* The status table (TRIT_STATUS_TABLE in core/include/trit.h): trit_status_name() gives every
 * code's enum name, an unknown value a fixed name, and js_sdk/trit.d.ts declares exactly the
 * error codes of the table in its TritErrorCode union (the SDK throws them by name). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trit.h"

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
            text[fread(text, 1, (size_t)size, f)] = 0;
        }
    }
    fclose(f);
    return text;
}

int main(void) {
    static const struct { trit_status status; int value; const char *name; } table[] = {
#define ROW(name, value, meaning) {name, value, #name},
        TRIT_STATUS_TABLE(ROW)
#undef ROW
    };
    const size_t count = sizeof table / sizeof table[0];
    for (size_t i = 0; i < count; i++) {
        CHECK((int)table[i].status == table[i].value);
        CHECK(strcmp(trit_status_name(table[i].status), table[i].name) == 0);
    }
    CHECK(strcmp(trit_status_name((trit_status)99), "TRIT_ERROR_UNKNOWN") == 0);

    /* trit.d.ts: the TritErrorCode union lists 'TRIT_...' names; both directions must agree */
    char *dts = read_text("js_sdk/trit.d.ts");
    CHECK_MSG(dts != NULL, "cannot read js_sdk/trit.d.ts (run from the repository root)");
    if (dts) {
        const char *start = strstr(dts, "export type TritErrorCode");
        const char *end = start ? strchr(start, ';') : NULL;
        CHECK_MSG(start && end, "js_sdk/trit.d.ts has no TritErrorCode union");
        if (start && end) {
            for (size_t i = 1; i < count; i++) { /* TRIT_OK is not an error */
                char quoted[64];
                snprintf(quoted, sizeof quoted, "'%s'", table[i].name);
                const char *at = strstr(start, quoted);
                CHECK_MSG(at && at < end, "trit.d.ts's TritErrorCode lacks %s", quoted);
            }
            for (const char *p = strstr(start, "'TRIT_"); p && p < end; p = strstr(p + 1, "'TRIT_")) {
                size_t len = strcspn(p + 1, "'");
                int known = 0;
                for (size_t i = 1; i < count; i++) known |= strlen(table[i].name) == len && strncmp(table[i].name, p + 1, len) == 0;
                CHECK_MSG(known, "trit.d.ts names %.*s, which is not in TRIT_STATUS_TABLE", (int)len, p + 1);
            }
        }
        free(dts);
    }
    return CHECK_REPORT("test_status");
}
