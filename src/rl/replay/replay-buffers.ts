/**
 * Replay buffers keyed by policy id (RLlib's LocalReplayBuffer, "independent" mode): what a DQN plan
 * stores into and replays from, either on the driver or inside a replay actor (replay-actor.ts).
 * A plain `SampleBatch` is stored as the `default_policy`'s; a `MultiAgentBatch` is split by policy.
 * `replay()` answers `null` until `learningStarts` env steps were added, then one batch of
 * `replayBatchSize` rows per policy (a `SampleBatch` when only the default policy has data, else a
 * `MultiAgentBatch`), sampled with β annealed linearly from `beta` to `finalBeta` over
 * `betaAnnealingTimesteps` added steps.
 */
import { z } from 'zod';
import { DEFAULT_POLICY_ID, createMultiAgentBatch } from '../data/multi-agent.js';
import { isMultiAgentBatch, type AnyBatch, type SampleBatch } from '../data/sample-batch.js';
import { ReplayBuffer, type PrioritizedState } from './prioritized.js';

/** Plain-data options of a set of replay buffers (also the replay actor's constructor argument). */
export const replayBuffersConfigSchema = z
  .object({
    capacity: z.number().int().positive().describe('rows kept per policy'),
    learningStarts: z.number().int().min(0).default(1000).describe('env steps stored before replay() answers'),
    replayBatchSize: z.number().int().positive().default(32).describe('rows per replayed batch (per policy)'),
    prioritized: z.boolean().default(false).describe('prioritized replay (else uniform)'),
    alpha: z.number().min(0).default(0.6).describe('priority exponent α'),
    beta: z.number().min(0).default(0.4).describe('initial importance-weight exponent β'),
    finalBeta: z.number().min(0).optional().describe('β at the end of annealing (default: no annealing)'),
    betaAnnealingTimesteps: z.number().int().positive().default(100_000).describe('added env steps over which β goes from beta to finalBeta'),
    eps: z.number().positive().default(1e-6).describe('added to |TD error| to make a priority'),
  })
  .strict();
/** Config of `ReplayBuffers` as given (defaults not yet filled in); see `replayBuffersConfigSchema`. */
export type ReplayBuffersConfig = z.input<typeof replayBuffersConfigSchema>;
type Resolved = z.output<typeof replayBuffersConfigSchema>;

/** TD errors of one replayed batch, per policy: the slots it came from and |δ| per row. */
export type PriorityUpdate = Readonly<Record<string, { readonly batchIndexes: Int32Array; readonly tdErrors: Float32Array }>>;

/** Replay counters: env steps added, rows replayed, stored rows per policy, and the current β. */
export interface ReplayStats {
  readonly numAdded: number;
  readonly numReplayed: number;
  readonly sizes: Readonly<Record<string, number>>;
  readonly beta: number;
}

/** The state of `ReplayBuffers` as plain data: counters and every policy's buffer state. */
export interface ReplayBuffersState {
  readonly numAdded: number;
  readonly numReplayed: number;
  readonly multiAgent: boolean;
  readonly buffers: Readonly<Record<string, PrioritizedState>>;
}

/**
 * Replay buffers keyed by policy id, as DQN-style plans store into and replay from: `replay()` answers
 * `null` until `learningStarts` env steps were added, then one sampled batch per policy.
 */
export class ReplayBuffers {
  readonly config: Resolved;
  private readonly buffers = new Map<string, ReplayBuffer>();
  private numAdded = 0;
  private numReplayed = 0;
  private multiAgent = false;

  constructor(config: ReplayBuffersConfig) {
    this.config = replayBuffersConfigSchema.parse(config);
  }

  private buffer(policyId: string): ReplayBuffer {
    let b = this.buffers.get(policyId);
    if (!b) this.buffers.set(policyId, (b = new ReplayBuffer({ capacity: this.config.capacity, ...(this.config.prioritized ? { alpha: this.config.alpha } : {}) })));
    return b;
  }

  /** Stores a batch (`count` env steps towards `learningStarts`). */
  add(batch: AnyBatch): void {
    if (isMultiAgentBatch(batch)) {
      this.multiAgent = true;
      for (const [pid, b] of Object.entries(batch.policyBatches)) if (b.count > 0) this.buffer(pid).add(b);
    } else if (batch.count > 0) this.buffer(DEFAULT_POLICY_ID).add(batch);
    this.numAdded += batch.count;
  }

  /** Whether `replay()` would answer. */
  get ready(): boolean {
    return this.numAdded >= this.config.learningStarts && [...this.buffers.values()].some((b) => b.size > 0);
  }

  /** β now (annealed by added steps). */
  get beta(): number {
    const { beta, finalBeta, betaAnnealingTimesteps } = this.config;
    if (finalBeta === undefined) return beta;
    return beta + (finalBeta - beta) * Math.min(1, this.numAdded / betaAnnealingTimesteps);
  }

  /** One replayed batch per policy, or `null` before `learningStarts`. */
  replay(random: () => number): AnyBatch | null {
    if (!this.ready) return null;
    const beta = this.beta;
    const n = this.config.replayBatchSize;
    this.numReplayed += n;
    if (!this.multiAgent && this.buffers.size === 1 && this.buffers.has(DEFAULT_POLICY_ID)) return this.buffers.get(DEFAULT_POLICY_ID)!.sample(n, beta, random);
    const out: Record<string, SampleBatch> = {};
    for (const [pid, b] of this.buffers) if (b.size > 0) out[pid] = b.sample(n, beta, random);
    return createMultiAgentBatch(out, n);
  }

  /** Sets priorities |δ| + eps for the replayed rows (no-op without prioritization). */
  updatePriorities(update: PriorityUpdate): void {
    if (!this.config.prioritized) return;
    const eps = this.config.eps;
    for (const [pid, { batchIndexes, tdErrors }] of Object.entries(update)) {
      const b = this.buffers.get(pid);
      if (!b) throw new Error(`replay buffers: priority update for policy '${pid}', which has no buffer`);
      const prios = new Float64Array(tdErrors.length);
      for (let i = 0; i < prios.length; i++) prios[i] = Math.abs(tdErrors[i]!) + eps;
      b.updatePriorities(batchIndexes, prios);
    }
  }

  /** The buffer of one policy (tests, diagnostics). */
  policyBuffer(policyId: string = DEFAULT_POLICY_ID): ReplayBuffer | undefined {
    return this.buffers.get(policyId);
  }

  /** The replay counters (for result dicts). */
  stats(): ReplayStats {
    return { numAdded: this.numAdded, numReplayed: this.numReplayed, sizes: Object.fromEntries([...this.buffers].map(([k, b]) => [k, b.size])), beta: this.beta };
  }

  /** Counters always; the stored rows and priorities with `contents: true` (checkpoints can be large). */
  getState(options: { readonly contents?: boolean } = {}): ReplayBuffersState {
    return {
      numAdded: this.numAdded,
      numReplayed: this.numReplayed,
      multiAgent: this.multiAgent,
      buffers: Object.fromEntries([...this.buffers].map(([k, b]) => [k, b.getState(options)])),
    };
  }

  /** Replaces every buffer and counter with a state from `getState`. */
  setState(state: ReplayBuffersState): void {
    this.numAdded = state.numAdded;
    this.numReplayed = state.numReplayed;
    this.multiAgent = state.multiAgent;
    this.buffers.clear();
    for (const [pid, s] of Object.entries(state.buffers)) this.buffer(pid).setState(s);
  }
}
