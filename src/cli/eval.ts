/**
 * `rlflow eval <run-dir | checkpoint.json>`: plays episodes with a trained policy (no workers, no
 * plan: the policy is loaded in this process, see src/trainer/evaluate.ts) and prints the returns'
 * mean, std, min and max.
 */
import { evaluate } from '../trainer/evaluate.js';
import { readCheckpoint } from '../trainer/checkpoint.js';
import { intOption, parse, UsageError } from './args.js';

export const evalHelp = `rlflow eval <run-dir | checkpoint.json> [options]

Plays episodes of the run's environment with its trained policy and prints the episode returns'
mean, std, min and max.
  --episodes <n>        episodes to play (default 10)
  --explore <bool>      sample actions (true) or take the most likely one (false; default)
  --seed <s>            seed of the episodes' env resets (default 0)`;

export async function evalCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parse(argv, { episodes: { type: 'string' }, explore: { type: 'string' }, seed: { type: 'string' } });
  const source = positionals[0];
  if (!source) throw new UsageError('name a run directory or checkpoint: rlflow eval runs/<run-dir>');
  const episodes = intOption(values['episodes'], 'episodes', 10, 1);
  const raw = (values['explore'] as string | undefined) ?? 'false';
  if (raw !== 'true' && raw !== 'false') throw new UsageError(`--explore must be true or false, got '${raw}'`);
  const explore = raw === 'true';
  const seed = intOption(values['seed'], 'seed', 0);
  const checkpoint = readCheckpoint(source);
  out(`rlflow eval: ${checkpoint.algorithm} on ${checkpoint.env}, iteration ${checkpoint.iteration} (${checkpoint.timesteps.toLocaleString('en-US')} steps), ${episodes} episode(s), ${explore ? 'sampled' : 'greedy'} actions`);
  const r = await evaluate(checkpoint, { episodes, explore, seed });
  const f = (x: number): string => x.toFixed(2);
  out(`return mean ${f(r.mean)}  std ${f(r.std)}  min ${f(r.min)}  max ${f(r.max)}  (episode length mean ${f(r.lengths.reduce((a, b) => a + b, 0) / r.lengths.length)})`);
  return 0;
}
