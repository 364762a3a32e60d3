# Benchmarks (not part of `make test`) and the kernel test.
#   make bench          end-to-end: trit vs onnxruntime-web vs tfjs-backend-wasm in Node, one thread;
#                       updates the table in docs/BENCHMARKS.md (BENCH_RUNS=30 timed runs per engine); then
#                       make bench-threads
#   make bench-threads  two threads in headless Chromium, cross-origin isolated: trit 1 and 2 threads vs
#                       onnxruntime-web numThreads=2 vs tfjs-backend-wasm threaded SIMD (bench/threads.mjs;
#                       THREADS_RUNS=10 timed runs x THREADS_BLOCKS=3 blocks per engine and model)
#   make bench-kernels  per-layer micro-benchmark of the ternary conv variants and design experiments
#                       (FILTER=name-substring ZEROS=50,85 LAYERS=r18)
#   make test-kernels   tests/c/test_tconv.c and test_tconv_i8.c as wasm SIMD128 under Node (in make test; core's test-c and
#                       test-c-sanitize run it natively)
# Wasm modules are standalone (no Emscripten JS), built with emcc -O3 -msimd128 and timed from JS.

BENCH_BUILD := $(BUILD)/bench
BENCH_EMCC := NODE_PATH=/usr/share/nodejs emcc
BENCH_CFLAGS := -std=c11 -O3 -msimd128 -Wall -Icore/include -Icore/src -DTRIT_WASM_DENSE_I8
BENCH_RUNS ?= 30
KERNEL_DIR := core/src/kernels
KERNEL_SOURCES := $(filter-out %__sse2.c,$(wildcard $(KERNEL_DIR)/*/*.c))
KERNEL_HEADERS := $(wildcard $(KERNEL_DIR)/*.h $(KERNEL_DIR)/*/*.h) core/src/ops/ops.h core/src/alloc.h
# the scalar references the kernels' reference variants call
KERNEL_REFS := core/src/ops/ternary.c core/src/ops/conv.c core/src/ops/pool.c core/src/ops/gemm.c

# Design experiments: the sparse kernel with other accumulator counts / loop orders.
BENCH_DESIGNS := v4:-DSP_VECS=4 v12:-DSP_VECS=12 v16:-DSP_VECS=16 v8_tile_outer:-DSP_CHANNEL_OUTER_TILES=0
BENCH_DESIGN_OBJS := $(foreach d,$(BENCH_DESIGNS),$(BENCH_BUILD)/design_$(firstword $(subst :, ,$(d))).o) \
	$(BENCH_BUILD)/design_triples_always.o

$(BENCH_BUILD)/design_%.o: $(KERNEL_DIR)/tconv/tconv_f32_sparse__wasmsimd.c $(KERNEL_HEADERS) bench/bench.mk
	@mkdir -p $(@D)
	$(BENCH_EMCC) $(BENCH_CFLAGS) $(word 2,$(subst :, ,$(filter $*:%,$(BENCH_DESIGNS)))) \
	  -DSP_VARIANT_NAME='"sparse_$*"' -Dtrit_tconv_f32_sparse__wasmsimd=bench_design_$* -c $< -o $@

# the triples kernel on every layer, whatever its share of zeros (to measure the break-even)
$(BENCH_BUILD)/design_triples_always.o: $(KERNEL_DIR)/tconv/tconv_f32_triples__wasmsimd.c $(KERNEL_HEADERS) bench/bench.mk
	@mkdir -p $(@D)
	$(BENCH_EMCC) $(BENCH_CFLAGS) -DSP_TRIPLES_MAX_RATIO=100 -DSP_VARIANT_NAME='"triples_always"' \
	  -Dtrit_tconv_f32_triples__wasmsimd=bench_design_triples_always -c $< -o $@

$(BENCH_BUILD)/tconv_bench.wasm: bench/tconv_bench.c bench/int16_probe.c $(KERNEL_SOURCES) $(KERNEL_HEADERS) $(BENCH_DESIGN_OBJS)
	@mkdir -p $(@D)
	$(BENCH_EMCC) $(BENCH_CFLAGS) --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 \
	  -sEXPORTED_FUNCTIONS=_bench_setup,_bench_run,_bench_variant_name,_bench_error \
	  bench/tconv_bench.c bench/int16_probe.c $(KERNEL_SOURCES) $(KERNEL_REFS) $(BENCH_DESIGN_OBJS) -o $@

$(BENCH_BUILD)/kernel_runner.wasm: bench/kernel_runner.c $(KERNEL_SOURCES) $(KERNEL_HEADERS)
	@mkdir -p $(@D)
	$(BENCH_EMCC) $(BENCH_CFLAGS) --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 \
	  -sEXPORTED_FUNCTIONS=_rt_tensor,_rt_data,_rt_conv,_rt_maxpool,_rt_shortcut_a,_rt_gap,_rt_fc,_rt_op_kernel,_rt_run_op,_rt_op_count,_rt_run_all,_malloc,_free \
	  bench/kernel_runner.c $(KERNEL_SOURCES) $(KERNEL_REFS) -o $@

$(BENCH_BUILD)/models/resnet18_z85.net.json: bench/make_models.py models/export.py
	@mkdir -p $(@D)
	$(PYTHON) bench/make_models.py $(@D)

# The shipped models and their float twins for the peers (bench/fold_model.mjs folds the ternary decode
# chain with onnxruntime-node, bench/shipped_twins.py writes .float.onnx and the tfjs op list); a
# models/<name>-8bit.onnx twin is copied as <name>.8bit.onnx for the 8-bit SDK row.
SHIPPED_MODELS := $(filter-out %-8bit.onnx,$(wildcard models/*.onnx))
$(BENCH_BUILD)/models/shipped/list.jsonl: $(SHIPPED_MODELS) $(wildcard models/*-8bit.onnx) bench/shipped_twins.py bench/fold_model.mjs
	rm -rf $(@D) && mkdir -p $(@D)
	for m in $(SHIPPED_MODELS); do n=$$(basename $$m .onnx); cp $$m $(@D)/$$n.onnx; \
	  if [ -f models/$$n-8bit.onnx ]; then cp models/$$n-8bit.onnx $(@D)/$$n.8bit.onnx; fi; \
	  $(NODE) bench/fold_model.mjs $$m $(@D)/$$n.folded.onnx && \
	  $(PYTHON) bench/shipped_twins.py $(@D)/$$n.folded.onnx $(@D)/$$n $$n >> $@.tmp || exit 1; done
	mv $@.tmp $@

# The native CLI against the SDK's wasm on every shipped model and the benchmark ResNet-20 (docs/BENCHMARKS.md)
.PHONY: bench-cli
bench-cli: native wasm $(BENCH_BUILD)/models/resnet18_z85.net.json
	$(NODE) bench/cli_vs_wasm.mjs $(wildcard models/*.onnx) $(BENCH_BUILD)/models/resnet20.onnx $(BENCH_BUILD)/models/resnet20.8bit.onnx

.PHONY: bench bench-threads bench-kernels test-kernels
TEST_TARGETS += test-kernels
bench-kernels: $(BENCH_BUILD)/tconv_bench.wasm
	$(NODE) bench/tconv_bench.mjs $< "$(FILTER)" "$(or $(ZEROS),50,85)" "$(LAYERS)"

# `wasm` (wasm/wasm.mk) builds the engine the SDK loads.
bench: $(BENCH_BUILD)/kernel_runner.wasm $(BENCH_BUILD)/models/resnet18_z85.net.json $(BENCH_BUILD)/models/shipped/list.jsonl wasm
	lscpu | grep -E 'Model name|^CPU\(s\)|L1d|L2|L3' > $(BENCH_BUILD)/machine.txt
	$(NODE) bench/e2e.mjs $(BENCH_BUILD)/models $(BENCH_RUNS) docs/BENCHMARKS.md
	$(MAKE) --no-print-directory bench-threads

THREADS_RUNS ?= 10
THREADS_BLOCKS ?= 3
bench-threads: $(BENCH_BUILD)/models/resnet18_z85.net.json $(BENCH_BUILD)/models/shipped/list.jsonl wasm
	$(NODE) bench/threads.mjs $(BENCH_BUILD)/models $(THREADS_RUNS) $(THREADS_BLOCKS) docs/BENCHMARKS.md

# The kernel sweep as wasm SIMD128 under Node (core/core.mk runs the same test natively, plain
# and under ASan/UBSan, with the SSE2 variants).
$(BENCH_BUILD)/test_tconv.cjs: tests/c/test_tconv.c tests/c/check.h tests/c/conv_cases.h $(KERNEL_SOURCES) $(KERNEL_HEADERS) $(KERNEL_REFS)
	@mkdir -p $(@D)
	$(BENCH_EMCC) $(BENCH_CFLAGS) -Werror tests/c/test_tconv.c $(KERNEL_SOURCES) $(KERNEL_REFS) \
	  -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o $(BENCH_BUILD)/test_tconv.js
	mv $(BENCH_BUILD)/test_tconv.js $@

$(BENCH_BUILD)/test_tconv_i8.cjs: tests/c/test_tconv_i8.c tests/c/check.h tests/c/conv_cases.h $(KERNEL_SOURCES) $(KERNEL_HEADERS) $(KERNEL_REFS)
	@mkdir -p $(@D)
	$(BENCH_EMCC) $(BENCH_CFLAGS) -Werror tests/c/test_tconv_i8.c $(KERNEL_SOURCES) $(KERNEL_REFS) \
	  -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o $(BENCH_BUILD)/test_tconv_i8.js
	mv $(BENCH_BUILD)/test_tconv_i8.js $@

$(BENCH_BUILD)/test_fgemm.cjs: tests/c/test_fgemm.c tests/c/check.h tests/c/conv_cases.h $(KERNEL_SOURCES) $(KERNEL_HEADERS) $(KERNEL_REFS)
	@mkdir -p $(@D)
	$(BENCH_EMCC) $(BENCH_CFLAGS) -Werror tests/c/test_fgemm.c $(KERNEL_SOURCES) $(KERNEL_REFS) \
	  -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -o $(BENCH_BUILD)/test_fgemm.js
	mv $(BENCH_BUILD)/test_fgemm.js $@

test-kernels: $(BENCH_BUILD)/test_tconv.cjs $(BENCH_BUILD)/test_tconv_i8.cjs $(BENCH_BUILD)/test_fgemm.cjs
	cd $(BENCH_BUILD) && $(NODE) --no-experimental-fetch test_tconv.cjs && $(NODE) --no-experimental-fetch test_tconv_i8.cjs \
	  && $(NODE) --no-experimental-fetch test_fgemm.cjs
