# Reliability tests (issue 7), included by tests/fuzz/fuzz.mk.
#
#   make test-reliability   allocation-failure loop, truncated/corrupted models, limits, API misuse,
#                           10,000-inference soak; library and tests built with ASan + UBSan
#                           (LeakSanitizer on), plus the JS boundary tests when the wasm SDK is built
#   make test-valgrind      under valgrind memcheck (no sanitizers): core.mk's C unit tests
#                           ($(C_TESTS)), the reliability tests (fewer random flips and inferences:
#                           valgrind is ~30x slower) and the fuzz regression files. The three kernel
#                           sweeps (test_tconv, test_tconv_i8, test_fgemm) take their fixed layer shapes
#                           and VALGRIND_SWEEP_CASES of their random cases (make test: 40, the first 40 of
#                           the same stream; all 300/300/400 under make test-full, and always in test-c
#                           and test-c-sanitize); test_format 5,000 of its random values per sweep
#                           (all under make test-full)

RELIABILITY_CC ?= gcc
RELIABILITY_DIR := $(BUILD)/reliability
RELIABILITY_MODELS_DIR := $(RELIABILITY_DIR)/models
RELIABILITY_MODELS_STAMP := $(RELIABILITY_MODELS_DIR)/.stamp
RELIABILITY_TESTS := alloc_fail corrupt limits api_misuse soak
RELIABILITY_SOURCES := $(filter-out %__wasmsimd.c,$(sort $(wildcard core/src/*.c core/src/compile/*.c core/src/ops/*.c core/src/kernels/*/*.c)))
RELIABILITY_HEADERS := $(wildcard core/include/*.h core/src/*.h core/src/compile/*.h core/src/ops/*.h core/src/kernels/*/*.h core/third_party/*.h) \
                       tests/reliability/reliability.h tests/c/check.h
RELIABILITY_BASE_CFLAGS := -std=c11 -g -Wall -Wextra -D_POSIX_C_SOURCE=200809L -Icore/include -Icore/src
RELIABILITY_ASAN_CFLAGS := $(RELIABILITY_BASE_CFLAGS) -O1 -fno-omit-frame-pointer \
                           -fsanitize=address,undefined -fno-sanitize-recover=all
RELIABILITY_PLAIN_CFLAGS := $(RELIABILITY_BASE_CFLAGS) -O1
RELIABILITY_ASAN_BINARIES := $(addprefix $(RELIABILITY_DIR)/asan/,$(RELIABILITY_TESTS))
RELIABILITY_PLAIN_BINARIES := $(addprefix $(RELIABILITY_DIR)/plain/,$(RELIABILITY_TESTS))
# Allocation-failure points and corruptions are many; under valgrind each run is ~30x slower, so the
# valgrind run uses fewer random flips and inferences (the prefixes and allocation points stay all).
# random cases of the kernel sweeps under valgrind (empty: each test's own default, all of them)
VALGRIND_SWEEP_CASES ?= $(if $(filter 1,$(TRIT_TEST_FULL)),,40)
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --track-origins=yes

.PHONY: test-reliability test-reliability-c test-reliability-js test-valgrind reliability-models

$(RELIABILITY_MODELS_STAMP): tests/reliability/make_models.py
	@mkdir -p $(RELIABILITY_MODELS_DIR)
	$(PYTHON) tests/reliability/make_models.py $(RELIABILITY_MODELS_DIR)
	@touch $@

reliability-models: $(RELIABILITY_MODELS_STAMP)

# The ASan+UBSan library is core.mk's ($(SANITIZE)/libtrit.a, same flags), built once for both.
RELIABILITY_ASAN_LIB := $(if $(SANITIZE),$(SANITIZE)/libtrit.a,$(RELIABILITY_DIR)/asan/libtrit.a)

# A library of the core per flavour ($(1): asan or plain, $(2): the name of its flags), objects named
# after their path (core/src/pool.c and core/src/ops/pool.c share a basename).
define reliability_lib
$(RELIABILITY_DIR)/$(1)/libtrit.a: $$(RELIABILITY_SOURCES) $$(RELIABILITY_HEADERS)
	@mkdir -p $(RELIABILITY_DIR)/$(1)/obj
	@rm -f $$@
	cd $(RELIABILITY_DIR)/$(1)/obj && rm -f *.o && for s in $$(RELIABILITY_SOURCES); do \
	  o=$$$$(echo $$$$s | tr / _ | sed 's/\.c$$$$/.o/'); \
	  $$(RELIABILITY_CC) $$($(2)) -I$$(CURDIR)/core/include -I$$(CURDIR)/core/src \
	    -c $$(CURDIR)/$$$$s -o $$$$o || exit 1; done
	ar rcs $$@ $(RELIABILITY_DIR)/$(1)/obj/*.o
endef
$(eval $(call reliability_lib,asan,RELIABILITY_ASAN_CFLAGS))
$(eval $(call reliability_lib,plain,RELIABILITY_PLAIN_CFLAGS))

$(RELIABILITY_DIR)/asan/%: tests/reliability/%.c $(RELIABILITY_ASAN_LIB) $(RELIABILITY_HEADERS)
	@mkdir -p $(dir $@)
	$(RELIABILITY_CC) $(RELIABILITY_ASAN_CFLAGS) $< $(RELIABILITY_ASAN_LIB) -lm -o $@

$(RELIABILITY_DIR)/plain/%: tests/reliability/%.c $(RELIABILITY_DIR)/plain/libtrit.a $(RELIABILITY_HEADERS)
	@mkdir -p $(dir $@)
	$(RELIABILITY_CC) $(RELIABILITY_PLAIN_CFLAGS) $< $(RELIABILITY_DIR)/plain/libtrit.a -lm -o $@

test-reliability-c: $(RELIABILITY_ASAN_BINARIES) $(RELIABILITY_DIR)/plain/soak $(RELIABILITY_MODELS_STAMP)
	@set -e; export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1; \
	for t in $(RELIABILITY_TESTS); do \
	  echo "--- $$t (ASan+UBSan)"; $(RELIABILITY_DIR)/asan/$$t $(RELIABILITY_MODELS_DIR) || exit 1; \
	done; \
	echo "--- soak (plain build, RSS checked)"; $(RELIABILITY_DIR)/plain/soak $(RELIABILITY_MODELS_DIR) 10000 --rss

# The JS boundary tests run against the SIMD wasm build (the SDK's default where SIMD exists).
test-reliability-js: wasm $(RELIABILITY_MODELS_STAMP)
	$(NODE) --test tests/reliability/js_boundary.test.mjs

test-reliability: test-reliability-c test-reliability-js

# test_cli (one of $(C_TESTS)) runs the CLI binary, as test-c does.
# One target per binary, so make -j (scripts/run-tests.sh passes -j$(nproc)) runs them side by side:
# each is single-threaded under valgrind. valgrind-c/NAME and valgrind-reliability/NAME are pattern
# targets that never exist as files (make skips pattern rules for phony targets), so they always run.
VALGRIND_C_RUNS := $(patsubst $(NATIVE)/tests/%,valgrind-c/%,$(C_TESTS))
VALGRIND_RELIABILITY_RUNS := $(addprefix valgrind-reliability/,$(RELIABILITY_TESTS))

valgrind-c/%: $(NATIVE)/tests/% $(NATIVE)/trit
	@case $* in test_tconv|test_tconv_i8|test_fgemm) args="$(VALGRIND_SWEEP_CASES)";; \
	  test_format) args=$(if $(filter 1,$(TRIT_TEST_FULL)),,5000);; *) args=;; esac; \
	  echo "--- $* $$args (valgrind memcheck)"; $(VALGRIND) $< $$args

valgrind-reliability/%: $(RELIABILITY_DIR)/plain/% $(RELIABILITY_MODELS_STAMP)
	@case $* in corrupt) args=200;; soak) args=300;; *) args=;; esac; \
	  echo "--- $* (valgrind memcheck)"; $(VALGRIND) $< $(RELIABILITY_MODELS_DIR) $$args

test-valgrind: $(VALGRIND_C_RUNS) $(VALGRIND_RELIABILITY_RUNS) fuzz-replay-valgrind
	@echo "valgrind memcheck: $(words $(C_TESTS)) core C test suites, $(words $(RELIABILITY_TESTS)) reliability tests, fuzz regressions: no errors, no leaks"
