import { InvalidArgumentError, Option } from 'commander';
import { InvalidParameterError } from '../core/errors.js';
import { BACKEND_PREFERENCES, type BackendPreference } from '../train/backend-preference.js';
import type { ArithmeticTerms } from '../train/sample/latent-arithmetic.js';
import { LATENT_PATHS, type LatentPath } from '../train/sample/latent-walk.js';
import { parseArithmeticTerms, parseSeedList, parseSeedPair } from '../train/sample/seed-list.js';
import { createProgram, parseCount, parsePositive, runCli, UsageError } from './run-cli.js';

// The sampler (tfjs, sharp) and the progress bar are imported inside the action, so that --help,
// --version and a usage error load only commander (start-up time, issue 13).

interface CliOptions {
  n?: number;
  seed?: number;
  seeds?: number[];
  png: boolean;
  grid: boolean;
  cols?: number;
  interpolate?: [number, number];
  steps?: number;
  path: LatentPath;
  arithmetic?: ArithmeticTerms;
  scale?: number;
  out?: string;
  backend: BackendPreference;
}

const DEFAULT_N = 16;
const DEFAULT_STEPS = 10;

/** A commander parser from one of the seed-list parsers: its error (naming the option) becomes a usage error. */
function seedsOption<T>(parse: (text: string, param: string) => T, flag: string): (value: string) => T {
  return (value) => {
    try {
      return parse(value, flag);
    } catch (error) {
      if (error instanceof InvalidParameterError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

function parseSteps(value: string): number {
  const n = parseCount(value);
  if (n < 2) throw new InvalidArgumentError('expected an integer ≥ 2 (the two ends are images of the strip)');
  return n;
}

const program = createProgram('dcgan-sample', 'Draw images from a trained DCGAN generator: samples by seed, latent walks, latent arithmetic.')
  .argument('<checkpoint>', 'a checkpoint folder (checkpoints/epoch-NNN/), a run folder <out>/<SaveName>/ (its newest checkpoint), or a generator/model.json')
  .option('-n, --n <N>', `samples of seeds S, S+1, …, S+N−1 (default: ${DEFAULT_N} when nothing else is asked)`, parsePositive)
  .option('--seed <S>', 'first seed of --n (default: 0)', parseCount)
  .option('--seeds <list>', 'samples of exactly these seeds, e.g. 3,7,9 or 0-15 or 0-3,9 (instead of --n/--seed)', seedsOption(parseSeedList, '--seeds'))
  .option('--no-png', 'no seed-NNNN.png per sample')
  .option('--no-grid', 'no grid-seeds-….png of the samples')
  .option('--cols <n>', 'tiles per grid row (default: ⌈√N⌉)', parsePositive)
  .option('--interpolate <A,B>', 'a latent walk strip from the noise of seed A to that of seed B', seedsOption(parseSeedPair, '--interpolate'))
  .option('--steps <K>', `images in the walk, ends included, K ≥ 2 (default: ${DEFAULT_STEPS})`, parseSteps)
  .addOption(new Option('--path <path>', 'walk on the great circle (slerp: middle images as sharp as the ends) or the straight line').choices(LATENT_PATHS).default('slerp'))
  .option('--arithmetic <A,B,C>', 'z_A − z_B + z_C as a strip [A, B, C, result]; a term is a seed or seeds joined by + (their mean): 1+5+9,2+4+6,3', seedsOption(parseArithmeticTerms, '--arithmetic'))
  .option('--scale <n>', 'enlarge every pixel n× (nearest neighbour) (default: enough for 64-pixel tiles: ×4 at 16×16, ×1 at 64×64)', parsePositive)
  .option('-o, --out <dir>', 'output folder (default: <run>/samples/<checkpoint name>/ for a checkpoint of a run, else ./samples/)')
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend: auto picks tfjs-node-gpu › tfjs-node › wasm › cpu').choices(BACKEND_PREFERENCES).default('auto'))
  .addHelpText(
    'after',
    `
Every image comes from one seed: the noise vector of seed s is the same in every
command and every checkpoint, so seed-0007.png of two epochs or two invocations
can be compared, and a walk's ends are the samples of its two seeds, pixel for
pixel. Pick the seeds of a walk or an arithmetic from a grid of samples first.

Outputs (in --out):
  seed-NNNN.png                              one sample per seed
  grid-seeds-0000-0015.png                   the samples as a grid, row by row
  walk-slerp-seed-0003-to-0007-10-steps.png  the walk strip, left to right
  arithmetic-1+5+9-minus-2-plus-3.png        strip [A, B, C, A − B + C]

Examples:
  dcgan-sample runs/MNIST-False            16 samples (seeds 0-15) and a grid
  dcgan-sample runs/MNIST-False/checkpoints/epoch-012 --seeds 3,7,9 --no-grid
  dcgan-sample runs/MNIST-False --interpolate 3,7 --steps 12 --path linear
  dcgan-sample runs/img_celeba-True --arithmetic 11+12+13,21+22,31 -o faces/`,
  )
  .action(async (checkpoint: string, opts: CliOptions) => {
    const source = (name: keyof CliOptions): string | undefined => program.getOptionValueSource(name);
    if (opts.seeds !== undefined && (opts.n !== undefined || opts.seed !== undefined)) throw new UsageError('--seeds picks the seeds itself: give it or --n/--seed, not both');
    if (opts.steps !== undefined && opts.interpolate === undefined) throw new UsageError('--steps is the length of a walk: it needs --interpolate A,B');
    if (source('path') === 'cli' && opts.interpolate === undefined) throw new UsageError('--path is the path of a walk: it needs --interpolate A,B');
    const asked = opts.seeds !== undefined || opts.n !== undefined || opts.seed !== undefined;
    const samples = asked || (opts.interpolate === undefined && opts.arithmetic === undefined);
    if (!samples && (source('png') === 'cli' || source('grid') === 'cli' || opts.cols !== undefined)) throw new UsageError('--no-png, --no-grid and --cols shape the samples: give --n, --seed or --seeds too');
    if (samples && !opts.png && !opts.grid) throw new UsageError('--no-png with --no-grid leaves nothing to write for the samples');
    const first = opts.seed ?? 0;
    const seeds = samples ? (opts.seeds ?? Array.from({ length: opts.n ?? DEFAULT_N }, (_, i) => first + i)) : [];
    if (seeds.some((s) => s > 0xffff_ffff)) throw new UsageError(`--seed ${first} with --n ${seeds.length} goes past seed 4294967295`);

    const [{ sampleCheckpoint }, { createProgressBar }] = await Promise.all([import('../train/sample/sample-checkpoint.js'), import('../core/progress.js')]);
    const result = await sampleCheckpoint({
      input: checkpoint,
      ...(opts.out !== undefined ? { out: opts.out } : {}),
      seeds,
      png: opts.png,
      grid: opts.grid,
      ...(opts.cols !== undefined ? { cols: opts.cols } : {}),
      ...(opts.interpolate !== undefined ? { walk: { from: opts.interpolate[0], to: opts.interpolate[1], steps: opts.steps ?? DEFAULT_STEPS, path: opts.path } } : {}),
      ...(opts.arithmetic !== undefined ? { arithmetic: opts.arithmetic } : {}),
      ...(opts.scale !== undefined ? { scale: opts.scale } : {}),
      backend: opts.backend,
      progress: createProgressBar({ label: 'dcgan-sample', intervalMs: 2_000 }),
      onLoaded: (g) =>
        process.stderr.write(
          `generator: ${g.source.modelJson ?? `${g.source.checkpoint} (checkpoint.json + weights.bin)`}, noise ${g.noiseDim} → ${g.size}×${g.size}×${g.channels}\n` + `backend: ${g.backend.description}\n`,
        ),
    });
    process.stdout.write(`wrote ${result.files.length} PNG${result.files.length === 1 ? '' : 's'} to ${result.out} (×${result.scale}):\n`);
    for (const f of result.files) process.stdout.write(`  ${f.path}  ${f.width}×${f.height}\n`);
  });

await runCli(program);
