# JS SDK tests (node --test): the API in Node, parity with the native CLI, memory, and CIFAR-10
# accuracy against `trit eval` (when ../shared/data/cifar10 and models/resnet20-ttq.onnx exist).
# They need both wasm builds, the native CLI, the cross-check models (core/core.mk) and the SDK's
# own small test models (tests/js/make_models.py).

JS_TEST_MODELS := $(BUILD)/js-test/sdk-small.onnx $(BUILD)/js-test/resnet20-8bit.onnx $(BUILD)/js-test/resnet20-ttq-all-outputs.onnx
JS_TESTS := $(sort $(wildcard tests/js/*.test.mjs))

$(BUILD)/js-test/sdk-small.onnx: tests/js/make_models.py
	$(PYTHON) tests/js/make_models.py $(@D)

# resnet20-ttq with every float tensor a graph output: onnxruntime's intermediate values (inspect.test.mjs)
$(BUILD)/js-test/resnet20-ttq-all-outputs.onnx: tests/js/make_all_outputs_model.py models/resnet20-ttq.onnx
	@mkdir -p $(@D)
	$(PYTHON) tests/js/make_all_outputs_model.py models/resnet20-ttq.onnx $@

# the 8-bit-activation model of parity8.test.mjs (uses the exporter and the cross-check helpers)
$(BUILD)/js-test/resnet20-8bit.onnx: tests/js/make_8bit_model.py models/export.py tests/crosscheck/make_models.py
	$(PYTHON) tests/js/make_8bit_model.py $(@D)

.PHONY: test-js
TEST_TARGETS += test-js
test-js: wasm native package $(JS_TEST_MODELS) $(BUILD)/crosscheck/manifest.json
	$(NODE) --test --test-concurrency=2 --test-reporter=spec $(JS_TESTS)

# The npm package: `make package` stages build/npm/trit/ (trit.js, trit.d.ts, both wasm builds,
# README, LICENSE, CHANGELOG, package.json -- also the layout to put on a CDN) and packs it into
# build/npm/trit-<version>.tgz. The version lives in js_sdk/package.json; trit.js repeats it as
# `version` (sdk.test.mjs checks they agree) and `make sdk-version V=x.y.z` sets both.
SDK_VERSION := $(shell sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' js_sdk/package.json)
NPM_DIR := $(BUILD)/npm
SDK_TARBALL := $(NPM_DIR)/trit-$(SDK_VERSION).tgz
SDK_PACKAGE_FILES := js_sdk/package.json js_sdk/trit.js js_sdk/trit.d.ts js_sdk/README.md LICENSE CHANGELOG.md \
	$(BUILD)/wasm/trit.wasm $(BUILD)/wasm/trit-nosimd.wasm $(BUILD)/wasm/trit-mt.wasm

.PHONY: package sdk-version
package: $(SDK_TARBALL)

$(SDK_TARBALL): $(SDK_PACKAGE_FILES)
	rm -rf $(NPM_DIR)/trit $(NPM_DIR)/trit-*.tgz
	mkdir -p $(NPM_DIR)/trit
	cp $(SDK_PACKAGE_FILES) $(NPM_DIR)/trit/
	chmod 644 $(NPM_DIR)/trit/*
	npm pack $(NPM_DIR)/trit --pack-destination $(NPM_DIR) --silent >/dev/null
	@printf '%s: %d bytes\n' $@ $$(stat -c %s $@)

sdk-version:
	@[[ "$(V)" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$$ ]] || { echo 'usage: make sdk-version V=x.y.z'; exit 1; }
	sed -i 's/^\( *"version": *"\)[^"]*"/\1$(V)"/' js_sdk/package.json
	sed -i "s/^export const version = '[^']*';/export const version = '$(V)';/" js_sdk/trit.js
	@grep -q '^## $(V) ' CHANGELOG.md || echo 'sdk-version: now add a "## $(V) (date)" section to CHANGELOG.md'
