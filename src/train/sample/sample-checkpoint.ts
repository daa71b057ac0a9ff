import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InvalidParameterError } from '../../core/errors.js';
import { silentProgress, type ProgressSink } from '../../core/progress.js';
import type { BackendPreference } from '../backend-preference.js';
import { generateImages } from './generate-images.js';
import type { GeneratorSource } from './generator-source.js';
import { arithmeticNoise, type ArithmeticTerms } from './latent-arithmetic.js';
import { interpolateNoise, type LatentPath } from './latent-walk.js';
import { loadGenerator, type LoadedGenerator } from './load-generator.js';
import { checkSeed, noiseForSeed } from './noise.js';
import { imageAt, writeTiles, type WrittenImage } from './write-tiles.js';

/** A latent walk between the noise vectors of two seeds. */
export interface WalkRequest {
  readonly from: number;
  readonly to: number;
  /** Images in the strip, ends included, ≥ 2. @default 10 */
  readonly steps?: number;
  /** @default 'slerp' */
  readonly path?: LatentPath;
}

/** Options of {@link sampleCheckpoint}; what to draw, each part optional. */
export interface SampleOptions {
  /** A checkpoint folder, a run folder `<out>/<SaveName>/` (its newest checkpoint), or a generator `model.json`. */
  readonly input: string;
  /** @default {@link defaultSampleDir} of the input */
  readonly out?: string;
  /** Samples: one image per seed (noise {@link noiseForSeed}). @default none */
  readonly seeds?: readonly number[];
  /** Each sample as its own `seed-NNNN.png`. @default true */
  readonly png?: boolean;
  /** The samples as one grid PNG. @default true */
  readonly grid?: boolean;
  /** Tiles per grid row. @default ⌈√n⌉ */
  readonly cols?: number;
  readonly walk?: WalkRequest;
  /** `z_A − z_B + z_C`, each term the mean of its seeds. */
  readonly arithmetic?: ArithmeticTerms;
  /** Integer nearest-neighbour enlargement. @default {@link defaultScale} of the model's size */
  readonly scale?: number;
  /** @default 'auto' */
  readonly backend?: BackendPreference;
  /** Told of every image drawn. @default silent */
  readonly progress?: ProgressSink;
  /** Called once the generator is loaded, before anything is drawn. */
  readonly onLoaded?: (generator: LoadedGenerator) => void;
}

/** What {@link sampleCheckpoint} wrote. */
export interface SampleResult {
  readonly source: GeneratorSource;
  readonly format: LoadedGenerator['format'];
  readonly backend: string;
  readonly model: { readonly noiseDim: number; readonly size: number; readonly channels: 1 | 3 };
  readonly out: string;
  readonly scale: number;
  readonly files: readonly (WrittenImage & { readonly kind: 'sample' | 'grid' | 'walk' | 'arithmetic' })[];
}

/** Enlargement that makes a tile at least 64 pixels wide: 16×16 digits ×4, 64×64 faces ×1. */
export function defaultScale(size: number): number {
  return Math.max(1, Math.ceil(64 / size));
}

/**
 * Where samples go by default: `<run>/samples/<checkpoint name>/` for a checkpoint in a run's
 * `checkpoints/` folder (beside it, never inside it), else `samples/` in the working folder.
 */
export function defaultSampleDir(source: GeneratorSource): string {
  return source.run !== undefined && source.checkpoint !== undefined ? join(source.run, 'samples', basename(source.checkpoint)) : resolve('samples');
}

/**
 * Draws from a trained generator and writes PNGs: samples by seed (each alone and/or a grid), a
 * latent walk strip, and a latent arithmetic strip `[A, B, C, A − B + C]`. Every image of a seed
 * is the same wherever it appears: the walk's ends and a one-seed arithmetic term are pixel for
 * pixel that seed's sample.
 */
export async function sampleCheckpoint(options: SampleOptions): Promise<SampleResult> {
  const seeds = options.seeds ?? [];
  seeds.forEach((s, i) => checkSeed(`seeds[${i}]`, s));
  const png = options.png ?? true;
  const grid = options.grid ?? true;
  if (seeds.length > 0 && !png && !grid) throw new InvalidParameterError('png, grid', 'at least one of them true when seeds are given', false);
  if (seeds.length === 0 && options.walk === undefined && options.arithmetic === undefined) {
    throw new InvalidParameterError('seeds, walk, arithmetic', 'something to draw', 'none');
  }
  const walk = options.walk;
  if (walk !== undefined) {
    checkSeed('walk.from', walk.from);
    checkSeed('walk.to', walk.to);
  }
  options.arithmetic?.forEach((term, t) => {
    if (term.length === 0) throw new InvalidParameterError(`arithmetic[${t}]`, 'at least one seed', []);
    term.forEach((s, i) => checkSeed(`arithmetic[${t}][${i}]`, s));
  });
  if (options.scale !== undefined && (!Number.isSafeInteger(options.scale) || options.scale < 1)) throw new InvalidParameterError('scale', 'a positive integer', options.scale);

  const generator = await loadGenerator(options.input, options.backend !== undefined ? { backend: options.backend } : {});
  try {
    const { noiseDim, size, channels } = generator;
    const out = options.out ?? defaultSampleDir(generator.source);
    const scale = options.scale ?? defaultScale(size);
    const progress = options.progress ?? silentProgress;
    options.onLoaded?.(generator);
    const walkNoise = walk === undefined ? [] : interpolateNoise(noiseForSeed(walk.from, noiseDim), noiseForSeed(walk.to, noiseDim), walk.steps ?? 10, walk.path ?? 'slerp');
    const arith = options.arithmetic === undefined ? undefined : arithmeticNoise(options.arithmetic, noiseDim);
    const arithNoise = arith === undefined ? [] : [arith.a, arith.b, arith.c, arith.result];
    const files: SampleResult['files'][number][] = [];
    await mkdir(out, { recursive: true });

    progress.start(seeds.length + walkNoise.length + arithNoise.length);
    try {
      if (seeds.length > 0) {
        const batch = await generateImages(generator, seeds.map((s) => noiseForSeed(s, noiseDim)), () => progress.tick());
        if (png) {
          for (const [i, seed] of seeds.entries()) files.push({ kind: 'sample', ...(await writeTiles(join(out, `seed-${pad(seed)}.png`), imageAt(batch, i), { scale })) });
        }
        if (grid) files.push({ kind: 'grid', ...(await writeTiles(join(out, `grid-${seedsLabel(seeds)}.png`), batch, { cols: options.cols ?? Math.ceil(Math.sqrt(seeds.length)), scale })) });
      }
      if (walk !== undefined) {
        const name = `walk-${walk.path ?? 'slerp'}-seed-${pad(walk.from)}-to-${pad(walk.to)}-${walkNoise.length}-steps.png`;
        files.push({ kind: 'walk', ...(await writeTiles(join(out, name), await generateImages(generator, walkNoise, () => progress.tick()), { scale })) });
      }
      if (options.arithmetic !== undefined) {
        const [a, b, c] = options.arithmetic.map((term) => term.join('+'));
        const name = `arithmetic-${a}-minus-${b}-plus-${c}.png`;
        files.push({ kind: 'arithmetic', ...(await writeTiles(join(out, name), await generateImages(generator, arithNoise, () => progress.tick()), { scale })) });
      }
    } finally {
      progress.stop();
    }
    return { source: generator.source, format: generator.format, backend: generator.backend.description, model: { noiseDim, size, channels }, out, scale, files };
  } finally {
    generator.dispose();
  }
}

/** `0007`: four digits at least, so that file listings sort by seed. */
function pad(seed: number): string {
  return String(seed).padStart(4, '0');
}

/** `seeds-0-15` for a run of consecutive seeds, else `seeds-3_7_9` (the first 8, then `-and-N-more`). */
function seedsLabel(seeds: readonly number[]): string {
  const first = seeds[0]!;
  if (seeds.length > 1 && seeds.every((s, i) => s === first + i)) return `seeds-${pad(first)}-${pad(first + seeds.length - 1)}`;
  const shown = seeds.slice(0, 8).map(pad).join('_');
  return seeds.length > 8 ? `seeds-${shown}-and-${seeds.length - 8}-more` : `seeds-${shown}`;
}
