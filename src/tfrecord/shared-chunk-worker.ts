import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { compiledModuleUrl } from '../core/worker-module.js';
import type { OpenSession } from './chunk-protocol.js';
import { WorkerExitedError } from '../core/errors.js';

/**
 * The chunk worker of this process, shared by every TFRecord writer and reader (each through a
 * {@link WorkerSession}): a worker thread takes 50–100 ms to boot here, as long as writing
 * 50 MB, so one is started on first need and kept (never holding the process open while no
 * session has work with it), like a thread pool. If it dies, the open sessions fail, and the
 * next one starts a new worker.
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
    this.worker.on('exit', (code) => this.die(new WorkerExitedError('chunk worker', code)));
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

/**
 * One session on the process's chunk worker, from this thread's side: its channel, whether it
 * needs the worker now (the process stays alive while a session does), and its end. Every
 * session's protocol ends the same way: `close`, answered `closed` once the messages sent before
 * it are handled, after which the worker touches nothing of the session (file, buffers).
 */
export class WorkerSession<To extends { readonly kind: string }, From extends { readonly kind: string }> {
  private readonly host = SharedChunkWorker.get();
  private readonly port: MessagePort;
  /** Whether the owner has work with the worker, and whether this session counts as needing it. */
  private busy = false;
  private needing = false;
  private closing: (() => void) | undefined;
  private ended: Promise<void> | undefined;
  /** Why the worker is gone, once it is (the owner heard of it through `onDeath`). */
  dead: Error | undefined;
  private readonly died = (error: Error): void => {
    this.dead = error;
    this.closing?.();
    this.closing = undefined;
    this.update();
    this.onDeath(error);
  };

  /** Open a session: `open` makes its opening message around the worker's end of the channel. */
  constructor(
    open: (port: MessagePort) => OpenSession,
    private readonly onMessage: (message: From) => void,
    private readonly onDeath: (error: Error) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.port.on('message', (message: From) => this.receive(message));
    this.port.unref();
    this.host.open(open(port2), this.died);
  }

  send(message: To, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(message, transfer);
  }

  /** Handle the messages that have arrived, without waiting for the event loop. */
  drain(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.receive(m.message as From);
  }

  /** Whether the owner has work with the worker now (chunks in flight, answers awaited). */
  need(busy: boolean): void {
    this.busy = busy;
    this.update();
  }

  /** End the session (once): resolves when the worker has answered `closed`, or is gone. */
  close(): Promise<void> {
    this.ended ??= (async () => {
      if (!this.dead) {
        const closed = new Promise<void>((resolve) => (this.closing = resolve));
        this.update();
        this.port.postMessage({ kind: 'close' });
        await closed;
      }
      this.port.close();
      this.host.closed(this.died);
    })();
    return this.ended;
  }

  private receive(message: From): void {
    if (message.kind !== 'closed') {
      this.onMessage(message);
      return;
    }
    this.closing?.();
    this.closing = undefined;
    this.update();
  }

  private update(): void {
    const needing = this.busy || this.closing !== undefined;
    if (needing !== this.needing) this.host.need((this.needing = needing));
  }
}
