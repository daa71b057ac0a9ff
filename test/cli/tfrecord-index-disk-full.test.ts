import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesFeature, encodeExample } from '../../src/tfrecord/example/index.js';
import { encodeRecords } from '../../src/tfrecord/framing.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { runBin } from '../helpers/run-bin.js';

const tmpfs = await mountTmpfs(64 * 1024);
afterAll(() => tmpfs?.unmount());

describe.runIf(tmpfs)('tfrecord index on a full disk', () => {
  it('fails with ERR_WRITE_FAILED naming the index, leaves no partial file, and keeps the shard', async () => {
    const file = join(tmpfs!.dir, 'a.tfrecord');
    await writeFile(file, encodeRecords(Array.from({ length: 300 }, (_, i) => encodeExample({ name: bytesFeature(`record ${i}`) }))));
    await tmpfs!.leaveFree(0);
    const r = await runBin('tfrecord', ['index', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${join(tmpfs!.dir, '.a.tfrecord.index.partial')}: write failed: ENOSPC: no space left on device, write (ERR_WRITE_FAILED)\n`);
    expect((await readdir(tmpfs!.dir)).sort()).toEqual(['.filler', 'a.tfrecord']);
    expect((await runBin('tfrecord', ['verify', file])).code).toBe(0);
  });
});
