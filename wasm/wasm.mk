# WebAssembly build of the core: two standalone modules from the same sources, one with SIMD128
# and one without (for the few engines lacking it); js_sdk/trit.js picks one by feature test.
# STANDALONE_WASM: no Emscripten JS glue (3.1.6's breaks under Node 20); the SDK instantiates the
# module itself, and the only import is env.emscripten_notify_memory_growth.

EMCC := NODE_PATH=/usr/share/nodejs emcc
WASM_DIR := $(BUILD)/wasm
# The core's own list when core/core.mk defines one, else every C file under core/src.
WASM_CORE_SOURCES ?= $(or $(CORE_SOURCES),$(shell find core/src -name '*.c' | sort))
WASM_SOURCES := wasm/trit_wasm.c $(WASM_CORE_SOURCES)
WASM_HEADERS := $(shell find core/include core/src core/third_party -name '*.h')
WASM_CFLAGS := -std=c11 -O3 -flto -DNDEBUG -Wall -Icore/include -Icore/src -Icore/third_party
# 64 KiB of stack is plenty (the engine keeps tensors in its arena); memory starts at 1 MiB and
# grows as a model needs, so a small model costs a small page footprint.
WASM_LDFLAGS := --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sTOTAL_STACK=65536 \
	-sINITIAL_MEMORY=1048576 '-sEXPORTED_FUNCTIONS=[]' -sERROR_ON_UNDEFINED_SYMBOLS=1

.PHONY: wasm wasm-size
ALL_TARGETS += wasm

wasm: $(WASM_DIR)/trit.wasm $(WASM_DIR)/trit-nosimd.wasm

$(WASM_DIR)/trit.wasm: $(WASM_SOURCES) $(WASM_HEADERS) wasm/wasm.mk
	@mkdir -p $(@D)
	$(EMCC) $(WASM_CFLAGS) -msimd128 $(WASM_SOURCES) $(WASM_LDFLAGS) -o $@

$(WASM_DIR)/trit-nosimd.wasm: $(WASM_SOURCES) $(WASM_HEADERS) wasm/wasm.mk
	@mkdir -p $(@D)
	$(EMCC) $(WASM_CFLAGS) $(WASM_SOURCES) $(WASM_LDFLAGS) -o $@

# Raw and gzip -9 sizes of both builds (the README quotes these).
wasm-size: wasm
	@for f in $(WASM_DIR)/trit.wasm $(WASM_DIR)/trit-nosimd.wasm; do \
		printf '%-28s %7d bytes raw, %7d bytes gzip -9\n' $$f $$(stat -c %s $$f) $$(gzip -9c $$f | wc -c); done
