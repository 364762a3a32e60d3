# Fuzzing (issue 7): libFuzzer targets for the protobuf reader, the model path (load + compile + one
# run) and image decoding + preprocessing, all with ASan + UBSan, built with clang 14.
#
#   make fuzz                 every target for FUZZ_SECONDS each (default 600), one after another,
#                             niced; the corpus grows in build/fuzz/corpus/<target>
#   make test-fuzz-smoke      replay tests/fuzz/regressions/<target>/* (not pending/), then each target
#                             for FUZZ_SMOKE_SECONDS from the seeds (part of `make test`: 10 s each, ~1e5
#                             model executions; 20 s under `make test-full`)
#   make fuzz-seeds           regenerate the seed corpora only
#
# The reliability tests (tests/reliability/) have their own fragment, included first (the seeds
# use its models).

include tests/reliability/reliability.mk

TEST_TARGETS += test-reliability test-fuzz-smoke test-valgrind

FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= $(if $(filter 1,$(TRIT_TEST_FULL)),20,5)
FUZZ_TARGETS := pb model image
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SANITIZE := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE) -Icore/include -Icore/src
# Everything of the library, nothing of the CLI.
FUZZ_CORE_SOURCES := $(filter-out %__wasmsimd.c,$(sort $(wildcard core/src/*.c core/src/compile/*.c core/src/ops/*.c core/src/kernels/*/*.c)))
FUZZ_CORE_OBJECTS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_CORE_SOURCES))
FUZZ_BINARIES := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_PLAIN_REPLAYERS := $(addprefix $(FUZZ_DIR)/plain/replay_,$(FUZZ_TARGETS))
# Seed material: shipped models, cross-check models, the reliability models (conformance models are
# picked by make_seeds.py itself).
FUZZ_SEED_MODELS = $(wildcard models/*.onnx) $(shell find $(BUILD)/crosscheck -name '*.onnx' 2>/dev/null)

.PHONY: fuzz fuzz-build fuzz-seeds test-fuzz-smoke fuzz-replay fuzz-replay-pending fuzz-replay-valgrind

# Keep the objects (pattern-rule prerequisites would otherwise be deleted as intermediate).
.SECONDARY: $(FUZZ_CORE_OBJECTS)

fuzz-build: $(FUZZ_BINARIES)

$(FUZZ_DIR)/obj/%.o: %.c $(wildcard core/include/*.h core/src/*.h core/src/compile/*.h core/src/ops/*.h core/src/kernels/*/*.h core/third_party/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FILE_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# stb_image does `z->idata + 0` and `memcpy(NULL, src, 0)` for a PNG whose first IDAT chunk is empty
# (idata is still NULL; nothing is read or written). Formally undefined, harmless, upstream's code as
# of v2.30. These two checks are off in the one file that includes stb_image so the fuzzer can go
# past it; every other check stays on. Regression: tests/fuzz/regressions/image/stb_png_empty_idat_*.
$(FUZZ_DIR)/obj/core/src/image.o: FUZZ_FILE_FLAGS := -fno-sanitize=pointer-overflow,nonnull-attribute

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_CORE_OBJECTS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_CORE_OBJECTS) -lm -o $@

$(FUZZ_DIR)/seeds/.stamp: tests/fuzz/make_seeds.py $(RELIABILITY_MODELS_STAMP) $(FUZZ_SEED_MODELS)
	$(PYTHON) tests/fuzz/make_seeds.py $(FUZZ_DIR)/seeds $(FUZZ_SEED_MODELS) $(RELIABILITY_MODELS_DIR)/*.onnx
	@touch $@

fuzz-seeds: $(FUZZ_DIR)/seeds/.stamp

# Replay every regression file: each must now pass (exit 0) under the sanitizers, with any single
# allocation above FUZZ_REPLAY_ABORT_MIB made fatal (tests/fuzz/fuzz_common.h), so a file that once
# made a tiny input allocate gigabytes fails again if that comes back (no regression file needs
# more than a few MiB). Files under tests/fuzz/regressions/pending/ are not fixed yet and are skipped.
FUZZ_REPLAY_ABORT_MIB ?= 64
fuzz-replay: export FUZZ_ABORT_ABOVE_MIB = $(FUZZ_REPLAY_ABORT_MIB)
fuzz-replay: $(FUZZ_BINARIES)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  files=$$(find tests/fuzz/regressions/$$t -type f 2>/dev/null | sort); \
	  if [ -n "$$files" ]; then \
	    echo "fuzz-replay $$t: $$(echo "$$files" | wc -l) regression files"; \
	    $(FUZZ_DIR)/fuzz_$$t $$files > $(FUZZ_DIR)/replay-$$t.log 2>&1 || { tail -40 $(FUZZ_DIR)/replay-$$t.log; exit 1; }; \
	  else echo "fuzz-replay $$t: no regression files"; fi; \
	done

# Pending regressions (found, not fixed yet): each is replayed under ASan+UBSan with allocations
# above 64 MiB made fatal (see tests/fuzz/fuzz_common.h) and under valgrind memcheck (reads of
# uninitialised memory). Each fails until its bug is fixed; then move it to
# tests/fuzz/regressions/<target>/.
fuzz-replay-pending: $(FUZZ_BINARIES) $(FUZZ_PLAIN_REPLAYERS)
	@status=0; for t in $(FUZZ_TARGETS); do \
	  for f in $$(find tests/fuzz/regressions/pending/$$t -type f 2>/dev/null | sort); do \
	    if FUZZ_ABORT_ABOVE_MIB=$(FUZZ_REPLAY_ABORT_MIB) $(FUZZ_DIR)/fuzz_$$t $$f > $(FUZZ_DIR)/pending.log 2>&1 && \
	       $(VALGRIND) $(FUZZ_DIR)/plain/replay_$$t $$f >> $(FUZZ_DIR)/pending.log 2>&1; then echo "fixed    $$f"; \
	    else echo "FAILS    $$f: $$(grep -m1 -E 'ERROR|runtime error|exceeds|FUZZ_REQUIRE|uninitialised|Invalid' $(FUZZ_DIR)/pending.log)"; status=1; fi; \
	  done; done; exit $$status

# The same targets as plain programs (gcc, no sanitizers, tests/fuzz/standalone_main.c) so the
# regressions can be replayed under valgrind memcheck, which also sees reads of uninitialised memory
# that ASan does not. Part of test-valgrind.
$(FUZZ_DIR)/plain/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/standalone_main.c tests/fuzz/fuzz_common.h $(RELIABILITY_DIR)/plain/libtrit.a
	@mkdir -p $(dir $@)
	$(RELIABILITY_CC) -std=c11 -g -O1 -Icore/include -Icore/src $< tests/fuzz/standalone_main.c \
	  $(RELIABILITY_DIR)/plain/libtrit.a -lm -o $@

fuzz-replay-valgrind: export FUZZ_ABORT_ABOVE_MIB = $(FUZZ_REPLAY_ABORT_MIB)
fuzz-replay-valgrind: $(FUZZ_PLAIN_REPLAYERS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  files=$$(find tests/fuzz/regressions/$$t -type f 2>/dev/null | sort); \
	  if [ -n "$$files" ]; then echo "--- fuzz regressions $$t (valgrind memcheck)"; \
	    $(VALGRIND) $(FUZZ_DIR)/plain/replay_$$t $$files; fi; \
	done

# tests/fuzz/run_fuzz.sh TARGET SECONDS CORPUS_DIR: runs one fuzzer, prints its executions and
# result, exits non-zero on a crash, leak, timeout or sanitizer report.
test-fuzz-smoke: fuzz-replay $(FUZZ_DIR)/seeds/.stamp
	@set -e; for t in $(FUZZ_TARGETS); do \
	  rm -rf $(FUZZ_DIR)/smoke/$$t; \
	  bash tests/fuzz/run_fuzz.sh $$t $(FUZZ_SMOKE_SECONDS) $(FUZZ_DIR)/smoke/$$t; \
	done

fuzz: $(FUZZ_BINARIES) $(FUZZ_DIR)/seeds/.stamp
	@status=0; for t in $(FUZZ_TARGETS); do \
	  nice -n 10 bash tests/fuzz/run_fuzz.sh $$t $(FUZZ_SECONDS) $(FUZZ_DIR)/corpus/$$t || status=1; \
	done; exit $$status
