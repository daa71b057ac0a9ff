/**
 * Makes docs/ui.png: the shard-server page with the CelebA fixture (converted by the real
 * celeba-convert at 64×64 with bbox crops), sample images, and three simulated trainers
 * streaming it epoch after epoch (format=tensor, server caches off so each epoch decodes again). Run after a build:
 * `node dist/scripts/screenshot-ui.js [--out docs/ui.png]` (needs /usr/bin/chromium).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/core/package-root.js';
import { createShardServer } from '../src/server/index.js';
import { launchChromium } from './chromium.js';

/** The trainers: `world` ranks of one job, each streaming epoch after epoch. */
const TRAINERS = [
  { batch_size: 4, world: 2, rank: 0, format: 'tensor', partitions: 'train' },
  { batch_size: 4, world: 2, rank: 1, format: 'tensor', partitions: 'train' },
  { batch_size: 2, world: 1, rank: 0, format: 'tensor', partitions: 'train,val,test' },
] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/ui.png' } } });
  const root = packageRoot();
  const out = resolve(values.out);
  const work = await mkdtemp(join(tmpdir(), 'shardstream-ui-'));
  const data = join(work, 'celeba64');
  execFileSync(process.execPath, [join(root, 'bin', 'celeba-convert.js'), '--root', join(root, 'fixtures', 'celeba'), '--out', data, '--partition', 'all', '--bbox', '--size', '64'], { stdio: 'ignore' });
  const token = randomBytes(16).toString('hex');
  // No caches: every epoch reads and decodes its JPEGs again, so a stream of the tiny fixture
  // lasts long enough (tens of ms) for the page's 1 s poll to find some open.
  const server = await createShardServer({ data, port: 0, token, accessLog: false, log: () => undefined, cacheBytes: 0, imageCacheBytes: 0, decodeConcurrency: 2 });
  let running = true;
  // Each trainer reads a whole epoch, then asks for the next one.
  const trainers = TRAINERS.map(async (t) => {
    for (let epoch = 0; running; epoch++) {
      const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, String(v)])), seed: '7', epoch: String(epoch) });
      const res = await fetch(`${server.url}/v1/stream?${q}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
    }
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/?token=${token}`);
    await page.waitForFunction(() => {
      const imgs = Array.from(document.querySelectorAll<HTMLImageElement>('#samples img'));
      return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    });
    // A moment with two streams open, one of them past its first batch.
    await page.waitForFunction(
      () => {
        const rows = Array.from(document.querySelectorAll('#streams tbody tr[data-stream]'));
        return rows.length >= 2 && rows.some((r) => !/^0\//.test(r.querySelector('td.progress')?.textContent ?? '0/'));
      },
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    await page.screenshot({ path: out, fullPage: true });
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    running = false;
    await browser.close();
    await Promise.allSettled(trainers);
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshot-ui: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
