/**
 * The page in a real browser: headless Debian Chromium (/usr/bin/chromium, installed by .ci/run)
 * driven by playwright-core, against a server on 127.0.0.1 with a token.
 */
import type { Browser, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.js';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

let set: SyntheticShardSet;
let server: ShardServer;
let browser: Browser;
let page: Page;
const TOKEN = 'ui-test-token';

beforeAll(async () => {
  // Raw 64×64×3 records: 1,300 of them are 16 MB, more than the socket buffers hold, so a
  // client that stops reading keeps its stream open.
  set = await writeShardSet({
    encoding: 'raw',
    height: 64,
    width: 64,
    partitions: [
      { name: 'train', records: 1000, shards: 4 },
      { name: 'val', records: 300, shards: 2 },
    ],
  });
  [server, browser] = await Promise.all([createShardServer({ data: set.dir, port: 0, token: TOKEN, accessLog: false }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await set?.cleanup();
});

/** True when every sample image has loaded and has pixels. */
const imagesLoaded = (): boolean => {
  const imgs = Array.from(document.querySelectorAll<HTMLImageElement>('#samples img'));
  return imgs.length === 16 && imgs.every((i) => i.complete && i.naturalWidth > 0);
};

describe('the page in Chromium', () => {
  it('shows the datasets, decoded samples, and a stream while a client streams', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.goto(`${server.url}/?token=${TOKEN}`);

    // Counts of the shard set.
    const partitions = page.getByRole('table', { name: 'Partitions of synth' });
    const mb = (name: string): string => {
      const m = set.manifest.partitions.find((p) => p.name === name)!.shards.reduce((n, s) => n + s.bytes, 0) / 1e6;
      return `${m.toFixed(m < 10 ? 2 : 1)} MB`;
    };
    await expect.poll(() => partitions.locator('tbody tr').allInnerTexts()).toEqual([`train\t1,000\t4\t${mb('train')}`, `val\t300\t2\t${mb('val')}`]);
    expect(await partitions.locator('tfoot').innerText()).toMatch(/^Total\t1,300\t6\t16\.\d MB$/);
    expect(await page.locator('#datasets').innerText()).toContain('images 64×64×3, raw');

    // Sample images, decoded by the server: each one loaded with its size, and described.
    await page.waitForFunction(imagesLoaded);
    const sizes = await page.locator('#samples img').evaluateAll((imgs) => imgs.map((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]));
    expect(sizes).toEqual(Array.from({ length: 16 }, () => [64, 64]));
    expect(await page.locator('#samples img').first().getAttribute('alt')).toMatch(/^Record \d+ of synth: (train|val), synth-(train|val)-\d{5}-of-\d{5}\.tfrecord #\d+$/);

    // Re-draw: another seed, new images, without reloading the page.
    const note = await page.locator('#sample-note').innerText();
    await page.getByLabel('Partition').selectOption('val');
    await page.getByRole('button', { name: 'Re-draw' }).click();
    await expect.poll(() => page.locator('#sample-note').innerText()).not.toBe(note);
    await page.waitForFunction(imagesLoaded);
    expect(await page.locator('#samples figcaption').allInnerTexts()).toEqual(Array.from({ length: 16 }, () => expect.stringMatching(/ · val$/)));

    // A client that reads one chunk of its stream and then stops: the row appears, live.
    expect((await page.locator('#streams tbody').innerText()).trim()).toBe('No stream is open.');
    const stream = await request(`${server.url}/v1/stream?partitions=val,train&batch_size=8&epoch=3&format=tensor`, { headers: { authorization: `Bearer ${TOKEN}` } });
    try {
      expect(stream.statusCode).toBe(200);
      await stream.body[Symbol.asyncIterator]().next();
      const row = page.locator('#streams tbody tr[data-stream]');
      await row.waitFor({ timeout: 5000 });
      const cells = await row.locator('th, td').allInnerTexts();
      expect(cells.slice(0, 7)).toEqual(['127.0.0.1', 'synth', 'val, train', 'tensor', '3', '0 of 1', '8']);
      expect(cells[7]).toMatch(/^\d+\/162$/);
      expect(await page.locator('#streams-summary').innerText()).toMatch(/^1 open stream;/);
    } finally {
      stream.body.destroy();
    }
    // Gone again once the client has left.
    await page.locator('#streams tbody tr[data-stream]').waitFor({ state: 'detached', timeout: 5000 });
    expect(errors).toEqual([]);
  });
});
