import { Option } from 'commander';
import { BACKEND_PREFERENCES, type BackendPreference } from '../train/backend-preference.js';
import { createProgram, parseCount, parsePositive, runCli, UsageError } from './run-cli.js';

// The evaluation (tfjs, sharp) is imported inside the action, so that --help, --version and a
// usage error load only commander (start-up time, issue 13).

interface CliOptions {
  data?: string;
  n: number;
  seed: number;
  real?: boolean;
  noise?: boolean;
  size?: number;
  classifierSteps?: number;
  trainLimit?: number;
  json?: boolean;
  backend: BackendPreference;
}

const program = createProgram('dcgan-eval', 'Score the digits an MNIST DCGAN draws: share recognised, digits present, class entropy and a classifier FID, beside real test digits.')
  .argument('[checkpoint]', 'a checkpoint folder, a run folder <out>/<SaveName>/ (its newest checkpoint) or a generator model.json')
  .option('-d, --data <dir>', 'the MNIST shard-set folder (mnist-convert) (default: the one the checkpoint\'s run recorded)')
  .option('-n, --n <N>', 'generated images scored (and as many real test digits)', parsePositive, 2000)
  .option('--seed <S>', 'image i is drawn from the noise of seed S+i (the seeds of dcgan-sample)', parseCount, 0)
  .option('--real', 'score real test digits instead of a generator (the ceiling)')
  .option('--noise', 'score uniform noise images instead of a generator (the floor)')
  .option('--size <n>', 'image side for --real and --noise (default: the shard set\'s)', parsePositive)
  .option('--classifier-steps <n>', 'training steps of the digit classifier (default 1200; fewer for a quick look)', parsePositive)
  .option('--train-limit <n>', 'train the classifier on only the first N train digits', parsePositive)
  .option('--json', 'print the report as JSON on stdout')
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend: auto picks tfjs-node-gpu › tfjs-node › wasm › cpu').choices(BACKEND_PREFERENCES).default('auto'))
  .addHelpText(
    'after',
    `
The score (over --n images):
  recognised       share the classifier gives one digit a probability ≥ 0.9
  digits present   digits recognised in ≥ 2 % of the images (0-10)
  class entropy    of the recognised digits' histogram, in nats (ln 10 ≈ 2.303 at most)
  classifier FID   Fréchet distance of the classifier's 64 penultimate features to those
                   of real test digits (lower is better)
Real test digits are scored beside (one half of the test partition against the other):
the ceiling. The classifier is trained once per shard set and size on its train partition
(about 1,200 steps of a small CNN) and cached in <data>/.classifier/<size>/; a changed
shard set (manifest sha256) retrains it.

Examples:
  dcgan-eval runs/MNIST-False                       newest checkpoint of a run
  dcgan-eval runs/MNIST-False/checkpoints/epoch-012 --data data/mnist-16 --json
  dcgan-eval --real --data data/mnist-16`,
  )
  .action(async (checkpoint: string | undefined, opts: CliOptions) => {
    if (opts.real && opts.noise) throw new UsageError('--real and --noise are two different subjects: give one');
    const subject = opts.real ? 'real' : opts.noise ? 'noise' : 'generator';
    if (subject === 'generator' && checkpoint === undefined) throw new UsageError('give a checkpoint, run folder or model.json to score (or --real / --noise)');
    if (subject !== 'generator' && checkpoint !== undefined) throw new UsageError(`--${subject} scores no generator: drop ${JSON.stringify(checkpoint)}`);
    if (subject !== 'generator' && opts.data === undefined) throw new UsageError(`--${subject} needs --data <dir>, the MNIST shard-set folder`);
    const [{ evaluateDigits }, { createProgressBar }, { formatScore }] = await Promise.all([import('../eval/evaluate.js'), import('../core/progress.js'), import('../eval/score-text.js')]);
    const report = await evaluateDigits({
      subject,
      ...(checkpoint !== undefined ? { generator: checkpoint } : {}),
      ...(opts.data !== undefined ? { data: opts.data } : {}),
      ...(opts.size !== undefined ? { size: opts.size } : {}),
      images: opts.n,
      seed: opts.seed,
      ...(opts.classifierSteps !== undefined ? { classifier: { steps: opts.classifierSteps } } : {}),
      ...(opts.trainLimit !== undefined ? { trainLimit: opts.trainLimit } : {}),
      backend: opts.backend,
      trainProgress: createProgressBar({ label: 'training the digit classifier', unit: 'steps' }),
      scoreProgress: createProgressBar({ label: 'scoring', unit: 'img' }),
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
      return;
    }
    const c = report.classifier;
    const what = subject === 'generator' ? report.generator ?? checkpoint : subject === 'real' ? 'real test digits' : 'uniform noise images';
    const col = (label: string, a: string, b: string): string => `  ${label.padEnd(22)}${a.padStart(12)}${b.padStart(16)}\n`;
    const s = report.score;
    const r = report.real;
    process.stdout.write(
      `scored: ${what}\n` +
        `data: ${report.data} (${report.size}×${report.size}); backend ${report.backend}\n` +
        `classifier: ${c.path} (${c.trained ? `trained now in ${c.trainSeconds.toFixed(0)} s` : 'cached'}), ${(c.testAccuracy * 100).toFixed(2)} % right on ${c.testImages.toLocaleString('en-US')} test digits\n` +
        col('', subject === 'generator' ? 'generated' : subject, 'real (ceiling)') +
        col('images', String(s.images), String(r.images)) +
        col('recognised (p ≥ 0.9)', `${(s.recognised * 100).toFixed(1)} %`, `${(r.recognised * 100).toFixed(1)} %`) +
        col('digits present', String(s.digitsPresent), String(r.digitsPresent)) +
        col('class entropy (nats)', s.entropy.toFixed(3), r.entropy.toFixed(3)) +
        col('classifier FID', s.fid.toFixed(2), r.fid.toFixed(2)) +
        `  recognised per digit 0-9: ${s.histogram.join(' ')}\n` +
        `summary: ${formatScore(s)}\n`,
    );
  });

await runCli(program);
