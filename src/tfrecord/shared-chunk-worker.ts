import { Worker } from 'node:worker_threads';
import { compiledModuleUrl } from '../core/worker-module.js';
import type { OpenSession } from './chunk-protocol.js';

/**
 * The chunk worker of this process, shared by every TFRecord writer and reader: a worker thread takes
 * 50–100 ms to boot here, as long as writing 50 MB, so one is started on first need and kept
 * (never holding the process open while no writer has work with it), like a thread pool. If
 * it dies, the writers with a session on it fail, and the next writer starts a new one.
 */
export class SharedChunkWorker {
  private readonly worker: Worker;
  /** Sessions that need the worker now (chunks in flight, or an answer awaited). */
  private busy = 0;
  /** Each open session's failure callback. */
  private readonly sessions = new Set<(error: Error) => void>();
  private deathCause: Error | undefined;

  private constructor() {
    // no execArgv: the worker needs none, and inherited ones like `--input-type` (with `-e`) make it fail
    this.worker = new Worker(compiledModuleUrl(import.meta.url, './chunk-worker.js'), { execArgv: [] });
    this.worker.on('error', (error) => this.die(error));
    this.worker.on('exit', (code) => this.die(new Error(`chunk worker exited with code ${code}`)));
    this.worker.unref();
  }

  /** Why the worker is gone, once it is. */
  get dead(): Error | undefined {
    return this.deathCause;
  }

  /** The live shared worker, started if there is none. */
  static get(): SharedChunkWorker {
    if (!current || current.dead) current = new SharedChunkWorker();
    return current;
  }

  /** Start a session on its port (transferred); `onDeath` is called if the worker dies while it is open. */
  open(session: OpenSession, onDeath: (error: Error) => void): void {
    this.worker.postMessage(session, [session.port]);
    this.sessions.add(onDeath);
  }

  /** The session of `onDeath` is over. */
  closed(onDeath: (error: Error) => void): void {
    this.sessions.delete(onDeath);
  }

  /** A session needs the worker (`true`) or no longer does: the process stays alive while one does. */
  need(needed: boolean): void {
    if (needed) {
      if (this.busy++ === 0) this.worker.ref();
    } else if (--this.busy === 0) this.worker.unref();
  }

  private die(error: Error): void {
    if (this.deathCause) return;
    this.deathCause = error;
    for (const onDeath of this.sessions) onDeath(error);
    this.sessions.clear();
  }
}

/** The process's chunk worker (see {@link SharedChunkWorker}): process-wide like libuv's thread pool, and as invisible in results. */
let current: SharedChunkWorker | undefined;
