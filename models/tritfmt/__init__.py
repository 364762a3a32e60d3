"""trit's file format in Python: format (packing, both ternary layouts, the graph builder — the one writer),
resnet (the ResNet walker and metadata), verify (onnxruntime / trit comparisons)."""
from .format import FORMAT_VERSION, IR_VERSION, OPSET, POWERS, Graph, Ternary, pack_ternary, save, unpack_ternary  # noqa: F401
