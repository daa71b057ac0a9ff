import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { MANIFEST_FILE, readManifestFile, type Manifest } from '../shards/manifest.js';

/** The manifest of an MNIST shard set with square one-channel images of one size; anything else is an error naming the file. */
export async function readMnistManifest(dir: string): Promise<Manifest> {
  const manifest = await readManifestFile(dir);
  const path = join(dir, MANIFEST_FILE);
  if (manifest.dataset !== 'mnist') throw new InvalidInputError(path, `not an MNIST shard set (dataset ${JSON.stringify(manifest.dataset)}): the digit score needs mnist-convert's output`);
  const { height, width, channels } = manifest.image;
  if (height === null || height !== width || channels !== 1) {
    throw new InvalidInputError(path, `MNIST images of ${height ?? '?'}×${width ?? '?'}×${channels}, the digit score needs square one-channel images of one size`);
  }
  return manifest;
}
