/**
 * `MultiAgentBatch` helpers. A multi-agent batch maps policy ids to `SampleBatch`es; its `count` is
 * **env steps** (one env step may produce rows for several agents), `agentSteps` the sum of the policy
 * batches' rows (spec §0: `MAB.count` vs `MAB.agent_steps()`). Single-agent code paths accept either kind
 * of batch through `asMultiAgent`, which views a plain batch as the `default_policy`'s one.
 */
import { SampleBatchError } from './errors.js';
import { isMultiAgentBatch, type AnyBatch, type MultiAgentBatch, type SampleBatch } from './sample-batch.js';

/** The policy id a single-agent batch belongs to (RLlib's `DEFAULT_POLICY_ID`). */
export const DEFAULT_POLICY_ID = 'default_policy';

/**
 * Makes a multi-agent batch. `count` (env steps) defaults to the largest policy batch's row count,
 * which is right when every env step has at most one row per policy.
 *
 * @example
 * const mab = createMultiAgentBatch({ ppo: batchA, dqn: batchB }, 100);
 */
export function createMultiAgentBatch(policyBatches: Readonly<Record<string, SampleBatch>>, count?: number): MultiAgentBatch {
  const batches = { ...policyBatches };
  const envSteps = count ?? Math.max(0, ...Object.values(batches).map((b) => b.count));
  if (!Number.isInteger(envSteps) || envSteps < 0) {
    throw new SampleBatchError(`a multi-agent batch's count must be a non-negative integer, got ${envSteps}`);
  }
  return { kind: 'multi-agent', policyBatches: batches, count: envSteps };
}

/** A multi-agent view of any batch: a plain batch becomes `{ [policyId]: batch }` with the same count. */
export function asMultiAgent(batch: AnyBatch, policyId: string = DEFAULT_POLICY_ID): MultiAgentBatch {
  if (isMultiAgentBatch(batch)) return batch;
  return { kind: 'multi-agent', policyBatches: { [policyId]: batch }, count: batch.count };
}

/**
 * Keeps only the listed policies' batches (RLlib's `SelectExperiences`); `count` (env steps) is unchanged.
 * A plain batch passes through unchanged. Ids with no batch are ignored.
 */
export function selectPolicies<B extends AnyBatch>(batch: B, policyIds: readonly string[]): B;
export function selectPolicies(batch: AnyBatch, policyIds: readonly string[]): AnyBatch {
  if (!isMultiAgentBatch(batch)) return batch;
  const kept: Record<string, SampleBatch> = {};
  for (const id of policyIds) {
    const b = batch.policyBatches[id];
    if (b) kept[id] = b;
  }
  return { kind: 'multi-agent', policyBatches: kept, count: batch.count };
}

/** Agent steps: the sum of the policy batches' rows for a multi-agent batch, `count` for a plain one. */
export function agentSteps(batch: AnyBatch): number {
  if (!isMultiAgentBatch(batch)) return batch.count;
  let total = 0;
  for (const b of Object.values(batch.policyBatches)) total += b.count;
  return total;
}

/** Env steps: `count` for either kind. */
export function envSteps(batch: AnyBatch): number {
  return batch.count;
}

/**
 * Applies `fn` to every policy batch of a multi-agent batch (same count), or to a plain batch itself.
 * Used by the functions that treat a plain batch "as if it were a single-policy MultiAgentBatch".
 */
export function mapPolicyBatches<B extends AnyBatch>(batch: B, fn: (b: SampleBatch, policyId: string) => SampleBatch): B;
export function mapPolicyBatches(batch: AnyBatch, fn: (b: SampleBatch, policyId: string) => SampleBatch): AnyBatch {
  if (!isMultiAgentBatch(batch)) return fn(batch, DEFAULT_POLICY_ID);
  const out: Record<string, SampleBatch> = {};
  for (const [id, b] of Object.entries(batch.policyBatches)) out[id] = fn(b, id);
  return { kind: 'multi-agent', policyBatches: out, count: batch.count };
}
