// The Python client (clients/python, issue 17) against a real shard-server on 127.0.0.1: its
// unittest suites run under Debian's /usr/bin/python3 (torch and numpy from apt) and must pass.
// This side writes the shard sets, starts the server, and dumps the TypeScript client's batches
// for the same parameters so the Python side can compare ids and pixels.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBatchStream } from '../src/client/index.js';
import { writeShardSet } from './helpers/shard-set.js';
import { SERVER_BIN, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = join(process.cwd(), 'clients', 'python');

/** Stream parameters both clients are run with (Python names). */
interface Case {
  readonly batch_size: number;
  readonly seed: number;
  readonly epoch: number;
  readonly rank: number;
  readonly world: number;
  readonly drop_remainder: boolean;
  readonly format: 'tensor' | 'records';
  readonly partitions?: readonly string[];
  readonly start_batch?: number;
}

const CASES: readonly Case[] = [
  { batch_size: 8, seed: 7, epoch: 0, rank: 0, world: 1, drop_remainder: true, format: 'tensor' },
  { batch_size: 8, seed: 7, epoch: 3, rank: 0, world: 1, drop_remainder: true, format: 'records' },
  { batch_size: 5, seed: 17, epoch: 2, rank: 1, world: 2, drop_remainder: false, format: 'tensor', partitions: ['val', 'train'] },
  { batch_size: 5, seed: 17, epoch: 2, rank: 1, world: 2, drop_remainder: false, format: 'records', partitions: ['val', 'train'] },
  { batch_size: 6, seed: 5, epoch: 1, rank: 2, world: 3, drop_remainder: false, format: 'tensor', start_batch: 1 },
];

let root: string;
let server: ServerProcess;
let env: Record<string, string>;

/** The TypeScript client's batches of one case: ids, shape, epoch, index and the sha256 of the pixels. */
async function tsBatches(url: string, c: Case): Promise<unknown[]> {
  const stream = await openBatchStream({
    source: url,
    batchSize: c.batch_size,
    seed: c.seed,
    startEpoch: c.epoch,
    epochs: 1,
    rank: c.rank,
    world: c.world,
    dropRemainder: c.drop_remainder,
    format: c.format,
    startBatch: c.start_batch ?? 0,
    ...(c.partitions ? { partitions: c.partitions } : {}),
  });
  const out: unknown[] = [];
  for await (const b of stream) {
    out.push({ ids: [...b.ids], shape: [...b.shape], epoch: b.epoch, batch_index: b.batchIndex, sha256: createHash('sha256').update(b.images).digest('hex') });
  }
  return out;
}

/** Run one unittest module of clients/python/tests; resolves with its exit code and output. */
function runPython(module: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-m', 'unittest', '-v', module], { cwd: CLIENT, env: { ...process.env, ...env, PYTHONPATH: CLIENT, PYTHONDONTWRITEBYTECODE: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function expectPasses(module: string): Promise<void> {
  const { code, output } = await runPython(module);
  if (process.env.SHARDSTREAM_PY_VERBOSE) console.log(output); // the unittest -v lines, when debugging
  expect({ code, skipped: /skipped/i.test(output) ? output : '' }, output).toEqual({ code: 0, skipped: '' });
  expect(output).toMatch(/\nOK\s*$/);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'python-client-'));
  const sub = async (name: string): Promise<string> => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  const set = await writeShardSet({ dir: await sub('png') }); // train 48 + val 16, 8×8×3 PNG
  // The same shape of set with other pixels: another manifest sha256, the same record count.
  await writeShardSet({ dir: await sub('other'), pixels: (id, h, w, c) => new Uint8Array(h * w * c).fill((id * 7 + 1) & 255) });
  // 1280 raw 64×64×3 (15.7 MB an epoch): more than the socket buffers hold, so a kill cuts the stream.
  await writeShardSet({ dir: await sub('big'), encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: 1280, shards: 4 }] });
  await writeShardSet({ dir: await sub('ddp'), encoding: 'raw', height: 4, width: 4, partitions: [{ name: 'train', records: 96, shards: 2 }] });
  server = await startServerProcess(['--data', set.dir, '--no-access-log']);
  const expected = [];
  for (const c of CASES) expected.push({ params: c, batches: await tsBatches(server.url, c) });
  await writeFile(join(root, 'expected.json'), JSON.stringify(expected));
  env = {
    SHARDSTREAM_TEST_URL: server.url,
    SHARDSTREAM_TEST_EXPECTED: join(root, 'expected.json'),
    SHARDSTREAM_TEST_ROOT: root,
    SHARDSTREAM_SERVER: JSON.stringify([process.execPath, SERVER_BIN]),
  };
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('the Python client (clients/python) against shard-server', () => {
  it('parses, verifies and yields the TypeScript client\'s batches; 401, 400 and a changed manifest stop it (tests/test_stream.py)', async () => {
    await expectPasses('tests.test_stream');
  }, 120_000);

  it('a server killed with SIGKILL and restarted mid-epoch still gives every record exactly once (tensor and records); a 503 waits its Retry-After (tests/test_restart.py)', async () => {
    await expectPasses('tests.test_restart');
  }, 120_000);

  it('StreamDataset and two-process DDP (gloo) train as one process on the global batches (tests/test_torch.py)', async () => {
    await expectPasses('tests.test_torch');
  }, 180_000);
});
