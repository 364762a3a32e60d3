// A shipped trit-format model as onnxruntime sees it after its basic graph optimizations: the ternary
// decode subgraph constant-folded into float weights. bench/shipped_twins.py turns that into the
// float twin the peers run. Usage: node bench/fold_model.mjs MODEL.onnx OUT.folded.onnx
import * as ort from 'onnxruntime-node';

const [src, dst] = process.argv.slice(2);
await ort.InferenceSession.create(src, { graphOptimizationLevel: 'basic', optimizedModelFilePath: dst });
