import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { readManifestFile, type Manifest } from '../../src/shards/manifest.js';
import { decodeExample, type Example } from '../../src/tfrecord/example/index.js';
import { readAllRecords } from '../../src/tfrecord/reader.js';

/** The repository root (tests run from it). */
export const ROOT = process.cwd();
export const CELEBA_FIXTURE = join(ROOT, 'fixtures', 'celeba');
export const MNIST_FIXTURE = join(ROOT, 'fixtures', 'mnist');

/** A fresh temporary folder, removed after the test file. */
export async function tempDir(prefix = 'shardstream-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A writable copy of the CelebA fixture. */
export async function copyCelebaFixture(): Promise<string> {
  const dir = join(await tempDir('celeba-copy-'), 'celeba');
  await cp(CELEBA_FIXTURE, dir, { recursive: true });
  return dir;
}

/** A shard set read back: the manifest and each partition's examples in order. */
export interface ShardSetContents {
  readonly manifest: Manifest;
  readonly examples: Readonly<Record<string, Example[]>>;
}

/** Read a shard set written by a converter (verifying framing CRCs). */
export async function readShardSet(dir: string): Promise<ShardSetContents> {
  const manifest = await readManifestFile(dir);
  const examples: Record<string, Example[]> = {};
  for (const p of manifest.partitions) {
    examples[p.name] = [];
    for (const s of p.shards) {
      for (const r of await readAllRecords(join(dir, s.name))) examples[p.name]!.push(decodeExample(r, s.name));
    }
  }
  return { manifest, examples };
}

/** Every file of a folder with its bytes, for byte-for-byte comparisons. */
export async function folderBytes(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) out.set(name, await readFile(join(dir, name)));
  return out;
}

/** The values of one feature of an example, as plain numbers or buffers. */
export function values(example: Example, key: string): (number | Buffer)[] {
  const f = example[key];
  if (!f) throw new Error(`no feature ${key}`);
  if (f.kind === 'bytes') return f.value.map((b) => Buffer.from(b));
  if (f.kind === 'int64') return f.value.map((v) => Number(v));
  return [...f.value];
}

/** The single bytes value of a feature as text. */
export function text(example: Example, key: string): string {
  return String(values(example, key)[0]);
}
