import { WriteFailedError } from '../core/errors.js';
import { writeFully } from '../core/write-fully.js';
import { sealChunk } from './chunk-seal.js';
import type { FromChunkWorker, ToChunkWorker } from './chunk-protocol.js';
import { WorkerSession } from './shared-chunk-worker.js';

/**
 * Bytes of buffers a writer may have (at least three): chunks wait for the worker in its queue
 * while it boots (50–100 ms) or is busy with other writers, up to this. Buffers are kept for
 * reuse: fresh memory costs a page fault per 4 KiB on its first write.
 */
const MAX_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * A write buffer that owns its whole ArrayBuffer, so that it can be transferred to the worker.
 * (Not shared memory: V8 copies into a SharedArrayBuffer byte by byte, 10× slower.)
 */
export function allocChunk(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(size));
}

/**
 * Seals, hashes and writes a TFRecordWriter's full buffers on the process's chunk worker
 * (a {@link WorkerSession}), so that the writer's thread only encodes records. The writer
 * never waits for the worker: when all its buffers are with it (it boots, or falls behind), a
 * chunk is sealed and written here instead, and the worker hashes those bytes from the file
 * when it gets to them.
 */
export class ChunkWriter {
  private readonly session: WorkerSession<ToChunkWorker, FromChunkWorker>;
  private inFlight = 0;
  /** Buffers made so far (the writer's first one included). */
  private buffers = 1;
  private readonly maxBuffers: number;
  /** Buffers back from the worker. */
  private readonly free: Buffer[] = [];
  private finishing: { resolve(sha256: string | undefined): void; reject(error: Error): void } | undefined;
  /** Why writing failed, once it has. */
  failure: WriteFailedError | undefined;

  /** Open a session on the chunk worker for `fd` (the file `path`, open for reading too), with buffers of `bufferSize` bytes. */
  constructor(
    private readonly path: string,
    private readonly fd: number,
    private readonly sha256: boolean,
    private readonly bufferSize: number,
  ) {
    this.session = new WorkerSession(
      (port) => ({ kind: 'write', fd, sha256, port }),
      (message) => this.receive(message),
      (error) => this.fail(WriteFailedError.from(path, error)),
    );
    this.maxBuffers = Math.max(3, Math.floor(MAX_BUFFER_BYTES / bufferSize));
  }

  /**
   * Write `buffer[0, length)` (from {@link allocChunk}), the file's bytes at `position`: hand it
   * to the worker (transferred) when there is a buffer to go on with, else write it here.
   * Returns the empty buffer to go on with; throws the failure once writing failed.
   */
  submit(buffer: Buffer, length: number, position: number): Buffer {
    this.session.drain();
    if (this.failure) throw this.failure;
    const next = this.spare();
    if (next) {
      this.post(buffer, length, position);
      return next;
    }
    this.writeHere(buffer, length, position);
    return buffer;
  }

  /** A buffer to fill next: one back from the worker, or a new one while there are fewer than the most. */
  private spare(): Buffer | undefined {
    const free = this.free.pop();
    if (free) return free;
    if (this.buffers >= this.maxBuffers) return undefined;
    this.buffers++;
    return allocChunk(this.bufferSize);
  }

  /** Write the last chunk (if any), wait until the file is written and hashed, end the session; returns the sha256. */
  async finish(buffer: Buffer, length: number, position: number): Promise<string | undefined> {
    this.session.drain();
    if (this.failure) throw this.failure;
    if (length > 0) this.post(buffer, length, position);
    try {
      if (!this.sha256 && this.inFlight === 0) return undefined; // nothing left for it to do
      const sha256 = new Promise<string | undefined>((resolve, reject) => (this.finishing = { resolve, reject }));
      this.session.send({ kind: 'finish', size: position + length });
      this.update();
      return await sha256;
    } finally {
      await this.stop();
    }
  }

  /**
   * End the session: chunks already sent are handled (or dropped after a failure) first, and
   * once this resolves the worker no longer touches the file, which may then be closed.
   */
  stop(): Promise<void> {
    this.finishing = undefined;
    this.update();
    return this.session.close();
  }

  private writeHere(buffer: Buffer, length: number, position: number): void {
    try {
      const chunk = buffer.subarray(0, length);
      sealChunk(chunk, length);
      writeFully(this.fd, chunk, position);
    } catch (error) {
      this.fail(WriteFailedError.from(this.path, error));
      throw this.failure;
    }
  }

  private post(buffer: Buffer, length: number, position: number): void {
    this.inFlight++;
    this.update();
    const ab = buffer.buffer as ArrayBuffer;
    this.session.send({ kind: 'chunk', buffer: ab, length, position }, [ab]);
  }

  private update(): void {
    this.session.need(this.inFlight > 0 || this.finishing !== undefined);
  }

  private receive(message: FromChunkWorker): void {
    switch (message.kind) {
      case 'done':
        this.inFlight--;
        this.free.push(Buffer.from(message.buffer));
        break;
      case 'failed':
        this.fail(new WriteFailedError(this.path, message.message, message.code));
        break;
      case 'finished':
        this.finishing?.resolve(message.sha256);
        this.finishing = undefined;
        break;
    }
    this.update();
  }

  /** Record the first failure and reject a waiting finish (the writer ends the session and closes the file). */
  private fail(error: WriteFailedError): void {
    this.failure ??= error;
    this.finishing?.reject(this.failure);
    this.finishing = undefined;
    this.update();
  }
}
