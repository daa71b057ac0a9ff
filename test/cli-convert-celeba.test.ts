import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALIGNED, background, IMAGES, WILD, type FixtureImage } from '../fixtures/celeba-spec.js';
import { clampBox } from '../src/datasets/image-transform.js';
import { resizeBilinear } from '../src/datasets/resize.js';
import { decodeExampleImage } from '../src/shards/record-image.js';
import type { Example } from '../src/tfrecord/example/index.js';
import { CELEBA_FIXTURE, copyCelebaFixture, folderBytes, readShardSet, ROOT, tempDir, text, values, type ShardSetContents } from './datasets/helpers.js';
import { runBin } from './helpers/run-bin.js';

const convert = (...args: string[]) => runBin('celeba-convert', ['--root', CELEBA_FIXTURE, '-q', ...args]);
const byQuirk = (q: FixtureImage['quirk']) => IMAGES.find((i) => i.quirk === q)!;
const PARTITIONS = ['train', 'val', 'test'];

/** The fixture images a conversion keeps, by partition, when `skipped` quirks are dropped. */
function kept(skipped: readonly FixtureImage['quirk'][]): Record<string, FixtureImage[]> {
  const out: Record<string, FixtureImage[]> = { train: [], val: [], test: [] };
  for (const img of IMAGES) if (!skipped.includes(img.quirk)) out[PARTITIONS[img.partition]!]!.push(img);
  return out;
}

/** Mean and max absolute difference between pixels and one colour. */
function distance(pixels: Uint8Array, channels: number, colour: readonly number[]): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < pixels.length; i++) {
    const d = Math.abs(pixels[i]! - colour[i % channels]!);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / pixels.length, max };
}

async function image(example: Example, set: ShardSetContents) {
  return decodeExampleImage(example, set.manifest.image);
}

describe('celeba-convert --bbox (canonical layout)', () => {
  let out: string;
  let set: ShardSetContents;
  let stdout: string;
  const expected = kept(['zero-bbox', 'corrupt', 'missing', 'no-bbox-row']);

  beforeAll(async () => {
    out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--partition', 'all', '--bbox', '--size', '64', '--shards', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    stdout = r.stdout;
    set = await readShardSet(out);
  });

  it('writes every partition in its own shards, in the order train, val, test', () => {
    expect(set.manifest.partitions.map((p) => [p.name, p.records, p.shards.map((s) => s.name)])).toEqual(
      PARTITIONS.map((p) => [p, expected[p]!.length, [`celeba-${p}-00000-of-00002.tfrecord`, `celeba-${p}-00001-of-00002.tfrecord`]]),
    );
    expect(set.manifest).toMatchObject({
      dataset: 'celeba',
      format_version: 1,
      image: { feature: 'image/encoded', height: 64, width: 64, channels: 3, encoding: 'jpeg' },
      options: { partition: 'all', image_type: 'img_celeba', bbox: true, size: 64, format: 'jpeg', quality: 95, layout: 'canonical', shards: 2 },
    });
    expect(set.manifest.created_by).toMatch(/^shardstream \d+\.\d+\.\d+/);
  });

  it('lists every shard with its real size and sha256, and an index per shard', async () => {
    for (const p of set.manifest.partitions) {
      for (const s of p.shards) {
        const bytes = await readFile(join(out, s.name));
        expect(bytes.length).toBe(s.bytes);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(s.sha256);
        const index = (await readFile(join(out, `${s.name}.index`), 'utf8')).trim().split('\n');
        expect(index).toHaveLength(s.records);
        const [lastOffset, lastSize] = index.at(-1)!.split(' ').map(Number);
        expect(lastOffset! + lastSize!).toBe(s.bytes);
      }
    }
    expect((await readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('records every skip with its reason, in the manifest and the summary', () => {
    const skipped = [
      { input: byQuirk('zero-bbox').name, partition: 'train', reason: 'zero-area bounding box: 0×0 at 12,9' },
      { input: byQuirk('corrupt').name, partition: 'train', reason: 'undecodable image: truncated JPEG (no end-of-image marker)' },
      { input: byQuirk('missing').name, partition: 'train', reason: `missing image file: Img/img_celeba/${byQuirk('missing').name}` },
      { input: byQuirk('no-bbox-row').name, partition: 'train', reason: 'no annotation row in Anno/list_bbox_celeba.txt' },
    ];
    expect(set.manifest.skipped).toEqual(skipped);
    expect(stdout).toContain(`train: ${expected.train!.length} records in 2 shards`);
    expect(stdout).toContain('skipped 4 inputs: 1 zero-area bounding box, 1 undecodable image, 1 missing image file, 1 no annotation row in Anno/list_bbox_celeba.txt');
    for (const s of skipped) expect(stdout).toContain(`train ${s.input}: ${s.reason}`);
  });

  it('stores the annotation rows as the canonical features, in image-id order', () => {
    expect(Object.keys(set.manifest.features)).toEqual([
      'image/encoded', 'image/format', 'image/height', 'image/width', 'image/channels', 'image/filename',
      'celeba/partition', 'celeba/bbox', 'celeba/landmarks', 'celeba/landmarks_align', 'celeba/attributes', 'celeba/identity',
    ]);
    expect(set.manifest.features['celeba/attributes']).toEqual({ type: 'float', shape: [40] });
    for (const p of PARTITIONS) {
      const examples = set.examples[p]!;
      expect(examples.map((e) => text(e, 'image/filename'))).toEqual(expected[p]!.map((i) => i.name));
      examples.forEach((e, k) => {
        const img = expected[p]![k]!;
        expect(Object.keys(e)).toEqual(Object.keys(set.manifest.features));
        expect(values(e, 'celeba/partition')).toEqual([img.partition]);
        expect(values(e, 'celeba/bbox')).toEqual([...img.bbox]);
        expect(values(e, 'celeba/landmarks')).toEqual([...img.landmarks]);
        expect(values(e, 'celeba/landmarks_align')).toEqual([...img.landmarksAlign]);
        expect(values(e, 'celeba/attributes')).toEqual(img.attributes.map((a) => (a > 0 ? 1 : 0)));
        expect(values(e, 'celeba/identity')).toEqual([img.identity]);
        expect(text(e, 'image/format')).toBe('jpeg');
        expect([values(e, 'image/height'), values(e, 'image/width'), values(e, 'image/channels')]).toEqual([[64], [64], [3]]);
      });
    }
  });

  it('crops to the bounding box: every 64×64 image shows the rectangle drawn there', async () => {
    for (const p of PARTITIONS) {
      for (const [k, e] of set.examples[p]!.entries()) {
        const img = expected[p]![k]!;
        const decoded = await image(e, set);
        expect([decoded.width, decoded.height, decoded.channels]).toEqual([64, 64, 3]);
        const d = distance(decoded.pixels, 3, img.colour);
        expect(d.mean, img.name).toBeLessThan(4);
        expect(d.max, img.name).toBeLessThan(40);
      }
    }
  });
});

describe('celeba-convert --bbox --size 0 --format png: crop pixels', () => {
  it('keeps the clamped crop size, and its pixels are exactly the box region', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--bbox', '--size', '0', '--format', 'png', '--shards', '1');
    expect(r.code).toBe(0);
    const set = await readShardSet(out);
    expect(set.manifest.image).toMatchObject({ height: null, width: null, encoding: 'png' });
    const all = PARTITIONS.flatMap((p) => set.examples[p]!);
    expect(all).toHaveLength(26);
    for (const e of all) {
      const img = IMAGES.find((i) => i.name === text(e, 'image/filename'))!;
      const region = clampBox({ x: img.bbox[0], y: img.bbox[1], width: img.bbox[2], height: img.bbox[3] }, WILD.width, WILD.height);
      if (typeof region === 'string') throw new Error(region);
      const decoded = await image(e, set);
      expect([decoded.width, decoded.height], img.name).toEqual([region.width, region.height]);
      expect(values(e, 'image/width')).toEqual([region.width]);
      // The source JPEG (q95, 4:4:4) blurs the rectangle's edges only a little; a crop one pixel off
      // would bring in a row or column of the dark background, far off in at least one channel.
      const d = distance(decoded.pixels, 3, img.colour);
      expect(d.max, img.name).toBeLessThan(48);
      expect(d.mean, img.name).toBeLessThan(4);
    }
    const past = all.find((e) => text(e, 'image/filename') === byQuirk('bbox-past-edge').name)!;
    expect([values(past, 'image/width'), values(past, 'image/height')]).toEqual([[10], [10]]);
    const before = all.find((e) => text(e, 'image/filename') === byQuirk('bbox-before-edge').name)!;
    expect([values(before, 'image/width'), values(before, 'image/height')]).toEqual([[12], [15]]);
    // The control: the background next to the box really is far from the rectangle's colour.
    const img = IMAGES[0]!;
    expect(distance(Uint8Array.from(background(img.bbox[0] - 1, img.bbox[1])), 3, img.colour).max).toBeGreaterThan(100);
  });
});

describe('celeba-convert: aligned images and the resize', () => {
  it('--image-type img_align_celeba_png --format raw: pixels are tf.image.resize of the source', async () => {
    for (const size of ['16', '32']) {
      const out = join(await tempDir(), 'out');
      const r = await convert('--out', out, '--image-type', 'img_align_celeba_png', '--format', 'raw', '--size', size, '--partition', 'val');
      expect(r.code).toBe(0);
      const set = await readShardSet(out);
      expect(set.manifest.partitions.map((p) => p.name)).toEqual(['val']);
      for (const e of set.examples.val!) {
        const name = text(e, 'image/filename');
        expect(name).toMatch(/\.png$/);
        const source = await sharp(join(CELEBA_FIXTURE, 'Img', 'img_align_celeba_png', name)).raw().toBuffer();
        const want = resizeBilinear({ pixels: source, width: ALIGNED.width, height: ALIGNED.height, channels: 3 }, Number(size), Number(size));
        const got = values(e, 'image/encoded')[0] as Buffer;
        expect(got.length).toBe(Number(size) ** 2 * 3);
        expect(got.equals(Buffer.from(want.pixels)), `${name} at ${size}`).toBe(true);
      }
    }
  });

  it('skips undecodable, missing and unannotated aligned images the same way', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--image-type', 'img_align_celeba', '--partition', 'train', '--limit', '16');
    expect(r.code).toBe(0);
    const set = await readShardSet(out);
    expect(set.manifest.skipped.map((s) => [s.input, s.reason.split(':')[0]])).toEqual([
      ['000010.jpg', 'undecodable image'],
      ['000012.jpg', 'missing image file'],
      ['000015.jpg', 'no annotation row in Anno/list_bbox_celeba.txt'],
    ]);
    expect(set.manifest.partitions[0]!.records).toBe(13);
  });
});

describe('celeba-convert --layout seed', () => {
  const SEED_KEYS = [
    'image/img_celeba/filename', 'image/img_align_celeba/filename', 'image/img_align_celeba_png/filename',
    'image/img_celeba/encoded', 'image/img_align_celeba/encoded', 'image/img_align_celeba_png/encoded',
    'image/ID', 'image/Attr', 'image/Landmarks', 'image/LandmarksAlign', 'image/img_celeba/bbox',
  ];

  it('carries exactly the reference feature keys and shapes (IMAGE_FEATURE_MAP)', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--layout', 'seed', '--bbox', '--partition', 'test');
    expect(r.code).toBe(0);
    const set = await readShardSet(out);
    expect(set.manifest.features).toEqual({
      'image/img_celeba/filename': { type: 'bytes', shape: [] },
      'image/img_align_celeba/filename': { type: 'bytes', shape: [] },
      'image/img_align_celeba_png/filename': { type: 'bytes', shape: [] },
      'image/img_celeba/encoded': { type: 'bytes', shape: [] },
      'image/img_align_celeba/encoded': { type: 'bytes', shape: [] },
      'image/img_align_celeba_png/encoded': { type: 'bytes', shape: [] },
      'image/ID': { type: 'int64', shape: [1] },
      'image/Attr': { type: 'float', shape: [40] },
      'image/Landmarks': { type: 'float', shape: [10] },
      'image/LandmarksAlign': { type: 'float', shape: [10] },
      'image/img_celeba/bbox': { type: 'float', shape: [4] },
    });
    expect(set.manifest.image.feature).toBe('image/img_celeba/encoded');
    const expected = IMAGES.filter((i) => i.partition === 2);
    expect(set.examples.test).toHaveLength(expected.length);
    for (const [k, e] of set.examples.test!.entries()) {
      const img = expected[k]!;
      expect(Object.keys(e)).toEqual(SEED_KEYS);
      const kinds = SEED_KEYS.map((key) => [e[key]!.kind, e[key]!.value.length]);
      expect(kinds).toEqual([
        ['bytes', 1], ['bytes', 1], ['bytes', 1], ['bytes', 1], ['bytes', 1], ['bytes', 1],
        ['int64', 1], ['float', 40], ['float', 10], ['float', 10], ['float', 4],
      ]);
      expect([text(e, 'image/img_celeba/filename'), text(e, 'image/img_align_celeba_png/filename')]).toEqual([img.name, img.name.replace('.jpg', '.png')]);
      expect(values(e, 'image/ID')).toEqual([img.identity]);
      expect(values(e, 'image/Attr')).toEqual(img.attributes.map((a) => (a > 0 ? 1 : 0)));
      expect(values(e, 'image/Landmarks')).toEqual([...img.landmarks]);
      expect(values(e, 'image/LandmarksAlign')).toEqual([...img.landmarksAlign]);
      // The stored image is the crop: the loader's --bbox path crops all of it and resizes 64→64.
      expect(values(e, 'image/img_celeba/bbox')).toEqual([0, 0, 64, 64]);
      expect((values(e, 'image/img_align_celeba/encoded')[0] as Buffer).length).toBe(0);
      const meta = await sharp(values(e, 'image/img_celeba/encoded')[0] as Buffer).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 64, 64]);
    }
  });

  it('stores the source file as the reference writer does when nothing changes', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--layout', 'seed', '--image-type', 'img_align_celeba', '--size', '0', '--partition', 'val');
    expect(r.code).toBe(0);
    const set = await readShardSet(out);
    for (const e of set.examples.val!) {
      const name = text(e, 'image/img_align_celeba/filename');
      const source = await readFile(join(CELEBA_FIXTURE, 'Img', 'img_align_celeba', name));
      expect((values(e, 'image/img_align_celeba/encoded')[0] as Buffer).equals(source)).toBe(true);
      const img = IMAGES.find((i) => i.name === name)!;
      expect(values(e, 'image/img_celeba/bbox')).toEqual([...img.bbox]);
    }
  });
});

describe('celeba-convert: determinism', () => {
  it('writes byte-identical shard sets across runs and --workers values', async () => {
    const base = await tempDir();
    const args = ['--bbox', '--shards', '3'];
    const runs = [['--workers', '1'], ['--workers', '3'], ['--workers', '3']];
    const outputs: Map<string, Buffer>[] = [];
    for (const [i, w] of runs.entries()) {
      const r = await convert('--out', join(base, `run${i}`), ...args, ...w);
      expect(r.code).toBe(0);
      outputs.push(await folderBytes(join(base, `run${i}`)));
    }
    expect(outputs[0]!.size).toBe(1 + 3 * 3 * 2);
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });
});

describe('celeba-convert: resume after a kill', () => {
  it('keeps the shards completed before the kill and ends byte-identical to an uninterrupted run', async () => {
    const root = await copyCelebaFixture();
    const base = await tempDir();
    const clean = join(base, 'clean');
    const out = join(base, 'out');
    const args = ['--partition', 'train', '--bbox', '--shards', '4', '--workers', '2', '-q'];
    expect((await runBin('celeba-convert', ['--root', root, '--out', clean, ...args])).code).toBe(0);

    // 000018.jpg (train position 17, in the last of 4 shards) becomes a FIFO: reading it blocks
    // until the test kills the converter, after the first three shards are complete.
    const blocked = join(root, 'Img', 'img_celeba', '000018.jpg');
    await rm(blocked);
    execFileSync('mkfifo', [blocked]);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'celeba-convert.js'), '--root', root, '--out', out, ...args], { stdio: 'ignore' });
    const done = new Promise((r) => child.on('exit', r));
    const sidecars = async () => (await readdir(out).catch(() => [] as string[])).filter((n) => n.endsWith('.done.json'));
    for (let t = 0; (await sidecars()).length < 3; t++) {
      if (t > 600) throw new Error('the converter did not complete three shards');
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await done;
    const names = await readdir(out);
    expect(names).not.toContain('manifest.json');
    expect(names).not.toContain('celeba-train-00003-of-00004.tfrecord');
    const before = await Promise.all([0, 1, 2].map((k) => stat(join(out, `celeba-train-0000${k}-of-00004.tfrecord`))));

    await rm(blocked);
    await copyFile(join(CELEBA_FIXTURE, 'Img', 'img_celeba', '000018.jpg'), blocked);
    const r = await runBin('celeba-convert', ['--root', root, '--out', out, ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('resumed: 3 of 4 shards were complete from an earlier run and kept');
    const after = await Promise.all([0, 1, 2].map((k) => stat(join(out, `celeba-train-0000${k}-of-00004.tfrecord`))));
    expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
    expect(await folderBytes(out)).toEqual(await folderBytes(clean));
  });
});

describe('celeba-convert: options and inputs', () => {
  it.each([
    [['--bbox', '--image-type', 'img_align_celeba'], '--bbox: Expected imageType img_celeba (bounding boxes are given for the in-the-wild images) for bbox but received "img_align_celeba"'],
    [['--format', 'gif'], "option '--format <encoding>' argument 'gif' is invalid"],
    [['--layout', 'seed', '--format', 'raw'], '--format: Expected jpeg or png with layout seed'],
    [['--shards', '2', '--shard-size', '1'], '--shards: Expected either shards or shardSizeMb, not both'],
    [['--quality', '101'], '--quality: Expected an integer from 1 to 100 for quality but received 101'],
    [['--size', '-3'], "option '--size <n>' argument '-3' is invalid"],
    [['--shard-size', '0'], '--shard-size: Expected a positive number of MiB for shardSizeMb but received 0'],
    [['--workers', '0'], "option '--workers <n>' argument '0' is invalid"],
  ])('%j is a usage error (exit 2) naming the option', async (args, message) => {
    const r = await convert('--out', join(await tempDir(), 'out'), ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('warns when --workers is more than the thread pool runs at once', async () => {
    const r = await runBin('celeba-convert', ['--root', CELEBA_FIXTURE, '-q', '--out', join(await tempDir(), 'out'), '--partition', 'val', '--workers', '5'], { env: { UV_THREADPOOL_SIZE: '4' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("warning: --workers 5 but libuv's thread pool has 4 threads: start with UV_THREADPOOL_SIZE=5 to run them all at once\n");
  });

  it('requires --root and --out', async () => {
    const r = await runBin('celeba-convert', ['--out', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--root <dir>' not specified");
  });

  it('fails before any work when a required annotation file is missing, naming it', async () => {
    const root = await copyCelebaFixture();
    await rm(join(root, 'Anno', 'list_bbox_celeba.txt'));
    const out = join(await tempDir(), 'out');
    const r = await runBin('celeba-convert', ['--root', root, '--out', out, '--bbox', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${join(root, 'Anno', 'list_bbox_celeba.txt')}: the annotation file is missing (needed by --bbox)\n`);
    await expect(stat(out)).rejects.toThrow('ENOENT');
  });

  it('leaves out the features of a missing optional annotation file, with a warning', async () => {
    const root = await copyCelebaFixture();
    await rm(join(root, 'Anno', 'list_landmarks_celeba.txt'));
    const out = join(await tempDir(), 'out');
    const r = await runBin('celeba-convert', ['--root', root, '--out', out, '--partition', 'val', '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: ${join(root, 'Anno', 'list_landmarks_celeba.txt')} is missing: its features are left out\n`);
    const set = await readShardSet(out);
    expect(set.manifest.features).not.toHaveProperty('celeba/landmarks');
    expect(set.examples.val![0]).not.toHaveProperty('celeba/landmarks');
    expect(set.examples.val![0]).toHaveProperty('celeba/landmarks_align');
  });

  it('needs every annotation file for --layout seed', async () => {
    const root = await copyCelebaFixture();
    await rm(join(root, 'Anno', 'identity_CelebA.txt'));
    const r = await runBin('celeba-convert', ['--root', root, '--out', join(await tempDir(), 'out'), '--layout', 'seed', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(root, 'Anno', 'identity_CelebA.txt')}: the annotation file is missing (needed by --layout seed`);
  });

  it('reports a malformed annotation file with its line', async () => {
    const root = await copyCelebaFixture();
    const file = join(root, 'Anno', 'list_landmarks_celeba.txt');
    await import('node:fs/promises').then((fs) => fs.appendFile(file, '000031.jpg 1 2 3\n'));
    const r = await runBin('celeba-convert', ['--root', root, '--out', join(await tempDir(), 'out'), '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${file}: line 33: expected an image name and 10 values but found 3 values\n`);
  });

  it('exits 1 when nothing could be written, listing the skips', async () => {
    const root = await copyCelebaFixture();
    await rm(join(root, 'Img'), { recursive: true });
    const out = join(await tempDir(), 'out');
    const r = await runBin('celeba-convert', ['--root', root, '--out', out, '--partition', 'test', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${out}: no record was written (5 inputs skipped)\n`);
    expect(r.stdout).toContain('skipped 5 inputs: 5 missing image file');
    expect(await readdir(out)).toEqual([]);
  });

  it('--limit converts the first images of each partition; --shard-size plans shards by bytes', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--limit', '3', '--shard-size', '0.002', '--format', 'png');
    expect(r.code).toBe(0);
    const set = await readShardSet(out);
    expect(set.manifest.partitions.map((p) => p.records)).toEqual([3, 3, 3]);
    expect(set.examples.train!.map((e) => text(e, 'image/filename'))).toEqual(['000001.jpg', '000002.jpg', '000003.jpg']);
    expect(set.manifest.partitions.every((p) => p.shards.length > 1)).toBe(true);
    expect(set.manifest.options).toMatchObject({ limit: 3, shard_size_mb: 0.002 });
  });
});

describe('celeba-convert: damaged image files', () => {
  /** The fixture's usual train skips, and the names of the train images converted when `gone` are skipped too. */
  const FIXTURE_SKIPS = {
    '000004.jpg': 'zero-area bounding box: 0×0 at 12,9',
    '000010.jpg': 'undecodable image: truncated JPEG (no end-of-image marker)',
    '000012.jpg': 'missing image file: Img/img_celeba/000012.jpg',
    '000015.jpg': 'no annotation row in Anno/list_bbox_celeba.txt',
  };

  /** Convert the train partition of `root` with --bbox; exit 0, nothing on stderr; the skips and the converted names. */
  async function convertTrain(root: string) {
    const out = join(await tempDir(), 'out');
    const r = await runBin('celeba-convert', ['--root', root, '--out', out, '--partition', 'train', '--bbox', '--shards', '1', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const set = await readShardSet(out);
    return { stdout: r.stdout, skipped: set.manifest.skipped, names: set.examples.train!.map((e) => text(e, 'image/filename')) };
  }

  function expectSkips(got: Awaited<ReturnType<typeof convertTrain>>, extra: Readonly<Record<string, string>>): void {
    const reasons: Record<string, string> = { ...FIXTURE_SKIPS, ...extra };
    const names = Object.keys(reasons).sort();
    expect(got.skipped).toEqual(names.map((input) => ({ input, partition: 'train', reason: reasons[input] })));
    expect(got.names).toEqual(IMAGES.filter((i) => i.partition === 0 && !names.includes(i.name)).map((i) => i.name));
  }

  it('skips a 0-byte image and a renamed one with their reasons, and converts the rest', async () => {
    const root = await copyCelebaFixture();
    const dir = join(root, 'Img', 'img_celeba');
    await writeFile(join(dir, '000002.jpg'), Buffer.alloc(0));
    await rename(join(dir, '000005.jpg'), join(dir, '000005.jpeg'));
    const got = await convertTrain(root);
    expectSkips(got, { '000002.jpg': 'undecodable image: empty file (0 bytes)', '000005.jpg': 'missing image file: Img/img_celeba/000005.jpg' });
    expect(got.stdout).toContain('skipped 6 inputs: 2 undecodable image, 1 zero-area bounding box, 2 missing image file, 1 no annotation row in Anno/list_bbox_celeba.txt');
  });

  it('skips a truncated JPEG whose bounding box lies in its intact part', async () => {
    const root = await copyCelebaFixture();
    // 40×480 with the fixture's box for 000003.jpg at rows 18–43: the crop needs only the first
    // tenth of the file, so cutting it in half leaves the box intact.
    const tall = await sharp(Buffer.from(Array.from({ length: 40 * 480 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 40, height: 480, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    await writeFile(join(root, 'Img', 'img_celeba', '000003.jpg'), tall.subarray(0, tall.length >> 1));
    expectSkips(await convertTrain(root), { '000003.jpg': 'undecodable image: truncated JPEG (no end-of-image marker)' });
  });
});
