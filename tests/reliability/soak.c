/* 10,000 inferences with flat memory: classify the same PNG again and again on one model (decode +
 * preprocess + run + top-k, the path an app takes per image) and check that the allocator's live
 * bytes return to the same value after every call and its peak does not grow after the first
 * inferences. With --rss (plain build only: sanitizers and valgrind keep freed memory on purpose)
 * the process RSS is compared too.
 *
 *   soak MODELS_DIR [RUNS] [--rss] */
#include <unistd.h>

#include "../c/check.h"
#include "reliability.h"

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages_total = 0, pages_resident = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = -1;
    fclose(f);
    return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODELS_DIR [RUNS] [--rss]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines reach the log even if a sanitizer aborts */
    long runs = argc > 2 && argv[2][0] != '-' ? atol(argv[2]) : 10000;
    int check_rss = argc > 2 && strcmp(argv[argc - 1], "--rss") == 0;
    install_counting_allocator();
    alloc_arm(-1);
    file_bytes file = read_fixture(argv[1], "small.onnx");
    file_bytes png = read_fixture(argv[1], "image.png");

    trit_model *model = NULL;
    CHECK(trit_model_create(file.data, file.size, NULL, &model) == TRIT_OK);
    const long long loaded_bytes = g_alloc.live_bytes;
    trit_class_score top[3], first[3];
    size_t count = 0;
    long long peak_after_warmup = 0, rss_after_warmup = 0, calls_after_warmup = 0;
    long failures = 0, drifts = 0;
    for (long i = 0; i < runs; i++) {
        trit_status s = trit_model_classify_image(model, png.data, png.size, 3, top, &count);
        if (s != TRIT_OK || count != 3) failures++;
        if (i == 0) memcpy(first, top, sizeof top);
        else if (memcmp(first, top, sizeof top) != 0) failures++;
        if (g_alloc.live_bytes != loaded_bytes) drifts++;
        if (i == 99 || (runs < 100 && i == runs - 1)) {
            peak_after_warmup = g_alloc.peak_bytes;
            rss_after_warmup = rss_kib();
            calls_after_warmup = g_alloc.calls;
        }
    }
    long long calls_per_inference = runs > 100 ? (g_alloc.calls - calls_after_warmup) / (runs - 100) : 0;
    long rss_end = rss_kib();
    printf("soak: %ld inferences, live bytes %lld after load and %lld at the end, allocator peak %lld after 100 and "
           "%lld at the end, %lld allocations per inference, RSS %lld KiB after 100 and %ld KiB at the end\n",
           runs, loaded_bytes, g_alloc.live_bytes, peak_after_warmup, g_alloc.peak_bytes, calls_per_inference,
           rss_after_warmup, rss_end);
    CHECK_MSG(failures == 0, "%ld inferences failed or changed their answer", failures);
    CHECK_MSG(drifts == 0, "live bytes differed from the loaded model's after %ld inferences", drifts);
    CHECK(g_alloc.peak_bytes == peak_after_warmup);
    if (check_rss) CHECK_MSG(rss_end - rss_after_warmup <= 256, "RSS grew by %lld KiB", rss_end - rss_after_warmup);
    trit_model_destroy(model);
    CHECK(g_alloc.live_blocks == 0);
    free(file.data);
    free(png.data);
    trit_set_allocator(NULL);
    return CHECK_REPORT("soak");
}
