import type * as tfjs from '@tensorflow/tfjs';
import type { LoadedGenerator } from './load-generator.js';
import type { ImageBatch } from './upscale.js';

/**
 * The generator's images for `noises`, one forward pass per vector, so that an image depends only
 * on its own noise vector and never on what else is drawn in the same call (a seed gives the same
 * pixels alone, in a grid, or at the end of a walk). `onImage` is called after each.
 */
export async function generateImages(generator: LoadedGenerator, noises: readonly Float32Array[], onImage: () => void = () => undefined): Promise<ImageBatch> {
  const { noiseDim, size, channels } = generator;
  const tf = generator.backend.tf;
  const per = size * size * channels;
  const images = new Float32Array(noises.length * per);
  for (const [i, z] of noises.entries()) {
    const out = tf.tidy(() => generator.model.predict(tf.tensor2d(z, [1, noiseDim], 'float32')) as tfjs.Tensor);
    try {
      images.set(await out.data<'float32'>(), i * per);
    } finally {
      out.dispose();
    }
    onImage();
  }
  return { images, shape: [noises.length, size, size, channels] };
}
