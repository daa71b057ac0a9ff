import type { MessagePort } from 'node:worker_threads';

/** What the chunk worker is sent to start a session on its own channel: writing one file, or reading one. */
export type OpenSession = OpenWriteSession | OpenReadSession | OpenCheckSession;

/** Start writing a file. */
export interface OpenWriteSession {
  readonly kind: 'write';
  /** The file's descriptor, open for reading too (threads share the process's descriptors). */
  readonly fd: number;
  readonly sha256: boolean;
  /** The session's channel to its writer (one the writer can also poll without waiting for its event loop). */
  readonly port: MessagePort;
}

/**
 * Messages of a session to the chunk worker, handled in order. Bytes between the chunks it gets
 * were written by the writer itself: the worker hashes them from the file.
 */
export type ToChunkWorker =
  /** Seal, hash and write `buffer[0, length)` at `position` of the file; the buffer is transferred. */
  | { readonly kind: 'chunk'; readonly buffer: ArrayBuffer; readonly length: number; readonly position: number }
  /** The file is `size` bytes, all written: answer with its sha256. */
  | { readonly kind: 'finish'; readonly size: number }
  /** The writer is done with the file: answer `closed`, after which the worker never touches the descriptor. */
  | { readonly kind: 'close' };

/** Messages of the chunk worker to a session's writer. */
export type FromChunkWorker =
  /** A chunk was handled (or dropped after a failure): its buffer, transferred back. */
  | { readonly kind: 'done'; readonly buffer: ArrayBuffer }
  | { readonly kind: 'failed'; readonly message: string; readonly code: string | undefined }
  | { readonly kind: 'finished'; readonly sha256: string | undefined }
  | { readonly kind: 'closed' };

/** Start reading a file: chunks in file order, each with the records it vouches for. */
export interface OpenReadSession {
  readonly kind: 'read';
  /** The file's descriptor (threads share the process's descriptors). */
  readonly fd: number;
  readonly chunkSize: number;
  readonly port: MessagePort;
}

/** Messages of a read session to the chunk worker. */
export type ToReadWorker =
  /** Read (and check) the next chunk. */
  | { readonly kind: 'more' }
  /** The reader is done with the file: answer `closed`, after which the worker never touches the descriptor. */
  | { readonly kind: 'close' };

/** Messages of the chunk worker to a read session's reader. */
export type FromReadWorker =
  /** The next chunk (transferred), and the file offsets of the records in it whose framing and CRCs check out. */
  | { readonly kind: 'chunk'; readonly buffer: ArrayBuffer; readonly length: number; readonly good: readonly number[] }
  | { readonly kind: 'end' }
  | { readonly kind: 'failed'; readonly message: string; readonly code: string | undefined }
  | { readonly kind: 'closed' };

/** Start checking the records of shared buffers (a record cache's, read already). */
export interface OpenCheckSession {
  readonly kind: 'check';
  readonly port: MessagePort;
}

/** Messages of a check session to the chunk worker. */
export type ToCheckWorker =
  /** Check the records of `buffer[at, at + length)` (shared memory, the caller's own), which start at `at`. */
  | { readonly kind: 'check'; readonly id: number; readonly buffer: SharedArrayBuffer; readonly at: number; readonly length: number }
  /** The session is over: answer `closed`, after which the worker touches none of its buffers. */
  | { readonly kind: 'close' };

/** Messages of the chunk worker to a check session. */
export type FromCheckWorker =
  /** Check `id` is done: `[start, end)` pairs (in the buffer) of the records that check out. */
  | { readonly kind: 'checked'; readonly id: number; readonly good: readonly number[] }
  | { readonly kind: 'closed' };
