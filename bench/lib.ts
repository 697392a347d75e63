/**
 * Shared measurement helpers for the benchmarks (`npm run bench -- <name>`), following the method of
 * the measurements in the design folder (spec/limits/lib.js): warm up, calibrate the iteration count so
 * that one rep lasts about `repMs`, run `reps` reps, report median [min–max] of the per-iteration time.
 *
 * Alternatives compared side by side are measured *interleaved* in one run (a rep of A, a rep of B, a
 * rep of A, ...), so that machine noise (another process, a frequency change, the scheduler moving a
 * process) hits all of them alike, and rep i of A can be paired with rep i of B.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const now = (): bigint => process.hrtime.bigint();
const msSince = (t0: bigint): number => Number(now() - t0) / 1e6;

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** The values in measurement order. */
  readonly values: readonly number[];
}

export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) throw new Error('summarize: no values');
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { median, min: s[0]!, max: s[n - 1]!, values: [...xs] };
}

/** Maps every value of a summary (e.g. ms per iteration → items per second) and re-summarizes. */
export function mapSummary(s: Summary, f: (x: number) => number): Summary {
  return summarize(s.values.map(f));
}

export interface MeasureOptions {
  /** Measured reps per alternative. */
  readonly reps: number;
  /** Target duration of one rep, in ms (the iteration count is calibrated to it). */
  readonly repMs: number;
  /** Iterations run once before calibrating (JIT, caches, connections). */
  readonly warmupIters: number;
  /** Upper bound on iterations per rep. */
  readonly maxIters: number;
}

/** Full runs: 7 reps of ~300 ms each (within the 250–400 ms band). */
export const FULL: MeasureOptions = { reps: 7, repMs: 300, warmupIters: 20, maxIters: 1 << 20 };
/** Smoke runs (`--quick`): 2 short reps, a handful of iterations. */
export const QUICK: MeasureOptions = { reps: 2, repMs: 20, warmupIters: 2, maxIters: 64 };

/** Something to time: `run(iters)` performs `iters` iterations. */
export interface Alternative {
  readonly name: string;
  run(iters: number): Promise<void>;
}

export interface Measured {
  readonly name: string;
  /** Iterations per rep (after calibration). */
  readonly iters: number;
  /** Milliseconds per iteration, one value per rep. */
  readonly perIterMs: Summary;
}

/** Iterations such that one rep takes about `repMs`: grows ×4 until a try lasts ≥ repMs/4, then scales. */
export async function calibrate(run: (iters: number) => Promise<void>, o: MeasureOptions): Promise<number> {
  let iters = 1;
  for (;;) {
    const t0 = now();
    await run(iters);
    const ms = msSince(t0);
    if (ms >= o.repMs / 4 || iters >= o.maxIters) {
      return Math.min(o.maxIters, Math.max(1, Math.round((iters * o.repMs) / Math.max(ms, 1e-3))));
    }
    iters = Math.min(iters * 4, o.maxIters);
  }
}

/**
 * Measures alternatives interleaved: warm-up and calibration for each, then `reps` rounds of one rep
 * per alternative, in the same order every round.
 */
export async function measureInterleaved(alternatives: readonly Alternative[], o: MeasureOptions): Promise<Measured[]> {
  const iters: number[] = [];
  for (const a of alternatives) {
    await a.run(o.warmupIters);
    iters.push(await calibrate((n) => a.run(n), o));
  }
  const per: number[][] = alternatives.map(() => []);
  for (let r = 0; r < o.reps; r++) {
    for (let k = 0; k < alternatives.length; k++) {
      const t0 = now();
      await alternatives[k]!.run(iters[k]!);
      per[k]!.push(msSince(t0) / iters[k]!);
    }
  }
  return alternatives.map((a, k) => ({ name: a.name, iters: iters[k]!, perIterMs: summarize(per[k]!) }));
}

/** Per-iteration ms → iterations per second (times `unitsPerIter`, e.g. MB moved per iteration). */
export function perSecond(m: Measured, unitsPerIter = 1): Summary {
  return mapSummary(m.perIterMs, (ms) => (unitsPerIter * 1000) / ms);
}

/**
 * Ratio a/b of two rates measured interleaved: `median` is the ratio of the medians; min and max are
 * the extremes of the per-round ratios (rep i of a over rep i of b, taken next to each other in time).
 */
export function ratio(a: Summary, b: Summary): Summary {
  const paired = a.values.map((x, i) => x / b.values[i]!);
  const s = summarize(paired);
  return { median: a.median / b.median, min: s.min, max: s.max, values: paired };
}

/** A number with 3 significant digits (no exponent below 10⁶), thin-space grouped above 10⁴. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return x.toExponential(2);
  if (a >= 1e4) return Math.round(x).toLocaleString('en-US').replace(/,/g, ' ');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** `median [min–max]`. */
export function spread(s: Summary): string {
  return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
}

/** A GitHub-flavoured markdown table; `|` in cells is escaped. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The machine, for the benchmark header: CPUs, model, Node version, OS. */
export function machineInfo(): string {
  const cpus = os.cpus();
  const nproc = os.availableParallelism();
  return `nproc ${nproc} (${cpus[0]?.model.trim() ?? 'unknown cpu'}), node ${process.version}, ${os.platform()} ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
}

/** Pins every thread of a process to `cpus` (a taskset list, e.g. "0" or "0-1"); false if taskset failed. */
export function pinProcess(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-apc', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether `taskset` (util-linux) can be run here. */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Minimal option parsing: `--flag` (boolean) and `--name value` / `--name=value`. Unknown options
 * and missing values throw, naming the option.
 */
export function parseOptions(args: readonly string[], spec: { readonly flags: readonly string[]; readonly values: readonly string[] }): {
  flags: Set<string>;
  values: Map<string, string>;
} {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument '${a}'`);
    const name = m[1]!;
    if (spec.flags.includes(name) && m[2] === undefined) flags.add(name);
    else if (spec.values.includes(name)) {
      const v = m[2] ?? args[++i];
      if (v === undefined) throw new Error(`option --${name} needs a value`);
      values.set(name, v);
    } else throw new Error(`unknown option --${name} (known: ${[...spec.flags, ...spec.values].map((s) => `--${s}`).join(', ')})`);
  }
  return { flags, values };
}

/** The machine's 1/5/15-minute load averages, printed with results (load skews absolute numbers). */
export function loadAvg(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
}

/** Parses a positive integer option, naming the option on error. */
export function positiveInt(s: string, name: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${s}'`);
  return n;
}

/** `base` with `--reps` and `--rep-ms` applied (every bench takes both). */
export function withRepOptions(base: MeasureOptions, values: ReadonlyMap<string, string>): MeasureOptions {
  return {
    ...base,
    reps: values.has('reps') ? positiveInt(values.get('reps')!, 'reps') : base.reps,
    repMs: values.has('rep-ms') ? positiveInt(values.get('rep-ms')!, 'rep-ms') : base.repMs,
  };
}

/** The parts `--only a,b` selects (all by default); an unknown part is an error naming the known ones. */
export function selectedParts<P extends string>(only: string | undefined, parts: readonly P[]): (p: P) => boolean {
  const chosen = (only ?? parts.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of chosen) if (!(parts as readonly string[]).includes(p)) throw new Error(`--only: unknown part '${p}' (known: ${parts.join(', ')})`);
  return (p) => chosen.includes(p);
}
