import { describe, expect, it } from 'vitest';
import { diagnoseGpu, type GpuFacts } from '../../src/train/gpu-diagnosis.js';
import { DRIVER_LIBRARY, probeLibraries, TENSORFLOW_CUDA_LIBRARIES } from '../../src/train/gpu-libraries.js';

// Every library present in one LD_LIBRARY_PATH folder, and a driver that nvidia-smi lists.
const allFound = probeLibraries({
  env: { LD_LIBRARY_PATH: '/usr/local/cuda-11.2/lib64' },
  arch: 'x64',
  fs: { isFile: (p) => p.startsWith('/usr/local/cuda-11.2/lib64/'), read: () => undefined },
});
const facts = (extra: Partial<GpuFacts>): GpuFacts => ({
  pkg: { state: 'cpu', dir: '/app/node_modules/@tensorflow/tfjs-node-gpu', version: '4.22.0' },
  libraries: allFound,
  driver: { nvidiaSmi: { ok: true, gpus: [{ name: 'NVIDIA H200', driver: '570.86.15' }] }, kernelModule: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15' },
  bindingLibraries: { 'libtensorflow.so.2': true, 'libtensorflow_framework.so.2': true },
  cudaVisibleDevices: undefined,
  ...extra,
});

describe('diagnoseGpu', () => {
  it('on a GPU: ok, no fixes', () => {
    const d = diagnoseGpu(facts({ pkg: { state: 'gpu', dir: '/app/node_modules/@tensorflow/tfjs-node-gpu', version: '4.22.0' } }));
    expect(d.ok).toBe(true);
    expect(d.summary).toBe('CUDA');
    expect(d.lines[0]).toBe('GPU: yes, TensorFlow runs on a CUDA device');
    expect(d.lines.join('\n')).not.toContain('fixes');
    expect(d.lines).toContain('driver: nvidia-smi: NVIDIA H200, driver 570.86.15; /proc/driver/nvidia/version: NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15');
  });

  it('every library found yet on the CPU: points at CUDA_VISIBLE_DEVICES and TensorFlow\'s log', () => {
    const d = diagnoseGpu(facts({ cudaVisibleDevices: '' }));
    expect(d.ok).toBe(false);
    expect(d.summary).toBe('every CUDA 11.2 / cuDNN 8.1 library was found');
    expect(d.lines).toContain('  CUDA_VISIBLE_DEVICES="" (it hides every GPU not listed)');
    expect(d.lines.join('\n')).toContain('every library was found, yet no GPU is used: check CUDA_VISIBLE_DEVICES and read TensorFlow\'s own log (TF_CPP_MIN_LOG_LEVEL=0)');
    for (const lib of [DRIVER_LIBRARY, ...TENSORFLOW_CUDA_LIBRARIES]) {
      expect(d.lines.join('\n')).toContain(`/usr/local/cuda-11.2/lib64/${lib.soname} (LD_LIBRARY_PATH)`);
    }
  });

  it('no driver: says so before the fixes', () => {
    const none = probeLibraries({ env: {}, arch: 'x64', fs: { isFile: () => false, read: () => undefined } });
    const d = diagnoseGpu(facts({ libraries: none, driver: { nvidiaSmi: { ok: false, reason: 'nvidia-smi not found on PATH' }, kernelModule: undefined } }));
    expect(d.summary).toBe(`no NVIDIA driver (libcuda.so.1 not found); not found: ${TENSORFLOW_CUDA_LIBRARIES.map((l) => l.soname).join(', ')}`);
    const text = d.lines.join('\n');
    expect(text).toContain('driver: nvidia-smi not found on PATH; no /proc/driver/nvidia/version (NVIDIA kernel module not loaded)');
    expect(text.indexOf('no working NVIDIA driver was seen')).toBeLessThan(text.indexOf('fixes (either one):'));
  });
});
