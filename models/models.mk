# models/: quantizer unit tests, exporter tests, the PyTorch → ONNX-lite → trit/onnxruntime round trip and,
# when the CIFAR-10 JPEGs are present (../shared/data/cifar10 or $TRIT_CIFAR10), `trit eval` of the shipped
# models/*.onnx reproducing their trit.top1 metadata (the best on all 10,000 test images ±0.05 pp, the others
# on a fixed 1,000-image subset within its sampling tolerance; every model ±0.05 pp under `make test-full`;
# a SKIP line says so when the data is absent). No training here: see models/Makefile.
#
# test_train.py (the training pipeline, one thread) runs in two processes of its own beside the other
# modules (make -j: scripts/run-tests.sh passes -j$(nproc)): the GPU script's --smoke test (~130 s on a
# 2-core machine, most of the file's time) in one, the rest (~90 s) in the other (TRIT_TRAIN_PART, read by
# test_train.py's load_tests); each one's output is kept in a log and printed when it ends, so they do not
# interleave. Serially without -j.

# test-models-train-rest / -smoke come from a pattern rule, so they stay off .PHONY (make skips pattern rules for phony targets)
.PHONY: test-models test-models-main
TEST_TARGETS += test-models

MODEL_TESTS_APART := test_train
MODEL_TESTS_MAIN := $(filter-out $(MODEL_TESTS_APART),$(patsubst tests/models/%.py,%,$(wildcard tests/models/test_*.py)))

test-models: test-models-main test-models-train-rest test-models-train-smoke

test-models-main: native
	TRIT_REQUIRE_NATIVE=1 $(PYTHON) -m unittest -v $(addprefix tests.models.,$(MODEL_TESTS_MAIN))

test-models-train-%: native
	@mkdir -p $(BUILD)/test-models
	@echo "test_train.py ($*): running beside the other model tests (output when it ends: $(BUILD)/test-models/train-$*.log)"
	@TRIT_TRAIN_PART=$* TRIT_REQUIRE_NATIVE=1 $(PYTHON) -m unittest -v $(addprefix tests.models.,$(MODEL_TESTS_APART)) \
	  > $(BUILD)/test-models/train-$*.log 2>&1; \
	  status=$$?; echo "==== test_train.py $* (exit $$status)"; cat $(BUILD)/test-models/train-$*.log; exit $$status
