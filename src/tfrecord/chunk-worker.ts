import { createHash } from 'node:crypto';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { sealChunk } from './chunk-seal.js';
import { writeFully } from '../core/write-fully.js';
import { readFully } from './chunk-io.js';
import type { FromCheckWorker, FromChunkWorker, FromReadWorker, OpenSession, ToCheckWorker, ToChunkWorker, ToReadWorker } from './chunk-protocol.js';
import { goodRecords, startVerify, verifyChunk } from './chunk-verify.js';
import { ShardstreamError } from '../core/errors.js';

/*
 * The process's chunk worker, shared by TFRecord writers and readers (see shared-chunk-worker.ts).
 * A writer opens a session for its file; the worker seals each chunk it is handed (fills in the
 * CRCs), hashes it, writes it at its position in the file and hands the buffer back. A
 * session's chunks come in file order; what its writer wrote itself between them is hashed from
 * the file. A reader opens a session to have the file read in chunks, each checked here
 * (verifyChunk), so that the reader's thread only decodes. The shard-server's record cache opens
 * one to have the records of each block it reads checked here (goodRecords).
 */

parentPort!.on('message', (open: OpenSession) => {
  if (open.kind === 'write') writeSession(open.fd, open.sha256, open.port);
  else if (open.kind === 'read') readSession(open.fd, open.chunkSize, open.port);
  else checkSession(open.port);
});

/**
 * Serve a session on `port`: `close` ends it (answered `closed`, after the messages sent before
 * it; the worker then touches nothing of the session), the other messages go to `handle`.
 */
function serve<M extends { readonly kind: string }>(port: MessagePort, handle: (message: Exclude<M, { readonly kind: 'close' }>) => void): void {
  port.on('message', (message: M) => {
    if (message.kind !== 'close') {
      handle(message as Exclude<M, { readonly kind: 'close' }>);
      return;
    }
    port.postMessage({ kind: 'closed' });
    port.close();
  });
}

/** What a session is told of a system error. */
function failure(error: unknown): { readonly kind: 'failed'; readonly message: string; readonly code: string | undefined } {
  const { message, code } = error as NodeJS.ErrnoException;
  return { kind: 'failed', message, code };
}

function checkSession(port: MessagePort): void {
  serve<ToCheckWorker>(port, ({ id, buffer, at, length }) => {
    const message: FromCheckWorker = { kind: 'checked', id, good: goodRecords(Buffer.from(buffer), at, at + length) };
    port.postMessage(message);
  });
}

function readSession(fd: number, chunkSize: number, port: MessagePort): void {
  const state = startVerify();
  let position = 0;
  let done = false;
  const post = (message: FromReadWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  serve<ToReadWorker>(port, () => {
    if (done) return;
    try {
      const buffer = new ArrayBuffer(chunkSize);
      const chunk = Buffer.from(buffer);
      const filled = readFully(fd, chunk, position);
      if (filled === 0) {
        done = true;
        post({ kind: 'end' });
        return;
      }
      const good = verifyChunk(chunk.subarray(0, filled), position, state);
      position += filled;
      post({ kind: 'chunk', buffer, length: filled, good }, [buffer]);
    } catch (error) {
      done = true;
      post(failure(error));
    }
  });
}

function writeSession(fd: number, sha256: boolean, port: MessagePort): void {
  const hash = sha256 ? createHash('sha256') : undefined;
  /** Bytes of the file hashed so far. */
  let hashed = 0;
  let failed = false;

  const post = (message: FromChunkWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

  /** Hash the file's bytes from where hashing is up to `end`, reading them back (from the page cache). */
  const hashUpTo = (end: number): void => {
    if (!hash || hashed >= end) return;
    const scratch = Buffer.allocUnsafe(Math.min(end - hashed, 1024 * 1024));
    while (hashed < end) {
      const n = readFully(fd, scratch.subarray(0, Math.min(scratch.length, end - hashed)), hashed);
      if (n === 0) throw new ShardstreamError('ERR_FILE_CHANGED', `file ends at byte ${hashed}, expected ${end}`) // the writer names the file (WriteFailedError);
      hash.update(scratch.subarray(0, n));
      hashed += n;
    }
  };

  const fail = (error: unknown): void => {
    failed = true; // later chunks are dropped: the file is broken already
    post(failure(error));
  };

  serve<ToChunkWorker>(port, (message) => {
    if (message.kind === 'finish') {
      if (!failed) {
        try {
          hashUpTo(message.size);
        } catch (error) {
          fail(error);
        }
      }
      if (!failed) post({ kind: 'finished', sha256: hash?.digest('hex') });
      return;
    }
    const { buffer, length, position } = message;
    if (!failed) {
      try {
        const chunk = Buffer.from(buffer, 0, length);
        sealChunk(chunk, length);
        hashUpTo(position);
        hash?.update(chunk);
        hashed += length;
        writeFully(fd, chunk, position);
      } catch (error) {
        fail(error);
      }
    }
    post({ kind: 'done', buffer }, [buffer]);
  });
}
