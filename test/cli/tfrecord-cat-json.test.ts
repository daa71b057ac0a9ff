import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatFeature, int64Feature } from '../../src/tfrecord/example/index.js';
import { TFRecordWriter } from '../../src/tfrecord/writer.js';
import { runBin } from '../helpers/run-bin.js';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfrecord-cat-json-'));
  file = join(dir, 'floats.tfrecord');
  const w = await TFRecordWriter.create(file);
  await w.writeExample({ f: floatFeature(-0, NaN, Infinity, -Infinity, 0.1, 1), i: int64Feature(-1) });
  await w.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tfrecord cat JSON', () => {
  it('prints -0.0 with its sign, NaN and the infinities as strings, floats as MessageToJson does', async () => {
    const r = await runBin('tfrecord', ['cat', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"features":{"feature":{"f":{"floatList":{"value":[-0.0,"NaN","Infinity","-Infinity",0.1,1.0]}},"i":{"int64List":{"value":["-1"]}}}}}\n');
    const parsed = JSON.parse(r.stdout) as { features: { feature: { f: { floatList: { value: unknown[] } } } } };
    expect(Object.is(parsed.features.feature.f.floatList.value[0], -0)).toBe(true);
  });
});
