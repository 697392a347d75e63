/** Minimal types for worker-farm 1.7 (the package ships none). */
declare module 'worker-farm' {
  import type { ChildProcess, ForkOptions } from 'node:child_process';
  interface FarmOptions {
    maxCallsPerWorker?: number;
    maxConcurrentWorkers?: number;
    maxConcurrentCallsPerWorker?: number;
    maxConcurrentCalls?: number;
    maxCallTime?: number;
    maxRetries?: number;
    autoStart?: boolean;
    forcedKillTime?: number;
    workerOptions?: ForkOptions;
    onChild?: (child: ChildProcess) => void;
  }
  type Callback = (err: (Error & { type?: string }) | null, result?: unknown) => void;
  type Workers = Record<string, (...args: unknown[]) => void> & { readonly __farm?: true };
  function workerFarm(options: FarmOptions, path: string, methods: readonly string[]): Workers;
  namespace workerFarm {
    export function end(workers: Workers, callback?: () => void): void;
    export type { Callback, Workers, FarmOptions };
  }
  export default workerFarm;
}
