# Demo page (web/): `make serve` builds what is missing and serves the repository on
# http://localhost:8000/web/ (PORT=... to change it); `make test-web` runs the browser tests:
# headless Debian chromium driven by playwright-core, and firefox-esr over WebDriver BiDi when it
# is installed; screenshots in build/test-artifacts/.

# The page needs the wasm engine; the tests also compare with the native CLI. Depend on those
# targets only when their fragments define them, so this file still parses on its own.
WEB_BUILD_DEPS := $(filter native wasm,$(ALL_TARGETS))
WEB_TEST_MODELS := $(BUILD)/web-test/models/web-test-a.onnx

.PHONY: serve test-web web-manifest
TEST_TARGETS += test-web

# Until trained models are in models/, the page offers the random-weight test models.
WEB_SERVE_MODELS := $(if $(wildcard models/*.onnx models/*.onnx.gz),,$(WEB_TEST_MODELS))

serve: deps $(WEB_BUILD_DEPS) $(WEB_SERVE_MODELS)
	@PORT=$${PORT:-8000} $(NODE) web/server.mjs

# A static copy of the model list, for hosting the page without web/server.mjs.
web-manifest:
	$(NODE) web/models.mjs > web/models.json

# Two random-weight ResNet-20s for the model-switch tests (deterministic, ~2 s).
$(WEB_TEST_MODELS): tests/web/make_models.py models/export.py models/train/arch.py
	$(PYTHON) tests/web/make_models.py $(@D)

# Node 20 has WebSocket (for driving Firefox over WebDriver BiDi) only behind a flag.
WEB_NODE_FLAGS := $(shell $(NODE) --experimental-websocket -e 0 >/dev/null 2>&1 && echo --experimental-websocket)

# The files run two at a time (most of their time is waiting on the browser: ~70 s of CPU in ~160 s
# one at a time), except the one that times the page's main thread: it runs alone, after them.
WEB_TESTS_TIMED := tests/web/demo-slow-inference.test.mjs
WEB_TESTS := $(filter-out $(WEB_TESTS_TIMED),$(sort $(wildcard tests/web/*.test.mjs)))

test-web: $(WEB_BUILD_DEPS) $(WEB_TEST_MODELS)
	@mkdir -p $(BUILD)/test-artifacts
	$(NODE) $(WEB_NODE_FLAGS) --test --test-concurrency=2 $(WEB_TESTS)
	$(NODE) $(WEB_NODE_FLAGS) --test $(WEB_TESTS_TIMED)
