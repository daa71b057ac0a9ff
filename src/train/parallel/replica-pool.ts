import { Worker } from 'node:worker_threads';
import { InvalidParameterError } from '../../core/errors.js';
import { compiledModuleUrl } from '../../core/worker-module.js';
import type { GanState, TensorRecord } from '../gan-state.js';
import type { GanStepResult } from '../gan-step.js';
import type { ResolvedDcganOptions } from '../model-options.js';
import { splitBatch } from './batch-slices.js';
import { abortExchange, createExchangeBuffers, type ExchangeBuffers } from './gradient-exchange.js';
import { TrainingThreadError } from './replica-error.js';
import type { FromReplica, ReplicaFailure, ReplicaInit, ToReplica } from './replica-protocol.js';

/** Options of {@link ReplicaPool.start}. */
export interface ReplicaPoolOptions {
  /** Worker threads, each holding a replica. */
  readonly threads: number;
  readonly backend: 'wasm' | 'cpu';
  readonly model: ResolvedDcganOptions;
  /** The state every replica starts from. */
  readonly state: GanState;
}

/** Input of {@link ReplicaPool.step}: the whole batch as float32 NHWC. */
export interface ReplicaStep {
  readonly real: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly seed: number;
  readonly step: number;
  readonly learningRate: number;
}

/** One worker thread and the request it is answering. */
class ReplicaThread {
  private readonly worker: Worker;
  private pending: { resolve: (m: FromReplica) => void; reject: (e: Error) => void } | undefined;
  private dead: Error | undefined;

  constructor(
    readonly rank: number,
    init: ReplicaInit,
    onDeath: () => void,
  ) {
    // no execArgv: inherited ones like `--input-type` (with `-e`) make a worker fail
    this.worker = new Worker(compiledModuleUrl(import.meta.url, './replica-worker.js'), { workerData: init, execArgv: [] });
    this.pending = undefined;
    this.worker.on('message', (m: FromReplica) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(m);
    });
    const die = (error: Error): void => {
      if (this.dead) return;
      this.dead = error;
      onDeath();
      this.pending?.reject(error);
      this.pending = undefined;
    };
    this.worker.on('error', (e) => die(new TrainingThreadError(rank, `crashed: ${e.message}`, { cause: e })));
    this.worker.on('exit', (code) => die(new TrainingThreadError(rank, `exited with code ${code}`)));
  }

  /** The next reply (the first one is `ready`). */
  reply(): Promise<FromReplica> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  request(message: ToReplica, transfer: ArrayBuffer[] = []): Promise<FromReplica> {
    const answer = this.reply();
    if (!this.dead) this.worker.postMessage(message, transfer);
    return answer;
  }

  async terminate(): Promise<void> {
    this.dead ??= new TrainingThreadError(this.rank, 'closed');
    await this.worker.terminate();
  }
}

/**
 * Synchronous data parallelism over worker threads: each holds a replica of both nets and both
 * Adams, trains on its slice of every batch with the reference step (ganStep), and the replicas
 * sum their BN statistics and gradients through shared memory, so they apply the same update.
 * A failing replica aborts the exchange, so the others stop waiting and the step fails with the
 * first replica's own error.
 */
export class ReplicaPool {
  private broken: Error | undefined;

  private constructor(
    private readonly threads: readonly ReplicaThread[],
    private readonly exchange: ExchangeBuffers,
  ) {}

  /** Starts `threads` replicas from `state`; resolves once all are ready. */
  static async start(options: ReplicaPoolOptions): Promise<ReplicaPool> {
    const capacity = Math.max(floats(options.state.generator), floats(options.state.discriminator));
    const exchange = createExchangeBuffers(options.threads, capacity);
    const threads = Array.from(
      { length: options.threads },
      (_, rank) => new ReplicaThread(rank, { rank, backend: options.backend, model: options.model, exchange, state: options.state }, () => abortExchange(exchange)),
    );
    const pool = new ReplicaPool(threads, exchange);
    try {
      await pool.collect(threads.map((t) => t.reply()), 'ready');
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  /** One step of the whole batch; the losses and probabilities are the whole batch's means. */
  async step(input: ReplicaStep): Promise<GanStepResult> {
    const [n, h, w, c] = input.shape;
    const slices = splitBatch(n, this.threads.length);
    const rowSize = h * w * c;
    const replies = this.threads.map((t, k) => {
      const { offset, rows } = slices[k]!;
      const real = input.real.slice(offset * rowSize, (offset + rows) * rowSize);
      const message: ToReplica = { type: 'step', real, shape: [rows, h, w, c], offset, batchSize: n, seed: input.seed, step: input.step, learningRate: input.learningRate };
      return t.request(message, [real.buffer]);
    });
    const results = await this.collect(replies, 'step');
    const mean = { genLoss: 0, disLoss: 0, realP: 0, fakeP: 0 };
    results.forEach((r, k) => {
      const share = slices[k]!.rows / n;
      for (const key of ['genLoss', 'disLoss', 'realP', 'fakeP'] as const) mean[key] += share * r.result[key];
    });
    return mean;
  }

  /** A replica's weights and optimizer state (all replicas hold the same; checkpoints take replica 0's). */
  async state(rank = 0): Promise<GanState> {
    const thread = this.threads[rank];
    if (!thread) throw new InvalidParameterError('rank', `a replica in [0, ${this.threads.length})`, rank);
    const [reply] = await this.collect([thread.request({ type: 'state' })], 'state');
    return reply!.state;
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    abortExchange(this.exchange);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  /** Waits for every reply; on any failure, fails with the first replica's own error (not an abort it caused). */
  private async collect<T extends FromReplica['type']>(replies: Array<Promise<FromReplica>>, type: T): Promise<Array<Extract<FromReplica, { type: T }>>> {
    if (this.broken) throw this.broken;
    const settled = await Promise.allSettled(replies);
    const failures: TrainingThreadError[] = [];
    const ok: Array<Extract<FromReplica, { type: T }>> = [];
    settled.forEach((s, k) => {
      const rank = this.threads[k]?.rank ?? k;
      if (s.status === 'rejected') failures.push(s.reason instanceof TrainingThreadError ? s.reason : new TrainingThreadError(rank, String(s.reason)));
      else if (s.value.type === 'error') failures.push(replicaError(rank, s.value.error));
      else if (s.value.type !== type) failures.push(new TrainingThreadError(rank, `answered ${s.value.type} to ${type}`));
      else ok.push(s.value as Extract<FromReplica, { type: T }>);
    });
    if (failures.length === 0) return ok;
    this.broken = failures.find((f) => !(f.cause as ReplicaFailure | undefined)?.code?.startsWith('ERR_EXCHANGE_ABORTED')) ?? failures[0]!;
    abortExchange(this.exchange);
    throw this.broken;
  }
}

function replicaError(rank: number, failure: ReplicaFailure): TrainingThreadError {
  return new TrainingThreadError(rank, `${failure.message}${failure.code ? ` (${failure.code})` : ''}`, { cause: failure });
}

function floats(records: readonly TensorRecord[]): number {
  return records.reduce((n, r) => n + r.values.length, 0);
}
