# models/: quantizer unit tests, exporter tests, the PyTorch → ONNX-lite → trit/onnxruntime round trip and,
# when the CIFAR-10 JPEGs are present (../shared/data/cifar10 or $TRIT_CIFAR10), `trit eval` of every shipped
# models/*.onnx reproducing its trit.top1 metadata (±0.05 pp; a SKIP line says so when the data is absent).
# No training here: see models/Makefile.

.PHONY: test-models
TEST_TARGETS += test-models

test-models: native
	TRIT_REQUIRE_NATIVE=1 $(PYTHON) -m unittest discover -s tests/models -v
