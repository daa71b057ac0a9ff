// bench/dcgan_torch.py, the PyTorch yardstick of bench:train, driven through its Node side as the bench drives it.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dcganWeightCounts, startTorchYardstick, type TorchYardstick } from '../../bench/dcgan-torch.js';
import { packageRoot } from '../../src/core/package-root.js';
import { buildDcgan, hiddenWidths, resolveDcganOptions } from '../../src/train/model.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('bench/dcgan_torch.py', () => {
  it.skipIf(!hasTorch)('builds the same weights as src/train/model.ts at several sizes and trains a few steps', async () => {
    const torch = startTorchYardstick(PYTHON, packageRoot()) as TorchYardstick;
    expect('skipped' in torch).toBe(false);
    try {
      for (const model of [
        { size: 8, channels: 1, noiseDim: 8, widthMult: 1 / 64 },
        { size: 16, channels: 3, noiseDim: 16, widthMult: 1 / 32 },
        { size: 32, channels: 1, noiseDim: 10, widthMult: 1 / 64 },
      ]) {
        const o = resolveDcganOptions(model);
        const { generator, discriminator } = buildDcgan(o);
        const ours = dcganWeightCounts(generator, discriminator);
        generator.dispose();
        discriminator.dispose();
        const result = await torch.measure({ size: o.size, channels: o.channels, noiseDim: o.noiseDim, widths: hiddenWidths(o), batch: 4, steps: 2, threads: 1, seed: 0 });
        expect(result.params).toEqual(ours);
        expect(result.threads).toBe(1);
        expect(result.imagesPerSecond).toBeGreaterThan(0);
      }
      // A bad request is answered with an error naming the script, and the process serves on.
      await expect(torch.measure({ size: 8, channels: 1, noiseDim: 8, widths: [], batch: 4, steps: 1, threads: 1, seed: 0 })).rejects.toThrow(/bench\/dcgan_torch\.py, request .*: /);
      const again = await torch.measure({ size: 8, channels: 1, noiseDim: 8, widths: [2], batch: 2, steps: 1, threads: 1, seed: 0 });
      expect(again.imagesPerSecond).toBeGreaterThan(0);
    } finally {
      torch.close();
    }
  });

  it('says why when the interpreter cannot import torch', () => {
    const missing = startTorchYardstick('/nonexistent/python3', packageRoot());
    expect(missing).toEqual({ skipped: expect.stringMatching(/^\/nonexistent\/python3 cannot import torch \(.*ENOENT/) });
  });
});
