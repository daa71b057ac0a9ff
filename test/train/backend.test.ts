import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ShardstreamError } from '../../src/core/errors.js';
import { BackendUnavailableError } from '../../src/train/backend-error.js';
import { selectBackend } from '../../src/train/backend.js';
import { GpuUnavailableError } from '../../src/train/gpu-unavailable-error.js';
import { train } from '../../src/train/trainer.js';
import { writeShardSet } from '../helpers/shard-set.js';
import type { BackendPreference } from '../../src/train/backend.js';

// tfjs-node and tfjs-node-gpu are optional dependencies that cannot be installed offline;
// these tests hold on a machine without them, which is the case the fallback exists for.
const nativeInstalled = await import('@tensorflow/tfjs-node' as string).then(
  () => true,
  () => false,
);

describe.skipIf(nativeInstalled)('selectBackend without the native packages', () => {
  it('auto falls back to wasm and says why', async () => {
    const selected = await selectBackend('auto');
    expect(selected.name).toBe('wasm');
    expect(selected.gpu).toBe(false);
    expect(selected.tf).toBe(tf);
    expect(tf.getBackend()).toBe('wasm');
    expect(selected.description).toMatch(/^wasm \((no )?SIMD, 1 thread, shardstream kernels: Conv2DBackpropFilter, Conv2DBackpropInput, Tile, Sum, ShardstreamAdam, ShardstreamBatchNormTraining, ShardstreamBatchNormTrainingGrad, Identity; /);
    expect(selected.description).toContain('@tensorflow/tfjs-node-gpu not installed; @tensorflow/tfjs-node not installed)');
  });

  it('an explicit tensorflow backend that is missing throws', async () => {
    const error = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).toBeInstanceOf(ShardstreamError);
    expect((error as BackendUnavailableError).code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect((error as Error).message).toBe(
      'backend tensorflow: @tensorflow/tfjs-node-gpu not installed; @tensorflow/tfjs-node not installed',
    );
  });
});

describe('selectBackend', () => {
  it('selects wasm and cpu by name, repeatedly', async () => {
    for (const pref of ['wasm', 'cpu', 'wasm', 'cpu'] as const) {
      const selected = await selectBackend(pref);
      expect(selected.name).toBe(pref);
      expect(tf.getBackend()).toBe(pref);
    }
    expect((await selectBackend('cpu')).description).toBe('cpu (pure JavaScript, shardstream kernels: Conv2DBackpropFilter)');
  });

  it('rejects an unknown preference', async () => {
    await expect(selectBackend('gpu' as BackendPreference)).rejects.toThrow(
      'Expected one of auto, tensorflow, wasm, cpu for backend but received "gpu" of type string',
    );
  });
});

describe.skipIf(nativeInstalled)('requireGpu without the native packages', () => {
  it('selectBackend throws GpuUnavailableError whose message is the full diagnosis', async () => {
    const error = await selectBackend('auto', { requireGpu: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuUnavailableError);
    const e = error as GpuUnavailableError;
    expect(e.code).toBe('ERR_GPU_UNAVAILABLE');
    expect(e.diagnosis.ok).toBe(false);
    expect(e.diagnosis.facts.pkg).toEqual({ state: 'absent' });
    expect(e.message.startsWith('backend tensorflow: a GPU was required and none is used: @tensorflow/tfjs-node-gpu not installed')).toBe(true);
    expect(e.message).toContain(e.diagnosis.lines.join('\n'));
    expect(e.message).toContain('libcudart.so.11.0');
  });

  it('selectBackend refuses requireGpu with the wasm or cpu backend', async () => {
    await expect(selectBackend('cpu', { requireGpu: true })).rejects.toThrow('Expected auto or tensorflow with requireGpu for backend but received "cpu" of type string');
  });

  it('train({ requireGpu: true }) fails before it trains', async () => {
    const set = await writeShardSet({ encoding: 'raw', height: 8, width: 8, channels: 3 });
    try {
      await expect(train({ data: set.dir, out: set.dir, requireGpu: true, epochs: 1 })).rejects.toBeInstanceOf(GpuUnavailableError);
    } finally {
      await set.cleanup();
    }
  });
});
