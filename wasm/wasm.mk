# WebAssembly build of the core: two standalone modules from the same sources, one with SIMD128
# and one without (for the few engines lacking it); js_sdk/trit.js picks one by feature test.
# STANDALONE_WASM: no Emscripten JS glue (3.1.6's breaks under Node 20); the SDK instantiates the
# module itself, and the only import is env.emscripten_notify_memory_growth.
#
# Size (budget: trit.wasm <= 150 KB): the kernels (core/src/kernels/) are compiled for speed,
# everything else -- loader, compiler, stb_image, reference ops -- for size (-Oz); LTO keeps each
# function's size/speed attribute. Measured on ResNet-20 (min of 15 runs): kernels at -O2
# -fno-unroll-loops run as fast as at -O3 (1.6 ms ternary, 2.5 ms float) in 148.7 KB instead of 164 KB;
# -Os kernels are 143 KB but ~8 % slower. The non-SIMD build runs the reference ops (core/src/ops/,
# exec.c) in its hot loops, so it compiles those for speed too: 107 ms instead of 187 ms (ternary),
# 83 instead of 178 ms (float), for 4 KB more (-O3 gains nothing more). emmalloc instead of
# dlmalloc: the engine allocates at load only.

EMCC := NODE_PATH=/usr/share/nodejs emcc
WASM_DIR := $(BUILD)/wasm
# Every C file under core/src but the x86 kernel variants (*__sse2.c; core/core.mk leaves the
# *__wasmsimd.c ones out of native builds the same way).
WASM_CORE_SOURCES ?= $(filter-out %__sse2.c,$(or $(CORE_ALL_SRCS),$(shell find core/src -name '*.c' | sort)))
WASM_SOURCES := wasm/trit_wasm.c $(WASM_CORE_SOURCES)
WASM_HEADERS := $(shell find core/include core/src core/third_party -name '*.h')
WASM_CFLAGS := -std=c11 -flto -DNDEBUG -Wall -Icore/include -Icore/src -Icore/third_party
# (a family's reference variant only runs where no SIMD variant takes a layer: size over speed).
# core/src/ops/tensor.c (Slice, Pad, Concat, Gather) at -O2 without the vectorizers: the ResNet shortcut's
# strided Slice and channel Pad took 0.031 + 0.038 ms at -Oz, 0.013 + 0.021 ms at -O2, 0.009 + 0.012 ms at -O2
# without vectorizing (stage 2 of resnet20-ttq, model.profile(), quiet machine), for 306 B (-O2: 852 B).
wasm_simd_opt = $(if $(filter core/src/kernels/%_ref.c,$(1)),-Oz,$(if $(filter core/src/kernels/%,$(1)),-O2 -fno-unroll-loops,$(if $(filter core/src/ops/tensor.c,$(1)),-O2 -fno-unroll-loops -fno-vectorize -fno-slp-vectorize,-Oz)))
wasm_plain_opt = $(if $(filter core/src/kernels/% core/src/ops/% core/src/exec.c,$(1)),-O2 -fno-unroll-loops,-Oz)
# 64 KiB of stack is plenty (tensors live in the engine's arena); memory starts at 1 MiB and grows
# as a model needs.
WASM_LDFLAGS := -Oz -flto --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sMALLOC=emmalloc \
	-sTOTAL_STACK=65536 -sINITIAL_MEMORY=1048576 '-sEXPORTED_FUNCTIONS=[]' -sERROR_ON_UNDEFINED_SYMBOLS=1
# The plain-C kernel variants (*__scalar.c) serve only builds without SIMD: left out of trit.wasm;
# the SIMD128 ones (*__wasmsimd.c) are left out of trit-nosimd.wasm.
WASM_SIMD_OBJS := $(patsubst %.c,$(WASM_DIR)/obj-simd/%.o,$(filter-out %__scalar.c,$(WASM_SOURCES)))
WASM_PLAIN_OBJS := $(patsubst %.c,$(WASM_DIR)/obj-nosimd/%.o,$(filter-out %__wasmsimd.c,$(WASM_SOURCES)))

# The threaded build, trit-mt.wasm (issue 17; core/src/threads.h): the SIMD128 build's objects
# compiled again with atomics and bulk memory and TRIT_THREADS, plus wasm/trit_wasm_threads.c,
# linked against an imported shared memory (max 2 GiB, as the other builds can grow to), so every
# worker's instance of the module runs on the model's memory. wasm-ld makes the data segments
# passive and initialises them once (its start function); each instance has its own stack pointer
# (stackRestore). Budget: <= 170,000 B (tests/js/threads.test.mjs).
WASM_MT_OBJS := $(patsubst %.c,$(WASM_DIR)/obj-mt/%.o,$(filter-out %__scalar.c,$(WASM_SOURCES) wasm/trit_wasm_threads.c))
WASM_MT_LDFLAGS := $(WASM_LDFLAGS) -Wl,--shared-memory,--import-memory,--max-memory=2147483648

.PHONY: wasm wasm-size
ALL_TARGETS += wasm

wasm: $(WASM_DIR)/trit.wasm $(WASM_DIR)/trit-nosimd.wasm $(WASM_DIR)/trit-mt.wasm js_sdk/trit.wasm \
	js_sdk/trit-nosimd.wasm js_sdk/trit-mt.wasm

# The SDK finds its engine beside trit.js (the npm package's and a CDN's layout), so the repository
# keeps a copy there too (git-ignored): the demo, the tests and a `file:` dependency use js_sdk/ as is.
js_sdk/%.wasm: $(WASM_DIR)/%.wasm
	cp $< $@

$(WASM_DIR)/obj-simd/%.o: %.c $(WASM_HEADERS) wasm/wasm.mk
	@mkdir -p $(@D)
	$(EMCC) $(WASM_CFLAGS) $(call wasm_simd_opt,$<) -msimd128 -c $< -o $@

$(WASM_DIR)/obj-nosimd/%.o: %.c $(WASM_HEADERS) wasm/wasm.mk
	@mkdir -p $(@D)
	$(EMCC) $(WASM_CFLAGS) $(call wasm_plain_opt,$<) -c $< -o $@

$(WASM_DIR)/obj-mt/%.o: %.c $(WASM_HEADERS) wasm/wasm.mk
	@mkdir -p $(@D)
	$(EMCC) $(WASM_CFLAGS) $(call wasm_simd_opt,$<) -msimd128 -matomics -mbulk-memory -DTRIT_THREADS -c $< -o $@

$(WASM_DIR)/trit-mt.wasm: $(WASM_MT_OBJS)
	$(EMCC) $(WASM_MT_OBJS) $(WASM_MT_LDFLAGS) -o $@

$(WASM_DIR)/trit.wasm: $(WASM_SIMD_OBJS)
	$(EMCC) $(WASM_SIMD_OBJS) $(WASM_LDFLAGS) -o $@

$(WASM_DIR)/trit-nosimd.wasm: $(WASM_PLAIN_OBJS)
	$(EMCC) $(WASM_PLAIN_OBJS) $(WASM_LDFLAGS) -o $@

# Raw and gzip -9 sizes of both builds (js_sdk/README.md quotes them).
# prints the two builds' sizes, then rewrites the size tables of README.md and js_sdk/README.md from the
# built files and the package (wasm/size_tables.mjs), so no hand-copied number goes stale
wasm-size: wasm
	@for f in $(WASM_DIR)/trit.wasm $(WASM_DIR)/trit-nosimd.wasm $(WASM_DIR)/trit-mt.wasm; do \
		printf '%-28s %7d bytes raw, %7d bytes gzip -9\n' $$f $$(stat -c %s $$f) $$(gzip -9c $$f | wc -c); done
	@$(MAKE) --no-print-directory package >/dev/null
	@$(NODE) wasm/size_tables.mjs $(SDK_TARBALL)
