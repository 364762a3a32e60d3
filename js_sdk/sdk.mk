# JS SDK tests (node --test): the API in Node, parity with the native CLI, memory, and CIFAR-10
# accuracy against `trit eval` (when ../shared/data/cifar10 and models/resnet20-ttq.onnx exist).
# They need both wasm builds, the native CLI, the cross-check models (core/core.mk) and the SDK's
# own small test models (tests/js/make_models.py).

JS_TEST_MODELS := $(BUILD)/js-test/sdk-small.onnx
JS_TESTS := $(sort $(wildcard tests/js/*.test.mjs))

$(JS_TEST_MODELS): tests/js/make_models.py
	$(PYTHON) tests/js/make_models.py $(@D)

.PHONY: test-js
TEST_TARGETS += test-js
test-js: wasm native $(JS_TEST_MODELS) $(BUILD)/crosscheck/manifest.json
	$(NODE) --test --test-concurrency=2 --test-reporter=spec $(JS_TESTS)
