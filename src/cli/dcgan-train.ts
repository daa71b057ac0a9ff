import { InvalidArgumentError, Option } from 'commander';
import type cliProgress from 'cli-progress';
import { BACKEND_PREFERENCES, type BackendPreference } from '../train/backend-preference.js';
import { createProgressBar } from '../core/progress.js';
import { TRAIN_DEFAULTS } from '../train/train-defaults.js';
import { LR_SCHEDULES, type LrSchedule } from '../train/lr-schedule.js';
import type { StreamFormat } from '../shards/stream-protocol.js';
import type { StepInfo } from '../train/trainer.js';
import { createProgram, parseCount, parseNumber, parsePositive, runCli, UsageError } from './run-cli.js';

// The trainer (tfjs, sharp, vega, undici) and cli-progress are imported inside the action, so that
// --help, --version and a usage error load only commander (start-up time, issue 13).

const PARTITIONS: Record<string, { all: string[] }> = {
  celeba: { all: ['train', 'val', 'test'] },
  mnist: { all: ['train', 'test'] },
};

interface CliOptions {
  data?: string;
  dataset?: string;
  partition: string;
  imageType?: string;
  bbox?: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  lrSchedule: LrSchedule;
  noiseDim: number;
  seed: number;
  rank: number;
  world: number;
  independentReplicas?: boolean;
  out: string;
  backend: BackendPreference;
  widthMult: number;
  threads?: number;
  size: number;
  stepsPerEpoch?: number;
  saveEvery: number;
  resume?: boolean;
  format: StreamFormat;
  token?: string;
  evalEvery?: number;
  evalData?: string;
  evalImages: number;
  evalClassifierSteps?: number;
  requireGpu?: boolean;
  checkGpu?: boolean;
}

const program = createProgram('dcgan-train', 'Train the reference DCGAN (DESIGN §7) from a shard-server stream or a shard set (URL or folder).')
  // not requiredOption: --check-gpu needs no data; the action says it is missing otherwise
  .option('-d, --data <url|dir>', 'shard-server URL (http://host:8080), base URL of a shard set on nginx/S3, or a shard-set folder (required)')
  .addOption(new Option('--dataset <name>', 'dataset to train on (default: the one the manifest names)').choices(['celeba', 'mnist']))
  .option('-p, --partition <name>', 'train, val, test, or all (celeba: train,val,test; mnist: train,test)', 'train')
  .option('--image-type <type>', 'SaveName image type, e.g. img_celeba (default: from the manifest; MNIST for mnist)')
  .option('--bbox', 'SaveName bbox flag True (default: from the manifest)')
  .option('-e, --epochs <n>', 'epochs to train', parsePositive, TRAIN_DEFAULTS.epochs)
  .option('-b, --batch-size <n>', 'images per step on this trainer', parsePositive, TRAIN_DEFAULTS.batchSize)
  .option('--lr <rate>', 'base Adam learning rate (divided by 10 at epochs 10, 20, 25)', positiveNumber, TRAIN_DEFAULTS.lr)
  .addOption(new Option('--lr-schedule <s>', 'how the lr falls: step (÷10 at epochs 10, 20, 25), or cosine/linear from --lr towards 0 over --epochs').choices(LR_SCHEDULES).default(TRAIN_DEFAULTS.lrSchedule))
  .option('--noise-dim <n>', 'length of the noise vector', parsePositive, TRAIN_DEFAULTS.noiseDim)
  .option('--seed <n>', 'seed of weights, noise, dropout and data order (0 to 4294967295)', parseCount, TRAIN_DEFAULTS.seed)
  .option('--rank <r>', 'this trainer among --world trainers', parseCount, TRAIN_DEFAULTS.rank)
  .option('--world <w>', 'number of trainers splitting each global batch (above 1 only with --independent-replicas)', parsePositive, TRAIN_DEFAULTS.world)
  .option('--independent-replicas', 'with --world > 1: each rank trains its own model on its slice (no gradient averaging)')
  .option('-o, --out <dir>', 'outputs go to <out>/<SaveName>/', TRAIN_DEFAULTS.out)
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend: auto picks tfjs-node-gpu › tfjs-node › wasm › cpu').choices(BACKEND_PREFERENCES).default(TRAIN_DEFAULTS.backend))
  .option('--threads <n>', 'training threads on wasm/cpu: replicas on slices of each batch, same training as 1 thread (default: one per core on wasm/cpu for models of 1M weights or more, else 1)', parsePositive)
  .option('--width-mult <f>', 'factor on every hidden width (1 = the reference model; e.g. 0.125 for CPU runs)', positiveNumber, TRAIN_DEFAULTS.widthMult)
  .option('--size <n>', 'model image side, a power of two ≥ 8 (images are resized to it)', parsePositive, TRAIN_DEFAULTS.size)
  .option('--steps-per-epoch <n>', 'cap on steps per epoch (default: every batch of the epoch)', parsePositive)
  .option('--save-every <n>', 'checkpoint every N epochs (and at the end)', parsePositive, TRAIN_DEFAULTS.saveEvery)
  .option('--resume', 'continue from the newest checkpoint of <out>/<SaveName>/')
  .addOption(new Option('--format <f>', 'what the shard-server sends: decoded tensors or the records').choices(['tensor', 'records']).default('tensor'))
  .addOption(new Option('--token <token>', 'bearer token of the shard-server').env('SHARDSTREAM_TOKEN'))
  .option('--eval-every <n>', 'MNIST: score the digits of the samples every N epochs and after the last (logs/<SaveName>-eval.csv; see dcgan-eval)', parsePositive)
  .option('--eval-data <dir>', 'MNIST shard-set folder for --eval-every (default: --data when it is a folder)')
  .option('--eval-images <n>', 'images scored per --eval-every evaluation', parsePositive, 2000)
  .option('--eval-classifier-steps <n>', 'training steps of the digit classifier of --eval-every (default 1200, as dcgan-eval)', parsePositive)
  .option('--require-gpu', 'fail, saying why, unless TensorFlow runs on a CUDA device (no CPU fallback)')
  .option('--check-gpu', 'print why @tensorflow/tfjs-node-gpu does or does not use a GPU (libraries, driver, fixes) and exit: 0 on a GPU, 1 otherwise')
  .addHelpText(
    'after',
    `
Outputs (<out>/<SaveName>/, SaveName = <ImageType>-<bbox>, e.g. MNIST-False, img_celeba-True):
  logs/<SaveName>-loss.csv       epoch,Real_P,Fake_P,Gen_loss,Dis_loss (one row per epoch)
  logs/<SaveName>-eval.csv       with --eval-every: the digit score of the scored epochs
  plot/<SaveName>/NNN.png        4×4 grid from 16 fixed noise vectors, every epoch
  plot/<SaveName>.gif            the grids as an animation (at the end)
  plot/<SaveName>-loss.png, plot/<SaveName>-probability.png (and -eval.png with --eval-every)
  checkpoints/epoch-NNN/         weights and optimizer state (every --save-every epochs, at the end, on Ctrl-C)
    generator/, discriminator/   each net as a TensorFlow.js Layers model (model.json + weights; dcgan-sample draws from it)

Examples:
  dcgan-train --data http://data-box:8080 --dataset celeba --partition all --image-type img_celeba --bbox
  dcgan-train --data data/mnist --epochs 5 --size 32 --width-mult 0.125 --backend wasm`,
  )
  .action(async (opts: CliOptions) => {
    if (opts.checkGpu === true) {
      const { checkGpu } = await import('../train/backend.js');
      const diagnosis = await checkGpu();
      process.stdout.write(`${diagnosis.lines.join('\n')}\n`);
      process.exitCode = diagnosis.ok ? 0 : 1;
      return;
    }
    const data = opts.data;
    if (data === undefined) throw new UsageError("required option '-d, --data <url|dir>' not specified");
    if (opts.requireGpu === true && opts.backend !== 'auto' && opts.backend !== 'tensorflow') {
      throw new UsageError(`--require-gpu needs --backend auto or tensorflow (the CUDA backend), got ${opts.backend}`);
    }
    const dataset = opts.dataset;
    // `all` is every partition of the manifest, in its order; a single name is just that one
    if (!['train', 'val', 'test', 'all'].includes(opts.partition)) {
      throw new UsageError(`--partition must be one of train, val, test, all, got ${JSON.stringify(opts.partition)}`);
    }
    const partitions = opts.partition === 'all' ? (dataset ? PARTITIONS[dataset]?.all : undefined) : [opts.partition];
    if (opts.rank >= opts.world) throw new UsageError(`--rank must be below --world (${opts.world}), got ${opts.rank}`);
    if (opts.world > 1 && opts.independentReplicas !== true) {
      throw new UsageError(
        `--world ${opts.world} would train ${opts.world} separate models, one per rank, each on its slice of every global batch: dcgan-train averages no gradients across ranks. ` +
          'Pass --independent-replicas if separate replicas are what you want; to train one model on several processes, use PyTorch DDP with the Python client (clients/python, README "Python trainers")',
      );
    }

    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write('\ninterrupted: saving a checkpoint after this step (Ctrl-C again to quit at once)\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);

    const evalData = opts.evalData ?? (opts.evalEvery !== undefined && !/^https?:\/\//.test(data) ? data : undefined);
    if (opts.evalEvery !== undefined && evalData === undefined) throw new UsageError('--eval-every needs --eval-data <dir>, the MNIST shard-set folder, when --data is a URL');
    const [{ train }, { default: bars }, { formatClassifier, formatScore }] = await Promise.all([import('../train/trainer.js'), import('cli-progress'), import('../eval/score-text.js')]);
    const progress = createStepProgress(bars);
    const result = await train({
      data,
      ...(dataset !== undefined ? { dataset } : {}),
      ...(partitions !== undefined ? { partitions } : {}),
      ...(opts.imageType !== undefined ? { imageType: opts.imageType } : {}),
      ...(opts.bbox !== undefined ? { bbox: opts.bbox } : {}),
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      lr: opts.lr,
      lrSchedule: opts.lrSchedule,
      noiseDim: opts.noiseDim,
      seed: opts.seed,
      rank: opts.rank,
      world: opts.world,
      independentReplicas: opts.independentReplicas === true,
      out: opts.out,
      backend: opts.backend,
      requireGpu: opts.requireGpu === true,
      widthMult: opts.widthMult,
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
      size: opts.size,
      ...(opts.stepsPerEpoch !== undefined ? { stepsPerEpoch: opts.stepsPerEpoch } : {}),
      saveEvery: opts.saveEvery,
      resume: opts.resume === true,
      format: opts.format,
      ...(opts.token !== undefined ? { token: opts.token } : {}),
      ...(opts.evalEvery !== undefined && evalData !== undefined
        ? {
            eval: {
              data: evalData,
              every: opts.evalEvery,
              images: opts.evalImages,
              ...(opts.evalClassifierSteps !== undefined ? { classifier: { steps: opts.evalClassifierSteps } } : {}),
              trainProgress: createProgressBar({ label: 'training the digit classifier', unit: 'steps' }),
              onReady: ({ evaluator, csv }) => process.stderr.write(`${formatClassifier(evaluator.classifier)}\nreal test digits (the ceiling): ${formatScore(evaluator.real)}\nscores: ${csv}\n`),
              onScore: (row, score) => process.stderr.write(`epoch ${row.epoch + 1} score: ${formatScore(score)}\n`),
            },
          }
        : {}),
      signal: controller.signal,
      onStart: (s) => {
        process.stderr.write(
          `backend: ${s.backend.description}${s.backend.gpu ? ' [GPU]' : ' [no GPU]'}, training on ${s.threads} thread${s.threads === 1 ? '' : 's'}\n` +
            (s.backend.gpuDiagnosis ? s.backend.gpuDiagnosis.lines.map((line) => `  ${line}\n`).join('') : '') +
            `data: ${s.location} (${s.mode}), ${s.records} records, ${s.stepsPerEpoch} steps per epoch\n` +
            `model: generator ${s.generatorParams.toLocaleString('en-US')} params, discriminator ${s.discriminatorParams.toLocaleString('en-US')} params\n` +
            `outputs: ${s.layout.root}\n`,
        );
      },
      onStep: (s) => progress.step(s),
      onEpoch: (row, info) => {
        progress.end();
        process.stderr.write(
          `epoch ${row.epoch + 1}/${info.epochs}: Gen_loss ${row.Gen_loss.toFixed(4)} Dis_loss ${row.Dis_loss.toFixed(4)} Real_P ${row.Real_P.toFixed(3)} Fake_P ${row.Fake_P.toFixed(3)} (${info.seconds.toFixed(1)} s)\n`,
        );
      },
      log: (line) => {
        progress.end();
        process.stderr.write(`${line}\n`);
      },
    });
    progress.end();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    const l = result.layout;
    process.stdout.write(
      result.interrupted
        ? `interrupted after ${result.epochsDone} epochs; resume with --resume (checkpoint ${result.checkpoint})\n`
        : `done: ${result.epochsDone} epochs\n  loss CSV:    ${l.lossCsv}\n  epoch grids: ${l.plotDir}/\n  animation:   ${l.gif}\n  plots:       ${l.lossPlot}, ${l.probabilityPlot}\n  checkpoint:  ${result.checkpoint}\n`,
    );
    if (result.interrupted) process.exitCode = 130;
  });

function positiveNumber(value: string): number {
  const n = parseNumber(value);
  if (n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** A per-epoch bar on a terminal (steps, images/s, losses, data wait); plain lines every 10 s otherwise. */
function createStepProgress(bars: typeof cliProgress): { step(s: StepInfo): void; end(): void } {
  let bar: cliProgress.SingleBar | undefined;
  let last = 0;
  const payload = (s: StepInfo): Record<string, string> => ({
    epoch: String(s.epoch + 1),
    ips: s.imagesPerSecond.toFixed(1),
    g: s.genLoss.toFixed(3),
    d: s.disLoss.toFixed(3),
    wait: (s.waitShare * 100).toFixed(1),
  });
  return {
    step(s) {
      if (process.stderr.isTTY) {
        if (!bar) {
          bar = new bars.SingleBar(
            { stream: process.stderr, format: 'epoch {epoch} |{bar}| {value}/{total} steps | {ips} img/s | G {g} D {d} | data wait {wait}%', hideCursor: true },
            bars.Presets.shades_classic,
          );
          bar.start(s.stepsPerEpoch, s.step, payload(s));
        }
        bar.update(s.step, payload(s));
      } else if (performance.now() - last > 10_000 || s.step === s.stepsPerEpoch) {
        last = performance.now();
        const p = payload(s);
        process.stderr.write(`epoch ${p.epoch}: step ${s.step}/${s.stepsPerEpoch}, ${p.ips} img/s, G ${p.g} D ${p.d}, data wait ${p.wait}%\n`);
      }
    },
    end() {
      bar?.stop();
      bar = undefined;
    },
  };
}

await runCli(program);
