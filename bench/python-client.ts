/**
 * The Python client (clients/python) against the TypeScript client, side by side in one run, on
 * the same `format=tensor` stream of raw 64×64×3 batches from one shard-server (issue 17).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/python-client.js [--records 20000] [--runs 3] [--batch-size 256]
 *
 * The shard set (raw shards) is written once into .bench/python-client-data/ and reused. The
 * server is started once and one epoch is streamed before measuring, so every measured epoch
 * comes from its image cache: the server is not what is measured. Each run streams a fresh
 * epoch with the TypeScript client (`openBatchStream`, default prefetch; batches counted, pixels
 * not touched), then with the Python client (`/usr/bin/python3`, `shardstream.Stream`, numpy
 * arrays) with CRC verification (the default: the C CRC-32C of python3-crc32c when installed),
 * with the numpy-lanes CRC-32C forced (`SHARDSTREAM_CRC32C=numpy`: what a machine without the C
 * module gets), and without verification (`verify=False`, to show what the CRC costs).
 * Python's time is taken inside the interpreter, from the first request to the
 * last batch (its start-up and the manifest fetch are left out). Median of the runs, and the
 * ratio to the TypeScript client measured in the same run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBatchStream } from '../src/client/index.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { writeShardSet } from '../test/helpers/shard-set.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '256' },
    python: { type: 'string', default: '/usr/bin/python3' },
    data: { type: 'string', default: join('.bench', 'python-client-data') },
  },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const BATCH = Number(values['batch-size']);
const CLIENT = join(process.cwd(), 'clients', 'python');

const PY_BENCH = `
import json, sys, time
import shardstream
url, batch, epoch, verify = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
s = shardstream.Stream(url, batch_size=batch, seed=1, epoch=epoch, verify=verify)
t = time.perf_counter()
n = 0
for b in s:
    n += b.images.shape[0]
from shardstream.crc import IMPLEMENTATION
print(json.dumps({"images": n, "seconds": time.perf_counter() - t, "crc": IMPLEMENTATION}))
`;

function python(url: string, epoch: number, verify: boolean, crc = 'auto'): Promise<{ images: number; seconds: number; crc: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(values.python!, ['-c', PY_BENCH, url, String(BATCH), String(epoch), verify ? '1' : '0'], { env: { ...process.env, PYTHONPATH: CLIENT, SHARDSTREAM_CRC32C: crc } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { images: number; seconds: number; crc: string }) : reject(new Error(`python exited with ${code}: ${err}`))));
  });
}

async function typescript(url: string, epoch: number): Promise<{ images: number; seconds: number }> {
  const stream = await openBatchStream({ source: url, batchSize: BATCH, seed: 1, startEpoch: epoch, epochs: 1, format: 'tensor' });
  const t = performance.now();
  let images = 0;
  for await (const b of stream) images += b.ids.length;
  return { images, seconds: (performance.now() - t) / 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = join(values.data!, `raw-${RECORDS}`);
if (!existsSync(join(dir, 'manifest.json'))) {
  await mkdir(dir, { recursive: true });
  process.stdout.write(`writing ${dir} (${RECORDS} raw 64×64×3 records) ... `);
  await writeShardSet({ dir, dataset: 'bench', encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: RECORDS, shards: 8 }] });
  process.stdout.write('done\n');
}
const server = await startServerProcess(['--data', dir, '--no-access-log', '--image-cache-mb', String(Math.ceil((RECORDS * 12288) / 1e6) + 64)]);
try {
  console.log(`${RECORDS} raw 64×64×3 images, batch ${BATCH}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}; median of ${RUNS} runs`);
  await typescript(server.url, 0); // fills the server's image cache
  const rows: Record<string, number[]> = { ts: [], py: [], pyNumpy: [], pyNoVerify: [] };
  let crc = '';
  for (let run = 0; run < RUNS; run++) {
    const epoch = 1 + run;
    const ts = await typescript(server.url, epoch);
    const py = await python(server.url, epoch, true);
    const pyNumpy = await python(server.url, epoch, true, 'numpy');
    const pyNo = await python(server.url, epoch, false);
    crc = py.crc;
    rows.ts!.push(ts.images / ts.seconds);
    rows.py!.push(py.images / py.seconds);
    rows.pyNumpy!.push(pyNumpy.images / pyNumpy.seconds);
    rows.pyNoVerify!.push(pyNo.images / pyNo.seconds);
    console.log(`run ${run + 1}: TypeScript ${(ts.images / ts.seconds).toFixed(0)}, Python ${(py.images / py.seconds).toFixed(0)}, Python numpy CRC ${(pyNumpy.images / pyNumpy.seconds).toFixed(0)}, Python verify=False ${(pyNo.images / pyNo.seconds).toFixed(0)} images/s (load ${loadavg()[0]!.toFixed(1)})`);
  }
  const ts = median(rows.ts!);
  console.log('| client | images/s | vs TypeScript |');
  console.log('|---|---|---|');
  console.log(`| TypeScript (\`openBatchStream\`) | ${ts.toFixed(0)} | 1.00 |`);
  console.log(`| Python, CRCs verified (${crc}) | ${median(rows.py!).toFixed(0)} | ${(median(rows.py!) / ts).toFixed(2)} |`);
  console.log(`| Python, CRCs verified by the numpy lanes (no C CRC module) | ${median(rows.pyNumpy!).toFixed(0)} | ${(median(rows.pyNumpy!) / ts).toFixed(2)} |`);
  console.log(`| Python, \`verify=False\` | ${median(rows.pyNoVerify!).toFixed(0)} | ${(median(rows.pyNoVerify!) / ts).toFixed(2)} |`);
} finally {
  await server.stop();
}
