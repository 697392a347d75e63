/**
 * The progress signal: a version number bumped whenever something happens that could make a "not
 * ready" operator ready (an item is produced anywhere, an actor replies, a queue changes). Operators
 * that got NOT_READY wait on it instead of polling, so an idle plan sleeps rather than spins.
 * NOT_READY itself never bumps it, so two idle branches cannot wake each other in a loop.
 */
export class ProgressSignal {
  version = 0;
  private waiters: Array<() => void> = [];

  bump(): void {
    this.version++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves at the next bump after `since` (at once if one already happened). */
  after(since: number): Promise<void> {
    if (this.version !== since) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Wakes every waiter without counting as progress, so each re-checks its condition. */
  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
