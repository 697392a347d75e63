/**
 * Per-policy episode statistics of multi-agent runs (RLlib's `policy_reward_mean/min/max`): each
 * agent's return in an episode counts for the policy that controlled it. Single-agent episodes carry no
 * per-policy rewards, and then the result dict has no such keys.
 */
import type { EpisodeMetrics } from '../worker-api.js';

export interface PolicyRewardStats {
  readonly policy_reward_mean: Readonly<Record<string, number>>;
  readonly policy_reward_min: Readonly<Record<string, number>>;
  readonly policy_reward_max: Readonly<Record<string, number>>;
}

/** The per-policy statistics over `episodes`, or `{}` when no episode has per-policy rewards. */
export function policyRewardStats(episodes: readonly EpisodeMetrics[]): PolicyRewardStats | Record<string, never> {
  const byPolicy = new Map<string, number[]>();
  for (const e of episodes) {
    for (const [id, rewards] of Object.entries(e.policyRewards ?? {})) {
      let list = byPolicy.get(id);
      if (!list) byPolicy.set(id, (list = []));
      list.push(...rewards);
    }
  }
  if (byPolicy.size === 0) return {};
  const mean: Record<string, number> = {};
  const min: Record<string, number> = {};
  const max: Record<string, number> = {};
  for (const [id, list] of [...byPolicy].sort(([a], [b]) => a.localeCompare(b))) {
    mean[id] = list.reduce((s, r) => s + r, 0) / list.length;
    min[id] = Math.min(...list);
    max[id] = Math.max(...list);
  }
  return { policy_reward_mean: mean, policy_reward_min: min, policy_reward_max: max };
}
