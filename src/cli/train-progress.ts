import type cliProgress from 'cli-progress';
import type { StepInfo } from '../train/train-options.js';

/** A per-epoch bar on a terminal (steps, images/s, losses, data wait); plain lines every 10 s otherwise. */
export function createStepProgress(bars: typeof cliProgress): { step(s: StepInfo): void; end(): void } {
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
