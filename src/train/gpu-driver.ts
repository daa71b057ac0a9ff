// What NVIDIA driver the machine has: `nvidia-smi` when it is on PATH, and the kernel module's
// /proc/driver/nvidia/version.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The GPUs nvidia-smi lists, or why it could not say. */
export type NvidiaSmiResult =
  | { readonly ok: true; readonly gpus: readonly { readonly name: string; readonly driver: string }[] }
  | { readonly ok: false; readonly reason: string };

/** What the driver probe saw. */
export interface DriverInfo {
  readonly nvidiaSmi: NvidiaSmiResult;
  /** The first line of /proc/driver/nvidia/version, when the kernel module is loaded. */
  readonly kernelModule: string | undefined;
}

/** Inputs of {@link probeDriver}. */
export interface DriverProbeInput {
  /** PATH (for nvidia-smi) is read from it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default '/proc/driver/nvidia/version' */
  readonly procVersionPath?: string;
}

/** Asks nvidia-smi (5 s at most) and the kernel module which driver and GPUs there are. */
export function probeDriver(input: DriverProbeInput): DriverInfo {
  return { nvidiaSmi: askNvidiaSmi(input.env), kernelModule: firstLine(input.procVersionPath ?? '/proc/driver/nvidia/version') };
}

function askNvidiaSmi(env: Readonly<Record<string, string | undefined>>): NvidiaSmiResult {
  let out: string;
  try {
    out = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], {
      env: { ...env },
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; status?: number | null };
    if (e.code === 'ENOENT') return { ok: false, reason: 'nvidia-smi not found on PATH' };
    const said = (e.stderr ?? '').trim().split('\n')[0] || (e.message.split('\n')[0] ?? '');
    return { ok: false, reason: `nvidia-smi failed${e.status != null ? ` (exit ${e.status})` : ''}: ${said}` };
  }
  const gpus = out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const comma = line.lastIndexOf(',');
      return comma < 0 ? { name: line, driver: '?' } : { name: line.slice(0, comma).trim(), driver: line.slice(comma + 1).trim() };
    });
  return gpus.length > 0 ? { ok: true, gpus } : { ok: false, reason: 'nvidia-smi lists no GPU' };
}

function firstLine(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}
