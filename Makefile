# trit — top-level build. `make` builds, `make test` installs what it needs and runs every test,
# `make test-full` the same at full size (TRIT_TEST_FULL=1: every shipped model on all 10,000 CIFAR-10
# test images, every parity image on every build), `make serve` builds what is missing and serves the
# demo, `make bench` runs the benchmarks.
# Each part of the tree owns a fragment (core/core.mk, wasm/wasm.mk, ...) that defines its targets
# and adds its test target to TEST_TARGETS, in the order the suites should run.

.DEFAULT_GOAL := all
SHELL := /bin/bash
BUILD := build
PYTHON := /usr/bin/python3
NODE := node
TEST_TARGETS :=
ALL_TARGETS :=

-include core/core.mk
-include wasm/wasm.mk
-include js_sdk/sdk.mk
-include models/models.mk
-include tests/fuzz/fuzz.mk
-include web/web.mk
-include bench/bench.mk

.PHONY: all test test-full deps clean
all: $(ALL_TARGETS)

# Installs system packages (apt-get) and npm dev dependencies when missing; cheap when present.
deps:
	@bash scripts/install-deps.sh

test: deps
	@bash scripts/run-tests.sh $(TEST_TARGETS)

test-full: deps
	@TRIT_TEST_FULL=1 bash scripts/run-tests.sh $(TEST_TARGETS)

clean:
	rm -rf $(BUILD)
