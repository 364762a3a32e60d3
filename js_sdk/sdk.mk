# JS SDK tests (node --test): the API in Node, parity with the native CLI, memory, and CIFAR-10
# accuracy against `trit eval` (when ../shared/data/cifar10 and models/resnet20-ttq.onnx exist).
# They need both wasm builds, the native CLI, the cross-check models (core/core.mk) and the SDK's
# own small test models (tests/js/make_models.py).

JS_TEST_MODELS := $(BUILD)/js-test/sdk-small.onnx $(BUILD)/js-test/resnet20-8bit.onnx
JS_TESTS := $(sort $(wildcard tests/js/*.test.mjs))

$(BUILD)/js-test/sdk-small.onnx: tests/js/make_models.py
	$(PYTHON) tests/js/make_models.py $(@D)

# the 8-bit-activation model of parity8.test.mjs (uses the exporter and the cross-check helpers)
$(BUILD)/js-test/resnet20-8bit.onnx: tests/js/make_8bit_model.py models/export.py tests/crosscheck/make_models.py
	$(PYTHON) tests/js/make_8bit_model.py $(@D)

.PHONY: test-js
TEST_TARGETS += test-js
test-js: wasm native $(JS_TEST_MODELS) $(BUILD)/crosscheck/manifest.json
	$(NODE) --test --test-concurrency=2 --test-reporter=spec $(JS_TESTS)
