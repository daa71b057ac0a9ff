import { Option } from 'commander';
import { InvalidParameterError } from '../core/errors.js';
import type { CelebaConvertOptions } from '../datasets/celeba.js';
import { CELEBA_DEFAULTS, CELEBA_IMAGE_TYPES, CELEBA_LAYOUTS } from '../datasets/celeba-choices.js';
import { CELEBA_PARTITIONS } from '../datasets/celeba-index.js';
import { IMAGE_ENCODINGS } from '../datasets/image-encoding.js';
import { NothingWrittenError } from '../datasets/nothing-written-error.js';
import { defaultWorkers, threadPoolWarning } from '../datasets/options.js';
import { createProgram, parseCount, parseNumber, parsePositive, runCli, UsageError } from './run-cli.js';

// The converter (sharp, the writer) is imported inside the action, so that --help, --version and a
// usage error load only commander (start-up time, issue 13).

interface Flags {
  root: string;
  out: string;
  partition: CelebaConvertOptions['partition'];
  imageType: CelebaConvertOptions['imageType'];
  bbox: boolean;
  size: number;
  format: CelebaConvertOptions['format'];
  quality: number;
  shardSize?: number;
  shards?: number;
  layout: CelebaConvertOptions['layout'];
  workers: number;
  limit?: number;
  quiet: boolean;
}

/** Library option name → command-line flag, for usage errors. */
const FLAG_OF: Readonly<Record<string, string>> = { imageType: '--image-type', shardSizeMb: '--shard-size' };

const program = createProgram('celeba-convert', 'Convert a CelebA folder into a TFRecord shard set (manifest.json + shards + indexes).')
  .requiredOption('--root <dir>', 'CelebA folder holding Img/, Anno/ and Eval/')
  .requiredOption('--out <dir>', 'output folder of the shard set')
  .addOption(new Option('--partition <name>', 'partition to convert; all = each in its own shards').choices(['all', ...CELEBA_PARTITIONS]).default(CELEBA_DEFAULTS.partition))
  .addOption(new Option('--image-type <folder>', 'image folder under Img/').choices(CELEBA_IMAGE_TYPES).default(CELEBA_DEFAULTS.imageType))
  .option('--bbox', 'crop each in-the-wild image to its bounding box (only with --image-type img_celeba)', false)
  .option('--size <n>', 'resize to n×n as the reference does (tf.image.resize, bilinear); 0 keeps the crop size', parseCount, CELEBA_DEFAULTS.size)
  .addOption(new Option('--format <encoding>', 'how images are stored (raw = uint8 HWC)').choices(IMAGE_ENCODINGS).default(CELEBA_DEFAULTS.format))
  .option('--quality <q>', 'JPEG quality, 1-100', parsePositive, CELEBA_DEFAULTS.quality)
  .option('--shard-size <MiB>', 'target shard size in MiB (default 100)', parseNumber)
  .option('--shards <n>', 'number of shards per partition (instead of --shard-size)', parsePositive)
  .addOption(new Option('--layout <layout>', 'feature keys: canonical (DESIGN §3) or seed (the reference loader)').choices(CELEBA_LAYOUTS).default(CELEBA_DEFAULTS.layout))
  .option('--workers <n>', 'images decoded/resized/encoded at once (at most UV_THREADPOOL_SIZE, 4 by default, run at once)', parsePositive, defaultWorkers())
  .option('--limit <n>', 'convert only the first n images (by id) of each partition', parsePositive)
  .option('-q, --quiet', 'no progress display', false)
  .action(async (flags: Flags) => {
    const [{ convertCeleba, resolveCelebaOptions }, { createProgressBar, silentProgress }, { formatSkipped, formatSummary }, { default: sharp }] = await Promise.all([
      import('../datasets/celeba.js'),
      import('../core/progress.js'),
      import('../datasets/summary.js'),
      import('sharp'),
    ]);
    const options: CelebaConvertOptions = {
      root: flags.root,
      out: flags.out,
      bbox: flags.bbox,
      size: flags.size,
      quality: flags.quality,
      workers: flags.workers,
      ...(flags.partition ? { partition: flags.partition } : {}),
      ...(flags.imageType ? { imageType: flags.imageType } : {}),
      ...(flags.format ? { format: flags.format } : {}),
      ...(flags.layout ? { layout: flags.layout } : {}),
      ...(flags.shards !== undefined ? { shards: flags.shards } : {}),
      ...(flags.shardSize !== undefined ? { shardSizeMb: flags.shardSize } : {}),
      ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
    };
    try {
      resolveCelebaOptions(options);
    } catch (error) {
      if (error instanceof InvalidParameterError) throw new UsageError(`${FLAG_OF[error.param] ?? `--${error.param}`}: ${error.message}`);
      throw error;
    }
    prepareSharp(sharp);
    const poolWarning = threadPoolWarning(flags.workers);
    if (poolWarning !== undefined) process.stderr.write(`warning: ${poolWarning}\n`);
    try {
      const report = await convertCeleba({
        ...options,
        progress: flags.quiet ? silentProgress : createProgressBar({ label: 'celeba' }),
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      });
      process.stdout.write(formatSummary(report, 'celeba'));
    } catch (error) {
      if (error instanceof NothingWrittenError) process.stdout.write(`${formatSkipped(error.skipped).join('\n')}\n`);
      throw error;
    }
  });

/**
 * Parallelism comes from running `workers` images at once on libuv's thread pool, one libvips
 * thread each (the pool has UV_THREADPOOL_SIZE threads, 4 by default; it is sized when the
 * process starts, so only the environment can change it). sharp's operation cache only costs
 * memory in a one-pass conversion.
 */
function prepareSharp(sharp: typeof import('sharp').default): void {
  sharp.concurrency(1);
  sharp.cache(false);
}

await runCli(program);
