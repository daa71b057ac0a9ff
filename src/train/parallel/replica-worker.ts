// A data-parallel training replica: its own tfjs (and WASM instance), both nets and both Adams.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend.js';
import { captureGanState, restoreGanState } from '../gan-state.js';
import { createOptimizers, ganStep, setLearningRate, type GanModels, type GanOptimizers, type StepReplica } from '../gan-step.js';
import { buildDcgan } from '../model.js';
import { ReplicaExchange } from './gradient-exchange.js';
import { ExchangeAbortedError } from './replica-error.js';
import type { FromReplica, ReplicaInit, ToReplica } from './replica-protocol.js';
import { syncBatchNorm } from './sync-batch-norm.js';
import { InternalError } from '../../core/errors.js';

const init = workerData as ReplicaInit;
if (!parentPort) throw new InternalError('replica-worker.js runs as a worker thread');
const port: MessagePort = parentPort;
const exchange = new ReplicaExchange(init.exchange, init.rank);

const reply = (message: FromReplica): void => port.postMessage(message);

async function start(): Promise<{ models: GanModels; optimizers: GanOptimizers }> {
  await selectBackend(init.backend);
  const dcgan = buildDcgan(init.model);
  const models = { generator: dcgan.generator, discriminator: dcgan.discriminator };
  const optimizers = createOptimizers();
  await restoreGanState(models, optimizers, takeInitialState());
  return { models, optimizers };
}

/**
 * The starting state, dropped from `workerData` once taken: the replica's tensors hold it from
 * then on, and `workerData` lives as long as the thread (for the reference model the state is
 * ~94 MB of weights, three times that with Adam's moments after a resume).
 */
function takeInitialState(): ReplicaInit['state'] {
  const { state } = init;
  delete (init as { state?: ReplicaInit['state'] }).state;
  return state;
}

/** Flattens gradients into one array, sums it over the replicas weighted by rows, and splits it back. */
function reduceGradients(weight: number): StepReplica['reduceGradients'] {
  return (_net, grads) => {
    const flat = new Float32Array(grads.reduce((n, g) => n + g.size, 0));
    let at = 0;
    for (const g of grads) {
      flat.set(g.dataSync() as Float32Array, at);
      at += g.size;
    }
    const summed = exchange.weightedSum(flat, weight);
    at = 0;
    return grads.map((g) => {
      const t = tf.tensor(summed.subarray(at, at + g.size), g.shape, 'float32');
      at += g.size;
      return t;
    });
  };
}

const ready = start();
ready.then(
  () => reply({ type: 'ready' }),
  (error: unknown) => fail(error),
);

port.on('message', (message: ToReplica) => {
  void handle(message).catch(fail);
});

async function handle(message: ToReplica): Promise<void> {
  const { models, optimizers } = await ready;
  switch (message.type) {
    case 'step': {
      const { real: values, shape, offset, batchSize, seed, step, learningRate } = message;
      setLearningRate(optimizers, learningRate);
      const rows = { total: batchSize, offset };
      const weight = shape[0] / batchSize;
      const replica: StepReplica = { rows, batchNorm: syncBatchNorm(exchange, rows, shape[0]), reduceGradients: reduceGradients(weight) };
      const real = tf.tensor4d(values, shape, 'float32');
      try {
        reply({ type: 'step', result: await ganStep(models, optimizers, { real, seed, step, replica }) });
      } finally {
        real.dispose();
      }
      return;
    }
    case 'state':
      reply({ type: 'state', state: await captureGanState(models, optimizers) });
      return;
    case 'close':
      reply({ type: 'closed' });
      port.close();
      return;
  }
}

function fail(error: unknown): void {
  // The others may be waiting for this replica inside a step: wake them so they give up too.
  if (!(error instanceof ExchangeAbortedError)) exchange.abort();
  const e = error instanceof Error ? error : { name: 'Error', message: String(error) };
  reply({ type: 'error', error: { name: e.name, code: (e as { code?: string }).code, message: e.message } });
}
