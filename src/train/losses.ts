import * as tf from '@tensorflow/tfjs';

/** Keras' fuzz factor `backend.epsilon()`. */
export const EPSILON = 1e-7;

/**
 * Keras' binary cross-entropy of probabilities `p` against a constant label, averaged over the
 * batch (`BinaryCrossentropy(from_logits=False)`): p clipped to [ε, 1−ε], then
 * −log(p + ε) for label 1 and −log(1 − p + ε) for label 0.
 */
export function binaryCrossEntropy(label: 0 | 1, p: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(p, EPSILON, 1 - EPSILON);
    const likelihood = label === 1 ? tf.add(clipped, EPSILON) : tf.add(tf.sub(1, clipped), EPSILON);
    return tf.neg(tf.mean(tf.log(likelihood))) as tf.Scalar;
  });
}
