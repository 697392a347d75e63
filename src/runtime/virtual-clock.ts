/**
 * Virtual time for the local backend. `delay(ms)` registers a timer; time jumps to the earliest timer
 * only when everything else has settled (one timer per macrotask turn, after all promise callbacks
 * have run), so a plan's behaviour depends only on the virtual timings its actors declare, never on
 * how fast the machine is. Timers due at the same instant fire in the order they were set.
 */
import type { Clock } from '../ir/contract.js';

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

export class VirtualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: PendingTimer[] = [];
  private scheduled = false;

  now(): number {
    return this.time;
  }

  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + Math.max(0, Number.isFinite(ms) ? ms : 0), seq: this.seq++, resolve });
      this.schedule();
    });
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.tick());
  }

  private tick(): void {
    this.scheduled = false;
    if (this.timers.length === 0) return;
    let k = 0;
    for (let i = 1; i < this.timers.length; i++) {
      const t = this.timers[i]!;
      const best = this.timers[k]!;
      if (t.at < best.at || (t.at === best.at && t.seq < best.seq)) k = i;
    }
    const [timer] = this.timers.splice(k, 1);
    this.time = timer!.at;
    timer!.resolve();
    if (this.timers.length) this.schedule();
  }
}

/** Wall-clock time since construction. */
export class RealClock implements Clock {
  private readonly origin = performance.now();
  now(): number {
    return performance.now() - this.origin;
  }
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}
