/**
 * The whole pipeline as a user runs it, through the bins: the CelebA and MNIST fixtures →
 * celeba-convert / mnist-convert → shard-server (both sets, token) → dcgan-train (tiny model)
 * → the outputs of DESIGN §7; then `tfrecord verify` on what was written and on a stream body.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin } from './helpers/run-bin.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const TOKEN = 'e2e-secret-token';
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
});

async function startServer(dataDir: string): Promise<string> {
  server = await startServerProcess(['--data', dataDir], { SHARDSTREAM_TOKEN: TOKEN });
  return server.url;
}

describe('end to end: fixtures → converters → shard-server → dcgan-train → outputs', () => {
  it('runs the whole pipeline through the bins', async () => {
    const work = await mkdtemp(join(tmpdir(), 'e2e-'));
    const shards = join(work, 'shards');

    const celeba = await runBin('celeba-convert', ['--root', join(FIXTURES, 'celeba'), '--out', join(shards, 'celeba'), '--partition', 'all', '--bbox', '--size', '16', '--format', 'png', '--quiet']);
    expect(celeba.code, celeba.stderr).toBe(0);
    const mnist = await runBin('mnist-convert', ['--source', join(FIXTURES, 'mnist'), '--out', join(shards, 'mnist'), '--size', '16', '--format', 'raw', '--quiet']);
    expect(mnist.code, mnist.stderr).toBe(0);

    const written = (await readdir(join(shards, 'celeba'))).filter((f) => f.endsWith('.tfrecord')).map((f) => join(shards, 'celeba', f));
    const verify = await runBin('tfrecord', ['verify', ...written]);
    expect(verify.code, verify.stderr).toBe(0);

    const url = await startServer(shards);
    const unauthorised = await fetch(`${url}/v1/manifest?dataset=celeba`);
    expect(unauthorised.status).toBe(401);
    const stream = await fetch(`${url}/v1/stream?dataset=celeba&partitions=train,val,test&batch_size=4&seed=3&format=records`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stream.status).toBe(200);
    const body = join(work, 'stream.tfrecord');
    await writeFile(body, Buffer.from(await stream.arrayBuffer()));
    const streamed = await runBin('tfrecord', ['verify', body]);
    expect(streamed.code, streamed.stderr).toBe(0);

    const out = join(work, 'runs');
    const common = ['--size', '16', '--width-mult', '0.0625', '--noise-dim', '8', '--batch-size', '4', '--epochs', '2', '--backend', 'wasm', '--out', out];
    const trainCeleba = await runBin('dcgan-train', ['--data', url, '--dataset', 'celeba', '--partition', 'all', '--image-type', 'img_celeba', '--bbox', ...common], {
      env: { SHARDSTREAM_TOKEN: TOKEN },
    });
    expect(trainCeleba.code, trainCeleba.stderr).toBe(0);
    expect(trainCeleba.stderr).toMatch(/^backend: wasm/m);
    const root = join(out, 'img_celeba-True');
    const csv = (await readFile(join(root, 'logs', 'img_celeba-True-loss.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('epoch,Real_P,Fake_P,Gen_loss,Dis_loss');
    expect(csv).toHaveLength(3);
    expect(csv.slice(1).every((l) => l.split(',').every((v) => Number.isFinite(Number(v))))).toBe(true);
    const grid = await sharp(join(root, 'plot', 'img_celeba-True', '002.png')).metadata();
    expect([grid.width, grid.height, grid.channels]).toEqual([64, 64, 3]);
    expect((await sharp(join(root, 'plot', 'img_celeba-True.gif'), { animated: true }).metadata()).pages).toBe(2);
    expect((await readdir(join(root, 'checkpoints'))).sort()).toEqual(['epoch-002', 'latest.json']);

    // MNIST straight from the folder (direct mode), no server
    const trainMnist = await runBin('dcgan-train', ['--data', join(shards, 'mnist'), '--dataset', 'mnist', '--partition', 'all', ...common]);
    expect(trainMnist.code, trainMnist.stderr).toBe(0);
    const mgrid = await sharp(join(out, 'MNIST-False', 'plot', 'MNIST-False', '002.png')).metadata();
    expect([mgrid.width, mgrid.height]).toEqual([64, 64]);
    expect(trainMnist.stdout).toContain('loss CSV:');
  });
});
