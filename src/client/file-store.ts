import { open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readManifestFile, type Manifest } from '../shards/manifest.js';
import { readIndexFile, type RecordIndex } from '../tfrecord/record-index.js';
import { indexPathFor } from '../tfrecord/writer.js';
import { IncompleteResponseError, ManifestChangedError } from './errors.js';
import type { ShardStore } from './shard-store.js';

/** A shard set in a local directory; shard files stay open until {@link FileStore.close}. */
export class FileStore implements ShardStore {
  readonly location: string;
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(dir: string) {
    this.location = resolve(dir);
  }

  describe(name: string): string {
    return join(this.location, name);
  }

  manifest(): Promise<Manifest> {
    return readManifestFile(this.location);
  }

  index(shard: string, size: number): Promise<RecordIndex> {
    return readIndexFile(indexPathFor(this.describe(shard)), size);
  }

  async read(shard: string, offset: number, length: number, size: number): Promise<Buffer> {
    const handle = await this.handle(shard, size);
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < length) throw new IncompleteResponseError(this.describe(shard), `bytes ${offset}-${offset + length - 1}: the file ends after ${offset + got}`);
    return buf;
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (h) => (await h.catch(() => undefined))?.close()));
  }

  /** The open handle of a shard; the first open checks its size against the manifest. */
  private handle(shard: string, size: number): Promise<FileHandle> {
    let h = this.handles.get(shard);
    if (!h) {
      const path = this.describe(shard);
      h = (async () => {
        const handle = await open(path, 'r');
        const actual = (await handle.stat()).size;
        if (actual !== size) {
          await handle.close();
          throw new ManifestChangedError(path, `is ${actual} bytes but the manifest says ${size}: the shard set changed`);
        }
        return handle;
      })();
      // A failed open is not cached, so a later read tries again.
      h.catch(() => this.handles.delete(shard));
      this.handles.set(shard, h);
    }
    return h;
  }
}
