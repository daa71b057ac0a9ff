import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Identity on the WASM backend without a copy. The stock kernel copies the tensor; the engine
 * runs it for every `clone`, and every custom-gradient op (fused conv and matmul) clones the
 * tensors it saves for its gradient: ~300 copies a DCGAN step. Tensors are immutable and the
 * WASM backend counts references per data id (its Reshape shares data the same way), so the
 * clone shares the input's memory; strings keep the stock path.
 */
export const identityWasmConfig: KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const wasm = backend as BackendWasm;
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === 'string') return tf.tensor(wasm.readSync(x.dataId) as Uint8Array[], x.shape, x.dtype);
    wasm.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};
