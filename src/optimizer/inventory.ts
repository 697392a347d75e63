/**
 * The resource inventory the `place` pass assigns actor groups from: the machines (one, `local`, until
 * rlflow scales out), their CPU count and their usable GPUs. A GPU counts only where a GPU tensor
 * backend can really be loaded: `@tensorflow/tfjs-node-gpu` resolvable from this project AND a CUDA
 * device visible (and not hidden by `CUDA_VISIBLE_DEVICES`). Each reason a GPU is not usable is kept,
 * so `explain` can say why a learner that wanted one got a CPU.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';

/** One machine the plan may use: its name, CPU count, usable GPUs and why GPUs are missing. */
export interface HostInventory {
  readonly name: string;
  readonly cpus: number;
  /** Usable GPUs (a GPU backend is loadable and a device is visible). */
  readonly gpus: number;
  /** Why there are no (or fewer) usable GPUs, for `explain`. */
  readonly gpuNotes: readonly string[];
}

/** The machines a plan may use: the `place` pass's input (detected, or built with `inventory()`). */
export interface Inventory {
  readonly hosts: readonly HostInventory[];
}

/** An inventory for tests and what-if runs: `inventory({ cpus: 8, gpus: 1 })`. */
export function inventory(...hosts: readonly (Partial<HostInventory> & { readonly cpus: number })[]): Inventory {
  return { hosts: hosts.map((h, i) => ({ name: h.name ?? (i === 0 ? 'local' : `host${i}`), cpus: h.cpus, gpus: h.gpus ?? 0, gpuNotes: h.gpuNotes ?? [] })) };
}

/** How the GPU probe sees this machine (injectable for tests). */
export interface GpuProbe {
  /** Resolves a package from the project, or throws. */
  resolve(pkg: string): string;
  /** CUDA devices visible (e.g. `nvidia-smi -L` lines), or the reason none could be listed. */
  devices(): { readonly count: number } | { readonly reason: string };
  readonly env: Readonly<Record<string, string | undefined>>;
}

const systemProbe: GpuProbe = {
  resolve: (pkg) => createRequire(`${process.cwd()}/package.json`).resolve(pkg),
  devices: () => {
    try {
      const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
      return { count: out.split('\n').filter((l) => /^GPU \d+/.test(l)).length };
    } catch (e) {
      return { reason: `nvidia-smi could not list CUDA devices (${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]})` };
    }
  },
  env: process.env,
};

/** Usable GPUs on this machine and why not more. */
export function detectGpus(probe: GpuProbe = systemProbe): { readonly gpus: number; readonly notes: string[] } {
  const notes: string[] = [];
  try {
    probe.resolve('@tensorflow/tfjs-node-gpu');
  } catch {
    notes.push('no GPU tensor backend: @tensorflow/tfjs-node-gpu is not installed (see docs/policies.md)');
    return { gpus: 0, notes };
  }
  const listed = probe.devices();
  if ('reason' in listed) {
    notes.push(listed.reason);
    return { gpus: 0, notes };
  }
  let count = listed.count;
  const visible = probe.env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined) {
    const ids = visible.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== '-1');
    if (ids.length < count) notes.push(`CUDA_VISIBLE_DEVICES=${JSON.stringify(visible)} hides ${count - ids.length} of ${count} GPU(s)`);
    count = Math.min(count, ids.length);
  }
  if (count === 0 && notes.length === 0) notes.push('nvidia-smi lists no CUDA device');
  return { gpus: count, notes };
}

let detected: Inventory | undefined;

/** This machine's inventory (detected once per process). */
export function detectInventory(probe?: GpuProbe): Inventory {
  if (probe) return build(probe);
  detected ??= build(systemProbe);
  return detected;
}

function build(probe: GpuProbe): Inventory {
  const { gpus, notes } = detectGpus(probe);
  return { hosts: [{ name: 'local', cpus: os.availableParallelism(), gpus, gpuNotes: notes }] };
}

/**
 * The resources a run on `backend` can use. The local backend runs every actor in the driver's process,
 * which holds ONE TensorFlow.js backend, so actors cannot sit on different devices there: no GPU.
 */
export function inventoryForBackend(backend: 'local' | 'farm'): Inventory {
  const detected = detectInventory();
  if (backend === 'farm') return detected;
  const host = detected.hosts[0]!;
  return inventory({
    name: host.name,
    cpus: host.cpus,
    gpus: 0,
    gpuNotes: [...(host.gpus > 0 ? [] : host.gpuNotes), 'the local backend runs every actor in one process with one TensorFlow.js backend; GPUs are used on the farm backend'],
  });
}
