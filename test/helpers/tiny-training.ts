import { createShardServer, type ShardServer } from '../../src/server/index.js';
import type { TrainOptions } from '../../src/train/trainer.js';
import { writeShardSet, type SyntheticShardSet } from './shard-set.js';

/** A synthetic 8×8 PNG shard set served by a real shard-server on 127.0.0.1, for tiny training runs. */
export interface TinyTrainingData {
  readonly url: string;
  close(): Promise<void>;
}

/** Write the shard set and start its server (port 0). */
export async function serveTinyTrainingData(): Promise<TinyTrainingData> {
  const set: SyntheticShardSet = await writeShardSet({ encoding: 'png', height: 8, width: 8, channels: 3 });
  const server: ShardServer = await createShardServer({ data: set.dir, host: '127.0.0.1', port: 0, log: () => undefined, accessLog: () => undefined });
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await set.cleanup();
    },
  };
}

/** Options of a tiny model (8×8, 1/64 width, CPU) that trains in seconds; `extra` overrides. */
export function tinyTrainOptions(url: string, out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    data: url,
    partitions: ['train'],
    out,
    backend: 'cpu',
    size: 8,
    widthMult: 1 / 64,
    noiseDim: 8,
    batchSize: 8,
    epochs: 2,
    saveEvery: 1,
    seed: 3,
    ...extra,
  };
}
