/**
 * Loads TensorFlow.js once per process and picks its backend. Policies never import
 * `@tensorflow/tfjs` themselves: they take the namespace `loadTf()` resolves to, so a user who has
 * installed `@tensorflow/tfjs-node` (or `-gpu`) gets the native backend everywhere, and everyone else
 * gets the default, `@tensorflow/tfjs` with the WebAssembly backend (SIMD, one thread: see
 * spec/limits.md §3 for why more threads do not pay off in Node).
 *
 * Order of preference (`backend: 'auto'`, the default):
 *   1. `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`, if the user installed one. They are
 *      never dependencies of rlflow (their install downloads libtensorflow from outside npm), so they
 *      are looked up with a dynamic `import()` in try/catch.
 *   2. `@tensorflow/tfjs` + `@tensorflow/tfjs-backend-wasm`, the wasm binaries loaded from the
 *      installed package's folder (no network).
 *   3. The pure-JS `cpu` backend, with a warning (it is 4–10× slower than wasm).
 * `RLFLOW_TF_BACKEND=auto|node|wasm|cpu` in the environment overrides the default choice.
 *
 * `device` (what the `place` pass chose for the calling actor, `ActorContext.device`) narrows this:
 * `'gpu'` loads `@tensorflow/tfjs-node-gpu` or fails saying so (a GPU-placed actor never silently runs
 * on the CPU); `'cpu'` never picks tfjs-node-gpu (tfjs-node, else wasm, else cpu), so CPU-placed
 * workers leave the GPU to the learner. No device: the order above, unchanged.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';

/** The TensorFlow.js namespace (`@tensorflow/tfjs`'s API; tfjs-node re-exports the same API). */
export type Tf = typeof TfModule;

/** Which TensorFlow.js backend to load (`RLFLOW_TF_BACKEND`). */
export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';

/** Where the caller's kernels must run (`ActorContext.device`). */
export type TfDevice = 'cpu' | 'gpu';

/** Options of `loadTf`. */
export interface LoadTfOptions {
  /**
   * Which backend to load (default: `RLFLOW_TF_BACKEND` from the environment, else `'auto'`).
   * `'node'` requires tfjs-node(-gpu) and fails without it; `'wasm'` skips the tfjs-node lookup.
   * Only the first call in a process chooses; later calls get the same namespace.
   */
  readonly backend?: BackendChoice;
  /**
   * The device the caller was placed on. `'gpu'` requires `@tensorflow/tfjs-node-gpu` and fails
   * without it; `'cpu'` skips tfjs-node-gpu. Unlike `backend`, it is checked on every call: asking for
   * `'gpu'` in a process that already loaded a CPU backend fails (one backend per process).
   */
  readonly device?: TfDevice;
  /** Where warnings go (default `console.warn`). */
  readonly warn?: (message: string) => void;
}

/** What `loadTf()` loaded (`backendInfo()`). */
export interface BackendInfo {
  /** `tf.getBackend()`: `'tensorflow'` (tfjs-node), `'wasm'` or `'cpu'`. */
  readonly name: string;
  /** Where the kernels run: `'gpu'` only with tfjs-node-gpu. */
  readonly device: 'cpu' | 'gpu';
  /** The package that provides the backend. */
  readonly package: string;
  /** wasm only: SIMD binary loaded. */
  readonly simd?: boolean;
  /** wasm only: threads used by the kernels. */
  readonly threads?: number;
  /** Why a preferred backend was not used (absent when the first choice loaded). */
  readonly fallbackReason?: string;
}

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];
const DEVICES: readonly TfDevice[] = ['cpu', 'gpu'];
const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const GPU_HINT =
  'install @tensorflow/tfjs-node-gpu (it needs an NVIDIA GPU with CUDA and cuDNN; see docs/policies.md), or place the plan ' +
  'without a GPU (rlflow detects none without that package, so the place pass puts every actor on the CPU)';

interface Loaded {
  readonly tf: Tf;
  readonly info: BackendInfo;
}

let loading: Promise<Loaded> | undefined;
let loaded: Loaded | undefined;

/**
 * The TensorFlow.js namespace with a ready backend; loads it on the first call (≈ 0.1–0.7 s) and
 * returns the same namespace on every later call in this process.
 *
 * @example
 *   const tf = await loadTf();
 *   console.log(backendInfo()); // { name: 'wasm', device: 'cpu', package: '@tensorflow/tfjs-backend-wasm', simd: true, threads: 1 }
 */
export function loadTf(options: LoadTfOptions = {}): Promise<Tf> {
  let choice: BackendChoice;
  try {
    choice = chooseBackend(options);
    checkDevice(choice, options.device);
  } catch (e) {
    return Promise.reject(e as Error);
  }
  if (!loading) {
    loading = load(choice, options).then((l) => {
      loaded = l;
      return l;
    });
    // A failed load may be retried by a later call.
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading.then((l) => {
    if (options.device === 'gpu' && l.info.device !== 'gpu') {
      throw new Error(
        `device 'gpu' requested, but this process already runs TensorFlow.js on the CPU (${l.info.package}, backend '${l.info.name}'): ` +
          'one process has one backend, and an actor placed on the GPU must not silently run on the CPU\n' +
          '  hint: run actors on different devices in separate processes (the farm backend, the default of rlflow train), or place every actor on one device',
      );
    }
    return l.tf;
  });
}

/** The backend in use, or undefined before `loadTf()` has finished. */
export function backendInfo(): BackendInfo | undefined {
  return loaded?.info;
}

/** The loaded namespace; throws if `loadTf()` has not finished yet (policies are built after it). */
export function getTf(): Tf {
  if (!loaded) throw new Error('TensorFlow.js is not loaded yet: await loadTf() before creating a policy');
  return loaded.tf;
}

function chooseBackend(options: LoadTfOptions): BackendChoice {
  const raw = options.backend ?? process.env.RLFLOW_TF_BACKEND ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(raw)) {
    throw new Error(`unknown TensorFlow.js backend '${raw}' (RLFLOW_TF_BACKEND or loadTf({ backend })): use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return raw as BackendChoice;
}

function checkDevice(choice: BackendChoice, device: TfDevice | undefined): void {
  if (device === undefined) return;
  if (!(DEVICES as readonly string[]).includes(device)) throw new Error(`unknown device '${String(device)}' (loadTf({ device })): use one of ${DEVICES.join(', ')}`);
  if (device === 'gpu' && (choice === 'wasm' || choice === 'cpu')) {
    throw new Error(`device 'gpu' requested, but TensorFlow.js backend '${choice}' (RLFLOW_TF_BACKEND or loadTf({ backend })) runs on the CPU\n  hint: unset RLFLOW_TF_BACKEND or set it to 'auto' or 'node'; ${GPU_HINT}`);
  }
}

/** Whether tfjs-node's backend really runs on a GPU (tfjs-node-gpu falls back to the CPU when CUDA sees none). */
function usesGpu(tf: Tf): boolean {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: unknown };
  return backend.isUsingGpuDevice === true;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

/** `import(name)` of an optional package: the namespace, or undefined with the reason. */
async function tryImport(name: string): Promise<{ mod?: Record<string, unknown>; reason?: string }> {
  try {
    // NOTE: the specifier is a variable so that TypeScript does not try to resolve an optional package.
    const mod = (await import(name)) as Record<string, unknown>;
    return { mod };
  } catch (e) {
    return { reason: `${name}: ${messageOf(e)}` };
  }
}

/** A CommonJS package imported from ESM: the namespace is `default` when present. */
function cjs<T>(mod: Record<string, unknown>): T {
  return (mod.default ?? mod) as T;
}

/** TF.js's cpu backend prints an "install tfjs-node" banner on its first tensor; we chose it knowingly. */
function silenceCpuBanner(tf: Tf): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}

async function load(choice: BackendChoice, options: LoadTfOptions): Promise<Loaded> {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const reasons: string[] = [];

  if (choice === 'auto' || choice === 'node') {
    // libtensorflow logs CPU-feature notices at startup unless told not to.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    // A GPU actor takes only the GPU package; a CPU actor never takes it (it would claim GPU memory).
    const packages = options.device === 'gpu' ? [GPU_PACKAGE] : options.device === 'cpu' ? ['@tensorflow/tfjs-node'] : [GPU_PACKAGE, '@tensorflow/tfjs-node'];
    for (const pkg of packages) {
      const { mod, reason } = await tryImport(pkg);
      if (!mod) {
        reasons.push(reason!);
        continue;
      }
      const tf = cjs<Tf>(mod);
      try {
        if (tf.getBackend() !== 'tensorflow') await tf.setBackend('tensorflow');
        await tf.ready();
        silenceCpuBanner(tf);
        const device = pkg === GPU_PACKAGE && usesGpu(tf) ? 'gpu' : 'cpu';
        if (options.device === 'gpu' && device !== 'gpu') {
          throw new Error(`${GPU_PACKAGE} loaded, but libtensorflow found no usable CUDA device (check nvidia-smi and CUDA_VISIBLE_DEVICES)`);
        }
        return { tf, info: { name: tf.getBackend(), device, package: pkg } };
      } catch (e) {
        reasons.push(`${pkg}: ${messageOf(e)}`);
      }
    }
    if (options.device === 'gpu') {
      throw new Error(`device 'gpu' requested (the place pass put this actor on a GPU), but ${GPU_PACKAGE} could not be loaded (${reasons.join('; ')}); refusing to run it on the CPU\n  hint: ${GPU_HINT}`);
    }
    if (choice === 'node') {
      throw new Error(`TensorFlow.js backend 'node' requested but no tfjs-node package could be loaded (${reasons.join('; ')})`);
    }
  }

  const tf = cjs<Tf>(await import('@tensorflow/tfjs'));
  silenceCpuBanner(tf);
  if (choice !== 'cpu') {
    try {
      const wasm = cjs<typeof import('@tensorflow/tfjs-backend-wasm')>(await import('@tensorflow/tfjs-backend-wasm'));
      // NOTE: load the .wasm binaries from the installed package (its dist/ folder), never a URL.
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
      wasm.setThreadsCount(1);
      if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
      await tf.ready();
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      // (tfjs-node being absent is the normal case, not a fallback worth reporting.)
      return { tf, info: { name: 'wasm', device: 'cpu', package: '@tensorflow/tfjs-backend-wasm', simd, threads: wasm.getThreadsCount() } };
    } catch (e) {
      reasons.push(`@tensorflow/tfjs-backend-wasm: ${messageOf(e)}`);
      warn(
        `rlflow: the TensorFlow.js wasm backend failed to initialise (${messageOf(e)}); ` +
          `falling back to the pure-JS 'cpu' backend, which is several times slower.`,
      );
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  silenceCpuBanner(tf);
  return {
    tf,
    info: {
      name: 'cpu',
      device: 'cpu',
      package: '@tensorflow/tfjs',
      ...(choice === 'cpu' ? {} : { fallbackReason: reasons[reasons.length - 1] }),
    },
  };
}
