import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs';
import { ADAM_KERNEL, type AdamKernelAttrs } from './adam-kernel.js';

/** The private fields of tfjs' AdamOptimizer that its getWeights/setWeights leave out or recompute. */
export interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/**
 * tfjs' Adam with each variable's update as one kernel ({@link ADAM_KERNEL}) where the backend
 * has it, instead of tfjs' 13 ops a variable (~260 a DCGAN step, each paying the engine's
 * bookkeeping). The same float32 arithmetic in the same order, the same moment variables and
 * names, so getWeights/setWeights, checkpoints and resume are tfjs' own; elsewhere it is
 * tfjs' Adam unchanged.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals & { beta1: number; beta2: number; epsilon: number; learningRate: number };
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => ({ name: g.name, tensor: g.tensor as Tensor | undefined }))
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    tf.tidy(() => {
      const attrs: AdamKernelAttrs = {
        beta1: self.beta1,
        beta2: self.beta2,
        epsilon: self.epsilon,
        learningRate: self.learningRate,
        oneMinusAccBeta1: Math.fround(1 - (self.accBeta1.dataSync()[0] as number)),
        oneMinusAccBeta2: Math.fround(1 - (self.accBeta2.dataSync()[0] as number)),
      };
      entries.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        const m = (self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }).variable;
        const v = (self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }).variable;
        if (gradient == null) return;
        const [newValue, newM, newV] = tf.engine().runKernel(ADAM_KERNEL, { value, m, v, gradient }, attrs as unknown as tf.NamedAttrMap) as Tensor[];
        m.assign(newM as Tensor);
        v.assign(newV as Tensor);
        value.assign(newValue as Tensor);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}
