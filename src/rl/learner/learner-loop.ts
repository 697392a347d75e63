/**
 * A learner with its own loop (RLlib's `LearnerThread`, spec §2.6, as a part of an actor): batches
 * arrive through a bounded in-queue, a loop inside the learner's process takes them (through a
 * `MinibatchBuffer`, so each is learned `numPasses` times), learns, and puts each step's result on an
 * out-queue. The actor's callers never wait for learning, only for room in the in-queue: that queue is
 * the back-pressure point of an asynchronous plan, and the rollout workers keep sampling while the
 * learner trains.
 *
 * Generic: any batch type `B`, any learn function returning any result `R` (IMPALA/APPO learn a
 * policy step; Ape-X learns on a replayed batch and returns TD errors). An actor owns one loop and
 * exposes `put` as a method; `put` answers with the results finished since the last call, the loop's
 * queue and timing statistics, and, when the actor passes its weights getter, the learner's weights
 * whenever they changed since the last answer (so the driver can forward them to the workers without
 * another round trip).
 *
 * NOTE: JavaScript is single-threaded: while `learn` runs, the actor's process answers nothing. The
 * loop gives the event loop a turn before every step (`yieldTurn`), once it holds the step's batch:
 * a `put` waiting in the process is served between steps (the batch it brings is then in memory when
 * the next step starts), and the answer to the `put` that brought this batch goes out before the step,
 * so the caller can send the next batch while the learner learns.
 */
import { MinibatchBuffer } from './minibatch-buffer.js';

type Awaitable<T> = T | Promise<T>;

/** Options of the learner loop: in-queue capacity, minibatch buffer slots and passes per batch. */
export interface LearnerLoopOptions {
  /** Capacity of the in-queue (RLlib's learner_queue_size, default 16). */
  readonly queueSize?: number;
  /** Slots of the minibatch buffer (RLlib's minibatch_buffer_size, default 1). */
  readonly minibatchBufferSize?: number;
  /** Times each batch is learned (RLlib's num_sgd_iter for the learner thread, default 1). */
  readonly numPasses?: number;
}

/** How the loop runs in its host: counting batch rows, giving the event loop a turn, telling time. */
export interface LearnerLoopHooks<B> {
  /** Rows of a batch (steps trained per pass; default: the batch's `count`, else 1). */
  readonly count?: (batch: B) => number;
  /** Lets other work of the process run between steps (default: a macrotask turn). */
  readonly yieldTurn?: () => Promise<void>;
  /** Milliseconds for the timing statistics (default `performance.now`). */
  readonly now?: () => number;
}

/** One learner step's output (RLlib's out-queue item `(batch.count, stats)`). */
export interface LearnerOutput<R> {
  /** Rows learned on in this step (a batch learned n times is counted n times, as RLlib does). */
  readonly count: number;
  readonly result: R;
}

/** Queue and timing statistics of the loop since the previous answer (RLlib's add_learner_metrics). */
export interface LearnerLoopMetrics {
  /** In-queue sizes seen at each step: how many, mean, std, and quantiles at [0, 10, 50, 90, 100]. */
  readonly queueSizeCount: number;
  readonly queueSizeMean: number;
  readonly queueSizeStd: number;
  readonly queueSizeQuantiles: readonly number[];
  /** Mean time of one learn step (learner_grad_time_ms). */
  readonly gradTimeMs: number;
  /** Mean time the loop waited for a batch (learner_load_wait_time_ms): 0 when it never starves. */
  readonly loadWaitTimeMs: number;
  /** Mean time a `put` waited for room in the in-queue (the driver's back-pressure). */
  readonly putWaitTimeMs: number;
  /** Time learning, and wall time, since the previous answer (from the first batch on). */
  readonly busyMs: number;
  readonly elapsedMs: number;
  /** Learner steps since the start. */
  readonly stepsTotal: number;
  /** Batches in the in-queue now. */
  readonly queueSize: number;
}

/** What `put` answers. */
export interface LearnerReply<R, W = never> {
  readonly outputs: LearnerOutput<R>[];
  readonly metrics: LearnerLoopMetrics;
  /** The learner's weights and their version (learner steps), when they changed since the last answer. */
  readonly weights?: { readonly version: number; readonly values: W };
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`learner loop: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function defaultCount(batch: unknown): number {
  const c = (batch as { count?: unknown } | null)?.count;
  return typeof c === 'number' ? c : 1;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.round((q / 100) * (sorted.length - 1)))]!;
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * The loop. It starts with the first `put`; a failure of `learn` stops it and is thrown by the next
 * `put` (so the plan fails with the learner's error, not with a hang).
 *
 * @example
 *   const loop = new LearnerLoop((b: SampleBatch) => policy.learnOnBatch(b), { queueSize: 16 });
 *   const reply = await loop.put(batch, () => policy.getWeights());   // inside an actor method
 */
export class LearnerLoop<B, R> {
  private readonly capacity: number;
  private readonly buffer: MinibatchBuffer<B>;
  private readonly queue: B[] = [];
  private readonly outputs: LearnerOutput<R>[] = [];
  private readonly roomWaiters: Array<() => void> = [];
  private batchWaiter: (() => void) | undefined;
  private readonly count: (batch: B) => number;
  private readonly yieldTurn: () => Promise<void>;
  private readonly now: () => number;
  private running = false;
  private stopped = false;
  private failure: unknown;
  private steps = 0;
  private sentVersion = 0;
  // Statistics since the previous answer.
  private sizes: number[] = [];
  private gradMs: number[] = [];
  private waitMs: number[] = [];
  private putWaitMs: number[] = [];
  private busyMs = 0;
  private windowStart: number | undefined;

  constructor(
    private readonly learn: (batch: B) => Awaitable<R>,
    options: LearnerLoopOptions = {},
    hooks: LearnerLoopHooks<B> = {},
  ) {
    this.capacity = positiveInt('queueSize', options.queueSize ?? 16);
    const numPasses = positiveInt('numPasses', options.numPasses ?? 1);
    this.buffer = new MinibatchBuffer<B>({ size: positiveInt('minibatchBufferSize', options.minibatchBufferSize ?? 1), numPasses });
    this.count = hooks.count ?? defaultCount;
    this.yieldTurn = hooks.yieldTurn ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.now = hooks.now ?? (() => performance.now());
  }

  /** Batches waiting in the in-queue. */
  get queueSize(): number {
    return this.queue.length;
  }

  /** Learner steps taken so far (also the weights' version). */
  get stepsTotal(): number {
    return this.steps;
  }

  /**
   * Adds a batch to the in-queue, waiting while it is full, then answers with the outputs finished
   * since the last answer and the loop's statistics; with `weights`, also the learner's weights when
   * they changed since the last answer that carried them.
   */
  async put<W = never>(batch: B, weights?: () => W): Promise<LearnerReply<R, W>> {
    this.throwIfFailed();
    if (this.stopped) throw new Error('learner loop: put() after stop()');
    const start = this.now();
    this.windowStart ??= start;
    while (this.queue.length >= this.capacity) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      this.throwIfFailed();
    }
    this.putWaitMs.push(this.now() - start);
    this.queue.push(batch);
    this.batchWaiter?.();
    this.batchWaiter = undefined;
    if (!this.running) {
      this.running = true;
      void this.run();
    }
    return this.reply(weights);
  }

  /** The outputs and statistics since the last answer, without adding a batch. */
  collect<W = never>(weights?: () => W): LearnerReply<R, W> {
    this.throwIfFailed();
    return this.reply(weights);
  }

  /** Stops the loop after its current step; waiting `put`s fail. */
  stop(): void {
    this.stopped = true;
    this.failure ??= new Error('learner loop stopped');
    this.wakeAll();
  }

  private reply<W>(weights: (() => W) | undefined): LearnerReply<R, W> {
    const outputs = this.outputs.splice(0);
    const metrics = this.metrics();
    if (weights && this.steps > this.sentVersion) {
      this.sentVersion = this.steps;
      return { outputs, metrics, weights: { version: this.steps, values: weights() } };
    }
    return { outputs, metrics };
  }

  private metrics(): LearnerLoopMetrics {
    const now = this.now();
    const sorted = [...this.sizes].sort((a, b) => a - b);
    const m = mean(this.sizes);
    const out: LearnerLoopMetrics = {
      queueSizeCount: this.sizes.length,
      queueSizeMean: m,
      queueSizeStd: Math.sqrt(mean(this.sizes.map((s) => (s - m) ** 2))),
      queueSizeQuantiles: [0, 10, 50, 90, 100].map((q) => quantile(sorted, q)),
      gradTimeMs: mean(this.gradMs),
      loadWaitTimeMs: mean(this.waitMs),
      putWaitTimeMs: mean(this.putWaitMs),
      busyMs: this.busyMs,
      elapsedMs: this.windowStart === undefined ? 0 : now - this.windowStart,
      stepsTotal: this.steps,
      queueSize: this.queue.length,
    };
    this.sizes = [];
    this.gradMs = [];
    this.waitMs = [];
    this.putWaitMs = [];
    this.busyMs = 0;
    if (this.windowStart !== undefined) this.windowStart = now;
    return out;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private wakeAll(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
    this.batchWaiter?.();
    this.batchWaiter = undefined;
  }

  /** Takes the next batch from the in-queue, waiting while it is empty; makes room for one `put`. */
  private async take(): Promise<B> {
    while (this.queue.length === 0) {
      await new Promise<void>((resolve) => (this.batchWaiter = resolve));
      if (this.stopped) throw this.failure;
    }
    const batch = this.queue.shift() as B;
    this.roomWaiters.shift()?.();
    return batch;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        const waitStart = this.now();
        this.sizes.push(this.queue.length);
        const { item } = await this.buffer.get(() => this.take());
        // The turn comes between taking the batch and learning on it, not after the step: the `put`
        // that brought the batch has its answer still pending here, and the caller (the driver)
        // sends the next batch only once it has that answer. Learning first delayed the answer by a
        // whole step, so the next batch arrived after the step and the loop starved on every one
        // (APPO on CartPole, 2 cores: in-queue always empty, 1.3–2.0 ms load wait per 8–11 ms step).
        // Puts that arrived during the last step are also served in this turn.
        await this.yieldTurn();
        if (this.stopped) break;
        const start = this.now();
        this.waitMs.push(start - waitStart);
        const result = await this.learn(item);
        const end = this.now();
        this.gradMs.push(end - start);
        this.busyMs += end - start;
        this.steps++;
        this.outputs.push({ count: this.count(item), result });
      }
    } catch (e) {
      if (!this.stopped) {
        this.failure = e;
        this.stopped = true;
        this.wakeAll();
      }
    }
  }
}
