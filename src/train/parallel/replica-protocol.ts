import type { GanState } from '../gan-state.js';
import type { GanStepResult } from '../gan-step.js';
import type { ResolvedDcganOptions } from '../model-options.js';
import type { ExchangeBuffers } from './gradient-exchange.js';

/** What a replica thread is started with (its `workerData`). */
export interface ReplicaInit {
  readonly rank: number;
  /** The tfjs backend of the main thread: `wasm` or `cpu`. */
  readonly backend: 'wasm' | 'cpu';
  readonly model: ResolvedDcganOptions;
  readonly exchange: ExchangeBuffers;
  /** Weights and optimizer state every replica starts from (the main thread's). */
  readonly state: GanState;
}

/** Main thread → replica. */
export type ToReplica =
  | {
      readonly type: 'step';
      /** This replica's rows, float32 NHWC in [-1, 1]. */
      readonly real: Float32Array;
      readonly shape: [number, number, number, number];
      readonly offset: number;
      readonly batchSize: number;
      readonly seed: number;
      readonly step: number;
      readonly learningRate: number;
    }
  | { readonly type: 'state' }
  | { readonly type: 'close' };

/** A replica's error, as plain data. */
export interface ReplicaFailure {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
}

/** Replica → main thread: one reply per request, in order. */
export type FromReplica =
  | { readonly type: 'ready' }
  | { readonly type: 'step'; readonly result: GanStepResult }
  | { readonly type: 'state'; readonly state: GanState }
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly error: ReplicaFailure };
