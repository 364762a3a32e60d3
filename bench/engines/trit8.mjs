// trit through its SDK on the same network with 8-bit activations (<name>.8bit.onnx: a uint8
// QuantizeLinear/DequantizeLinear pair before each ternary conv, which the engine runs on the tconv_i8 kernels).
import { prepareFile } from './trit.mjs';

export const version = 'working tree';

export async function prepare(dir, name) {
    return prepareFile(dir, name, `${name}.8bit.onnx`);
}
