import { InvalidArgumentError, Option } from 'commander';
import { createProgressBar } from '../core/progress.js';
import { formatClassifier, formatScore } from '../eval/score-text.js';
import { BACKEND_PREFERENCES } from '../train/backend-preference.js';
import { LR_SCHEDULES } from '../train/lr-schedule.js';
import { resolveTrainOptions } from '../train/resolve-train-options.js';
import { TRAIN_DEFAULTS } from '../train/train-defaults.js';
import { checkOptions } from './check-options.js';
import { createProgram, parseCount, parseNumber, parsePositive, runCli, UsageError } from './run-cli.js';
import { FLAG_OF, partitionName, trainOptions, usageText, type TrainFlags } from './train-flags.js';
import { createStepProgress } from './train-progress.js';

// The trainer (tfjs, sharp, vega, undici) and cli-progress are imported inside the action, so that
// --help, --version and a usage error load only commander (start-up time, issue 13). The options
// are checked by resolveTrainOptions before that; this file maps flags to options and words.

const program = createProgram('dcgan-train', 'Train the reference DCGAN (DESIGN §7) from a shard-server stream or a shard set (URL or folder).')
  // not requiredOption: --check-gpu needs no data; the action says it is missing otherwise
  .option('-d, --data <url|dir>', 'shard-server URL (http://host:8080), base URL of a shard set on nginx/S3, or a shard-set folder (required)')
  .addOption(new Option('--dataset <name>', 'dataset to train on (default: the one the manifest names)').choices(['celeba', 'mnist']))
  .option('-p, --partition <name>', 'train, val, test, or all (celeba: train,val,test; mnist: train,test)', partitionName, 'train')
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
  .action(async (opts: TrainFlags) => {
    if (opts.checkGpu === true) {
      const { checkGpu } = await import('../train/backend.js');
      const diagnosis = await checkGpu();
      process.stdout.write(`${diagnosis.lines.join('\n')}\n`);
      process.exitCode = diagnosis.ok ? 0 : 1;
      return;
    }
    if (opts.data === undefined) throw new UsageError("required option '-d, --data <url|dir>' not specified");
    const options = trainOptions(opts.data, opts);
    checkOptions(resolveTrainOptions, options, FLAG_OF, (error) => usageText(error, opts));

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

    const [{ train }, { default: bars }] = await Promise.all([import('../train/trainer.js'), import('cli-progress')]);
    const progress = createStepProgress(bars);
    const result = await train({
      ...options,
      ...(options.eval
        ? {
            eval: {
              ...options.eval,
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

await runCli(program);
