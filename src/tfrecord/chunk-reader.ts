import type { FileHandle } from 'node:fs/promises';
import { MessageChannel } from 'node:worker_threads';
import type { FromReadWorker, ToReadWorker } from './chunk-protocol.js';
import { SharedChunkWorker } from './shared-chunk-worker.js';

/** Chunks the worker reads ahead of the one being parsed. */
const READ_AHEAD = 2;

/**
 * The bytes of the open file `handle`, in chunks read and checked on the process's chunk worker
 * ({@link SharedChunkWorker}, `verifyChunk`): `good` gets, for each chunk, the file offsets of
 * the records in it that need no second check. The file stays the caller's: once this ends
 * (or is closed early), the worker no longer touches it.
 */
export async function* checkedFileChunks(handle: FileHandle, chunkSize: number, good: WeakMap<Uint8Array, readonly number[]>): AsyncGenerator<Uint8Array> {
  const host = SharedChunkWorker.get();
  const { port1: port, port2 } = new MessageChannel();
  const inbox: FromReadWorker[] = [];
  let wake: (() => void) | undefined;
  let death: Error | undefined;
  const onDeath = (error: Error): void => {
    death = error;
    wake?.();
  };
  port.on('message', (message: FromReadWorker) => {
    inbox.push(message);
    wake?.();
  });
  const receive = async (): Promise<FromReadWorker> => {
    while (inbox.length === 0) {
      if (death) throw death;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return inbox.shift()!;
  };
  const send = (message: ToReadWorker): void => port.postMessage(message);
  host.open({ kind: 'read', fd: handle.fd, chunkSize, port: port2 }, onDeath);
  host.need(true);
  try {
    for (let i = 0; i < READ_AHEAD; i++) send({ kind: 'more' });
    for (;;) {
      const message = await receive();
      if (message.kind === 'end') return;
      if (message.kind === 'failed') throw Object.assign(new Error(message.message), { code: message.code });
      if (message.kind !== 'chunk') throw new Error(`chunk worker: unexpected ${message.kind}`);
      send({ kind: 'more' });
      const chunk = Buffer.from(message.buffer, 0, message.length);
      good.set(chunk, message.good);
      yield chunk;
    }
  } finally {
    if (!death) {
      send({ kind: 'close' });
      // chunks still coming are dropped; `closed` comes after them
      for (let m = await receive().catch(() => undefined); m !== undefined && m.kind !== 'closed'; m = await receive().catch(() => undefined));
    }
    port.close();
    host.closed(onDeath);
    host.need(false);
  }
}
