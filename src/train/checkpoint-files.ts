// File names only, with no imports, so that code which just finds checkpoints (dcgan-sample's
// and dcgan-eval's path resolution) does not load tfjs with checkpoint.ts.

/**
 * Names inside a checkpoint directory: the exact-resume state (`checkpoint.json`, `weights.bin`)
 * and each net as a standard TensorFlow.js Layers model folder (`generator/model.json` + weights).
 */
export const CHECKPOINT_FILES = { manifest: 'checkpoint.json', weights: 'weights.bin', generator: 'generator', discriminator: 'discriminator' } as const;

/** File names of a TensorFlow.js Layers model folder, as `tensorflowjs_converter` names them. */
export const LAYERS_MODEL_FILES = { model: 'model.json', weights: 'group1-shard1of1.bin' } as const;
