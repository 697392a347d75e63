/**
 * The metrics context shared by every stage of a running plan: counters, timers with a window of the
 * last 10 samples (as RLlib's TimerStat), and free-form info.
 */
import type { MetricsView, TimerView } from '../ir/contract.js';

const WINDOW = 10;

export class Timer implements TimerView {
  private readonly samples: number[] = [];
  private readonly units: Array<number | undefined> = [];
  count = 0;

  /** Records one sample of `ms` milliseconds (and `units` processed, for throughput); keeps the last 10. */
  push(ms: number, units?: number): void {
    this.samples.push(ms);
    this.units.push(units);
    if (this.samples.length > WINDOW) {
      this.samples.shift();
      this.units.shift();
    }
    this.count++;
  }

  async time<T>(fn: () => Promise<T> | T, units?: number): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.push(performance.now() - start, units);
    }
  }

  get meanMs(): number {
    return this.samples.length ? this.samples.reduce((a, b) => a + b, 0) / this.samples.length : 0;
  }

  get meanThroughput(): number | undefined {
    let units = 0;
    let ms = 0;
    let any = false;
    this.samples.forEach((s, i) => {
      const u = this.units[i];
      if (u !== undefined) {
        any = true;
        units += u;
        ms += s;
      }
    });
    return any && ms > 0 ? units / (ms / 1000) : undefined;
  }
}

/** What `MetricsContext.save()` returns and `restore()` takes (part of a checkpoint). */
export interface MetricsState {
  readonly counters: Record<string, number>;
  readonly info: Record<string, unknown>;
}

export class MetricsContext implements MetricsView {
  readonly counters = new Map<string, number>();
  readonly info: Record<string, unknown> = {};
  startedAt: number | undefined;
  private readonly timerMap = new Map<string, Timer>();

  /** Adds `by` (default 1) to `counter` and returns its new value. */
  inc(counter: string, by = 1): number {
    const v = (this.counters.get(counter) ?? 0) + by;
    this.counters.set(counter, v);
    return v;
  }

  /** The current value of `counter` (0 when never incremented). */
  get(counter: string): number {
    return this.counters.get(counter) ?? 0;
  }

  /** The timer called `name`, created on first use. */
  timer(name: string): Timer {
    let t = this.timerMap.get(name);
    if (!t) {
      t = new Timer();
      this.timerMap.set(name, t);
    }
    return t;
  }

  get timers(): ReadonlyMap<string, Timer> {
    return this.timerMap;
  }

  /** Counters and info as plain data (timers are not persisted, as in RLlib). */
  save(): MetricsState {
    return { counters: Object.fromEntries(this.counters), info: structuredClone(this.info) };
  }

  /** Replaces the counters and info with a state from `save()` (timers are left as they are). */
  restore(state: MetricsState): void {
    this.counters.clear();
    for (const [k, v] of Object.entries(state.counters)) this.counters.set(k, v);
    for (const k of Object.keys(this.info)) delete this.info[k];
    Object.assign(this.info, structuredClone(state.info));
  }
}
