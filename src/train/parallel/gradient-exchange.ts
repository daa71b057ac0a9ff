import { InvalidParameterError } from '../../core/errors.js';
import { ExchangeAbortedError } from './replica-error.js';

/** The shared memory of an exchange, created on the main thread and handed to every replica. */
export interface ExchangeBuffers {
  readonly replicas: number;
  /** Floats one contribution may hold. */
  readonly capacity: number;
  /** Int32: arrived count, barrier generation, abort flag. */
  readonly control: SharedArrayBuffer;
  /** Float64 per replica: the weight of its contribution. */
  readonly weights: SharedArrayBuffer;
  /** Float32: one slot of `capacity` per replica, then the result. */
  readonly data: SharedArrayBuffer;
}

const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
/** How long a waiting replica sleeps between looks at the abort flag. */
const WAIT_SLICE_MS = 100;

/** Allocates the shared memory for `replicas` replicas exchanging up to `capacity` floats at a time. */
export function createExchangeBuffers(replicas: number, capacity: number): ExchangeBuffers {
  if (!Number.isSafeInteger(replicas) || replicas < 1) throw new InvalidParameterError('replicas', 'a positive integer', replicas);
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new InvalidParameterError('capacity', 'a positive integer', capacity);
  return {
    replicas,
    capacity,
    control: new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT),
    weights: new SharedArrayBuffer(replicas * Float64Array.BYTES_PER_ELEMENT),
    data: new SharedArrayBuffer((replicas + 1) * capacity * Float32Array.BYTES_PER_ELEMENT),
  };
}

/** Sets the abort flag and wakes every waiting replica (any thread may call it, the main thread too). */
export function abortExchange(buffers: ExchangeBuffers): void {
  const control = new Int32Array(buffers.control);
  Atomics.store(control, ABORTED, 1);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
}

/**
 * One replica's end of a blocking all-reduce over shared memory. Every replica calls
 * {@link ReplicaExchange.weightedSum} the same number of times in the same order (tfjs' WASM and
 * CPU ops run synchronously, so this may happen inside a forward or backward pass); each call
 * returns Σ_j weight_j · values_j, bit-identical on all replicas: every element is summed by one
 * replica, over the replicas in rank order, in float64.
 */
export class ReplicaExchange {
  private readonly control: Int32Array;
  private readonly weights: Float64Array;
  private readonly slots: Float32Array[];
  private readonly result: Float32Array;

  constructor(
    private readonly buffers: ExchangeBuffers,
    readonly rank: number,
  ) {
    if (!Number.isSafeInteger(rank) || rank < 0 || rank >= buffers.replicas) {
      throw new InvalidParameterError('rank', `an integer in [0, ${buffers.replicas})`, rank);
    }
    this.control = new Int32Array(buffers.control);
    this.weights = new Float64Array(buffers.weights);
    const { capacity, replicas } = buffers;
    this.slots = Array.from({ length: replicas }, (_, j) => new Float32Array(buffers.data, j * capacity * 4, capacity));
    this.result = new Float32Array(buffers.data, replicas * capacity * 4, capacity);
  }

  get replicas(): number {
    return this.buffers.replicas;
  }

  /** Σ over replicas of weight · values (all replicas pass arrays of the same length). */
  weightedSum(values: ArrayLike<number>, weight: number): Float32Array {
    const n = values.length;
    if (n > this.buffers.capacity) throw new InvalidParameterError('values', `at most ${this.buffers.capacity} floats`, n);
    this.slots[this.rank]?.set(values);
    this.weights[this.rank] = weight;
    this.barrier();
    const replicas = this.buffers.replicas;
    const lo = Math.floor((n * this.rank) / replicas);
    const hi = Math.floor((n * (this.rank + 1)) / replicas);
    const w = Array.from(this.weights);
    for (let i = lo; i < hi; i++) {
      let s = 0;
      for (let j = 0; j < replicas; j++) s += (w[j] as number) * (this.slots[j] as Float32Array)[i]!;
      this.result[i] = s;
    }
    this.barrier();
    return this.result.slice(0, n);
  }

  /** Tells the other replicas to give up (they throw {@link ExchangeAbortedError} from their next wait). */
  abort(): void {
    abortExchange(this.buffers);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, ABORTED) !== 0;
  }

  private barrier(): void {
    const c = this.control;
    if (this.aborted) throw new ExchangeAbortedError(`replica ${this.rank}`);
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.buffers.replicas - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    while (Atomics.load(c, GENERATION) === generation) Atomics.wait(c, GENERATION, generation, WAIT_SLICE_MS);
    if (this.aborted) throw new ExchangeAbortedError(`replica ${this.rank}`);
  }
}
