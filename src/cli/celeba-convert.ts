import { Option } from 'commander';
import { definedOnly } from '../core/defined-only.js';
import type { CelebaConvertOptions } from '../datasets/celeba.js';
import { CELEBA_DEFAULTS, CELEBA_IMAGE_TYPES, CELEBA_LAYOUTS } from '../datasets/celeba-choices.js';
import { CELEBA_PARTITIONS } from '../datasets/celeba-index.js';
import { IMAGE_ENCODINGS } from '../datasets/image-encoding.js';
import { NothingWrittenError } from '../datasets/nothing-written-error.js';
import { defaultWorkers, threadPoolWarning } from '../datasets/options.js';
import { checkConvertOptions, commonConvertOptions, prepareSharp, type CommonConvertFlags } from './convert-flags.js';
import { createProgram, parseCount, parseNumber, parsePositive, runCli } from './run-cli.js';

// The converter (sharp, the writer) is imported inside the action, so that --help, --version and a
// usage error load only commander (start-up time, issue 13).

interface Flags extends CommonConvertFlags {
  root: string;
  partition: CelebaConvertOptions['partition'];
  imageType: CelebaConvertOptions['imageType'];
  bbox: boolean;
  format: CelebaConvertOptions['format'];
  quality: number;
  layout: CelebaConvertOptions['layout'];
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
      ...commonConvertOptions(flags),
      root: flags.root,
      bbox: flags.bbox,
      quality: flags.quality,
      ...definedOnly({ partition: flags.partition, imageType: flags.imageType, format: flags.format, layout: flags.layout }),
    };
    checkConvertOptions(resolveCelebaOptions, options, FLAG_OF);
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

await runCli(program);
