"""A copy of a shipped model with every float tensor of its graph also declared a graph output, so
onnxruntime returns the intermediate values that tests/js/inspect.test.mjs compares with the SDK's
model.run(input, { outputs }). The nodes, initializers and metadata are the file's own.

    make_all_outputs_model.py MODEL OUT"""
import sys

import onnx
from onnx import TensorProto, helper, shape_inference


def main(source, out):
    model = onnx.load(source)
    inferred = shape_inference.infer_shapes(model)
    declared = {o.name for o in model.graph.output}
    floats = [v for v in inferred.graph.value_info
              if v.type.tensor_type.elem_type == TensorProto.FLOAT and v.name not in declared]
    for v in floats:
        dims = [d.dim_value for d in v.type.tensor_type.shape.dim]
        model.graph.output.append(helper.make_tensor_value_info(v.name, TensorProto.FLOAT, dims))
    onnx.checker.check_model(model)
    onnx.save(model, out)
    print(f"{out}: {len(floats)} float tensors added as outputs")


if __name__ == "__main__":
    main(*sys.argv[1:3])
