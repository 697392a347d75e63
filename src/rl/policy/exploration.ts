/**
 * ε-greedy exploration schedules for Q policies (RLlib's EpsilonGreedy and PerWorkerEpsilonGreedy):
 * - `epsilonGreedy`: ε falls linearly from `initialEpsilon` to `finalEpsilon` over `epsilonTimesteps`
 *   env steps of the run (the `timestep` global var the driver sends with the weights), then stays;
 * - `perWorkerEpsilonGreedy` (Ape-X): worker i of N explores with the constant
 *   ε_i = ε^(1 + i/(N−1)·α), so a few workers explore a lot and most hardly at all.
 */
export type ExplorationConfig =
  | { readonly kind: 'epsilonGreedy'; readonly initialEpsilon: number; readonly finalEpsilon: number; readonly epsilonTimesteps: number }
  | { readonly kind: 'perWorkerEpsilonGreedy'; readonly epsilon: number; readonly alpha: number; readonly numWorkers: number };

/** ε of worker `workerIndex` (0-based) at env step `timestep`. */
export function epsilonAt(config: ExplorationConfig, timestep: number, workerIndex: number): number {
  if (config.kind === 'perWorkerEpsilonGreedy') {
    const denom = config.numWorkers > 1 ? config.numWorkers - 1 : 1;
    return config.epsilon ** (1 + (workerIndex / denom) * config.alpha);
  }
  const frac = config.epsilonTimesteps > 0 ? Math.min(1, Math.max(0, timestep) / config.epsilonTimesteps) : 1;
  return config.initialEpsilon + (config.finalEpsilon - config.initialEpsilon) * frac;
}
