# core/core.mk — the C library, the native CLI and their tests.
#   make native            build/native/libtrit.a and build/native/trit
#   make test-c            every tests/c/test_*.c as its own binary, all run
#   make test-c-sanitize   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-conformance  ONNX backend node tests from libonnx-testdata
#   make test-crosscheck   logits against onnxruntime-node on ResNet-20/18, float and ternary

CC ?= cc
CORE_CFLAGS := -std=c11 -O2 -Wall -Wextra -Icore/include -Icore/src
CORE_SAN_FLAGS := -std=c11 -O1 -g -Wall -Wextra -Icore/include -Icore/src -fsanitize=address,undefined \
                  -fno-sanitize-recover=all -fno-omit-frame-pointer
# every .c under core/src (compile/, ops/, kernels/*/, image.c ... are picked up as they appear); a
# kernel variant for one ISA is compiled only where that ISA exists: *__wasmsimd.c only into wasm
# builds (wasm/wasm.mk), *__sse2.c only into native ones
CORE_ALL_SRCS := $(shell find core/src -name '*.c' | sort)
CORE_SRCS := $(filter-out %__wasmsimd.c,$(CORE_ALL_SRCS))
CORE_HDRS := $(shell find core/include core/src core/third_party -name '*.h')
NATIVE := $(BUILD)/native
SANITIZE := $(BUILD)/native-sanitize
C_TEST_SRCS := $(sort $(wildcard tests/c/test_*.c))
C_TESTS := $(patsubst tests/c/%.c,$(NATIVE)/tests/%,$(C_TEST_SRCS))
C_SAN_TESTS := $(patsubst tests/c/%.c,$(SANITIZE)/tests/%,$(C_TEST_SRCS))
ONNX_NODE_TESTS ?= /usr/share/libonnx-testdata/data/node

ALL_TARGETS += native
TEST_TARGETS += test-c test-c-sanitize test-conformance test-crosscheck

.PHONY: native test-c test-c-sanitize test-conformance test-crosscheck

native: $(NATIVE)/libtrit.a $(NATIVE)/trit

# The library and the test binaries, once per flavour: $(1) the build folder, $(2) the name of its flags.
define core_flavour
$(1)/obj/%.o: %.c $$(CORE_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(2)) -c $$< -o $$@

$(1)/libtrit.a: $$(patsubst %.c,$(1)/obj/%.o,$$(CORE_SRCS))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	ar rcs $$@ $$^

$(1)/tests/%: tests/c/%.c $$(wildcard tests/c/*.h) $(1)/libtrit.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(2)) -D_POSIX_C_SOURCE=200809L $$< $(1)/libtrit.a -lm -o $$@
endef
$(eval $(call core_flavour,$(NATIVE),CORE_CFLAGS))
$(eval $(call core_flavour,$(SANITIZE),CORE_SAN_FLAGS))

$(NATIVE)/trit: cli/trit.c $(NATIVE)/libtrit.a $(CORE_HDRS)
	$(CC) $(CORE_CFLAGS) -D_POSIX_C_SOURCE=200809L cli/trit.c $(NATIVE)/libtrit.a -lm -o $@

test-c: $(C_TESTS) $(NATIVE)/trit
	@failed=0; for t in $(C_TESTS); do $$t || failed=1; done; exit $$failed

test-c-sanitize: $(C_SAN_TESTS) $(NATIVE)/trit
	@failed=0; for t in $(C_SAN_TESTS); do ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || failed=1; done; \
	echo "sanitizers: address,undefined ($(words $(C_SAN_TESTS)) suites)"; exit $$failed

$(NATIVE)/conformance: tests/conformance/conformance.c $(NATIVE)/libtrit.a $(CORE_HDRS)
	$(CC) $(CORE_CFLAGS) -Wno-format-truncation -D_DEFAULT_SOURCE $< $(NATIVE)/libtrit.a -lm -o $@

# The node tests are the suite the issue asks for; the PyTorch-converted ones add grouped and
# depthwise convs, BatchNorm and pooling as PyTorch exports them.
test-conformance: $(NATIVE)/conformance
	$(NATIVE)/conformance $(ONNX_NODE_TESTS)
	@for d in pytorch-converted pytorch-operator; do \
	  if [ -d $(ONNX_NODE_TESTS)/../$$d ]; then echo "-- $$d"; $(NATIVE)/conformance $(ONNX_NODE_TESTS)/../$$d | tail -1 || exit 1; fi; done

CROSSCHECK_SOURCES := tests/crosscheck/make_models.py $(wildcard models/export.py models/train/arch.py)

$(BUILD)/crosscheck/manifest.json: $(CROSSCHECK_SOURCES)
	$(PYTHON) tests/crosscheck/make_models.py --out $(BUILD)/crosscheck

# Plus 24 small random graphs (conv geometry, BN, Relu/Clip, residual Add, pooling, Gemm, Softmax;
# float, ternary and two-plane ternary weights).
$(BUILD)/crosscheck-random/.stamp: tests/crosscheck/make_random_graphs.py
	rm -rf $(BUILD)/crosscheck-random
	$(PYTHON) tests/crosscheck/make_random_graphs.py $(BUILD)/crosscheck-random 24
	@touch $@

test-crosscheck: native $(BUILD)/crosscheck/manifest.json $(BUILD)/crosscheck-random/.stamp
	$(NODE) tests/crosscheck/crosscheck.mjs $(BUILD)/crosscheck
	$(NODE) tests/crosscheck/crosscheck.mjs $(BUILD)/crosscheck-random --inputs 2 --quiet
