import { InvalidParameterError } from '../core/errors.js';

/** Options of the DCGAN pair (DESIGN §7); the defaults give the reference model. */
export interface DcganOptions {
  /** Image side in pixels, a power of two ≥ 8; there are log2(size/4) stride-2 stages. @default 64 */
  size?: number;
  /** Image channels: 3 for RGB, 1 for grayscale. */
  channels: number;
  /** Length of the generator's noise vector. @default 100 */
  noiseDim?: number;
  /** Factor on every hidden width (1024·w, 512·w, …), each rounded and at least 1. @default 1 */
  widthMult?: number;
  /** Seed of the Glorot-uniform initial weights. @default 0 */
  seed?: number;
}

/** {@link DcganOptions} with every default filled in. */
export type ResolvedDcganOptions = Required<DcganOptions>;

/** The defaults of {@link DcganOptions}. */
export const DCGAN_DEFAULTS = { size: 64, noiseDim: 100, widthMult: 1, seed: 0 } as const;

/** The reference generator's hidden widths at 4×4, 8×8, 16×16, 32×32 (64×64 output). */
export const REFERENCE_WIDTHS: readonly number[] = [1024, 512, 256, 128];

/** Fills in defaults and checks every option, naming the bad one. */
export function resolveDcganOptions(options: DcganOptions): ResolvedDcganOptions {
  const resolved: ResolvedDcganOptions = { ...DCGAN_DEFAULTS, ...options };
  checkDcganShape(resolved);
  if (!Number.isInteger(resolved.channels) || resolved.channels < 1) throw new InvalidParameterError('channels', 'a positive integer', resolved.channels);
  return resolved;
}

/** Checks the options that do not depend on the data (all but `channels`), naming the bad one: a trainer checks them before it opens the data. */
export function checkDcganShape(options: Omit<ResolvedDcganOptions, 'channels'>): void {
  const { size, noiseDim, widthMult, seed } = options;
  if (!Number.isInteger(size) || size < 8 || (size & (size - 1)) !== 0) {
    throw new InvalidParameterError('size', 'a power of two ≥ 8', size);
  }
  if (!Number.isInteger(noiseDim) || noiseDim < 1) throw new InvalidParameterError('noiseDim', 'a positive integer', noiseDim);
  if (typeof widthMult !== 'number' || !Number.isFinite(widthMult) || widthMult <= 0) {
    throw new InvalidParameterError('widthMult', 'a positive finite number', widthMult);
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidParameterError('seed', 'an integer', seed);
}

/**
 * The generator's hidden widths, one per resolution 4×4 … size/2 (the output stage adds `channels`).
 * At size 64 this is the reference [1024, 512, 256, 128]·w. Smaller sizes keep the first stage
 * (1×1 → 4×4, 1024·w) and the stages nearest the output, dropping the middle ones from the
 * 512 end: size 32 → [1024, 256, 128], 16 → [1024, 128], 8 → [1024]. Larger sizes keep
 * halving: size 128 → [1024, 512, 256, 128, 64]. The discriminator uses the same widths in
 * reverse order, so the two nets mirror each other at every size.
 */
export function hiddenWidths(options: Pick<ResolvedDcganOptions, 'size' | 'widthMult'>): number[] {
  const stages = Math.log2(options.size / 4);
  const base =
    stages <= REFERENCE_WIDTHS.length
      ? [REFERENCE_WIDTHS[0] ?? 1024, ...REFERENCE_WIDTHS.slice(REFERENCE_WIDTHS.length - stages + 1)]
      : Array.from({ length: stages }, (_, i) => Math.max(1, 1024 / 2 ** i));
  return base.map((width) => Math.max(1, Math.round(width * options.widthMult)));
}
