import type * as tf from '@tensorflow/tfjs';

/** One layer of a model: its output shape (without the batch axis) and parameter counts. */
export interface LayerSummary {
  name: string;
  className: string;
  outputShape: number[];
  /** All weights, as Keras' `count_params()` (BN counts gamma, beta, moving mean and variance). */
  params: number;
  /** Weights that gradients update (BN: gamma and beta). */
  trainableParams: number;
}

/** A model's layers and totals, the numbers Keras' `model.summary()` prints. */
export interface ModelSummary {
  layers: LayerSummary[];
  params: number;
  trainableParams: number;
}

/** Output shapes and parameter counts of a built model's layers. */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((layer): LayerSummary => {
    const shape = layer.outputShape;
    const single = (Array.isArray(shape[0]) ? shape[0] : shape) as Array<number | null>;
    return {
      name: layer.name,
      className: layer.getClassName(),
      outputShape: single.slice(1).map((d) => d ?? -1),
      params: layer.countParams(),
      trainableParams: layer.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, d) => a * (d ?? 0), 1), 0),
    };
  });
  return {
    layers,
    params: layers.reduce((n, l) => n + l.params, 0),
    trainableParams: layers.reduce((n, l) => n + l.trainableParams, 0),
  };
}
