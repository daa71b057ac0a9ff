import type { FileHandle } from 'node:fs/promises';
import type { FromReadWorker, ToReadWorker } from './chunk-protocol.js';
import { WorkerSession } from './shared-chunk-worker.js';
import { InternalError } from '../core/errors.js';

/** Chunks the worker reads ahead of the one being parsed. */
const READ_AHEAD = 2;

/**
 * The bytes of the open file `handle`, in chunks read and checked on the process's chunk worker
 * (a {@link WorkerSession}; `verifyChunk`): `good` gets, for each chunk, the file offsets of
 * the records in it that need no second check. The file stays the caller's: once this ends
 * (or is closed early), the worker no longer touches it.
 */
export async function* checkedFileChunks(handle: FileHandle, chunkSize: number, good: WeakMap<Uint8Array, readonly number[]>): AsyncGenerator<Uint8Array> {
  const inbox: FromReadWorker[] = [];
  let wake: (() => void) | undefined;
  const session = new WorkerSession<ToReadWorker, FromReadWorker>(
    (port) => ({ kind: 'read', fd: handle.fd, chunkSize, port }),
    (message) => {
      inbox.push(message);
      wake?.();
    },
    () => wake?.(),
  );
  const receive = async (): Promise<FromReadWorker> => {
    while (inbox.length === 0) {
      if (session.dead) throw session.dead;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return inbox.shift()!;
  };
  session.need(true);
  try {
    for (let i = 0; i < READ_AHEAD; i++) session.send({ kind: 'more' });
    for (;;) {
      const message = await receive();
      if (message.kind === 'end') return;
      if (message.kind === 'failed') throw Object.assign(new Error(message.message), { code: message.code });
      if (message.kind !== 'chunk') throw new InternalError(`chunk worker: unexpected ${message.kind}`);
      session.send({ kind: 'more' });
      const chunk = Buffer.from(message.buffer, 0, message.length);
      good.set(chunk, message.good);
      yield chunk;
    }
  } finally {
    session.need(false);
    await session.close(); // chunks still coming are dropped; `closed` comes after them
  }
}
