/**
 * Plans as artifacts: every registered algorithm's optimized plan, saved as JSON and loaded back,
 * runs without its source and gives the same results as the plan it was saved from (local backend,
 * same seed), and the CLI does the same from a file: `rlflow inspect <algo> --format json --out f`,
 * then `rlflow train f` and `rlflow inspect f`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { algorithms, buildAlgorithmPlan } from '../../src/algorithms/index.js';
import { inspect } from '../../src/cli/inspect.js';
import { train } from '../../src/cli/train.js';
import { PlanError } from '../../src/ir/errors.js';
import type { PlanGraph } from '../../src/ir/graph.js';
import { graphFromJson, graphToJson } from '../../src/ir/json.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { run } from '../../src/runtime/runtime.js';

const SMALL = { numWorkers: 2, rolloutFragmentLength: 16, trainBatchSize: 32, hidden: [8], minIterTimeS: 0, metricsSmoothingEpisodes: 5 };
// SAC, DDPG and TD3 need a Box action space, and have their own network keys.
const OFF_POLICY_CONTINUOUS = { env: 'Pendulum-v1', numWorkers: 1, actorHidden: [8], criticHidden: [8], learningStarts: 32, trainBatchSize: 16, timestepsPerIteration: 32, minIterTimeS: 0, metricsSmoothingEpisodes: 5 };
const CONFIGS: Record<string, Record<string, unknown>> = {
  pg: SMALL,
  a2c: { ...SMALL, microbatchSize: 16 },
  a3c: SMALL,
  ppo: { ...SMALL, sgdMinibatchSize: 16, numSgdIter: 2 },
  impala: { ...SMALL, learnerQueueSize: 2 },
  appo: { ...SMALL, learnerQueueSize: 2, numSgdIter: 2 },
  simpleq: { ...SMALL, learningStarts: 64, timestepsPerIteration: 64 },
  dqn: { ...SMALL, learningStarts: 64, timestepsPerIteration: 64, nStep: 2 },
  apex: { ...SMALL, learningStarts: 64, bufferSize: 1000, numReplayBufferShards: 2, timestepsPerIteration: 0 },
  sac: { ...OFF_POLICY_CONTINUOUS },
  ddpg: { ...OFF_POLICY_CONTINUOUS, rolloutFragmentLength: 8 },
  td3: { ...OFF_POLICY_CONTINUOUS, rolloutFragmentLength: 8 },
  'ma-ppo': { ...SMALL, policies: ['p0', 'p1'], sgdMinibatchSize: 16, numSgdIter: 2 },
  'two-trainer': { numWorkers: 2, rolloutFragmentLength: 16, ppoTrainBatchSize: 32, sgdMinibatchSize: 16, numSgdIter: 2, learningStarts: 32, replayBatchSize: 8, hidden: [8], dqnHidden: [8], minIterTimeS: 0, metricsSmoothingEpisodes: 5 },
};
const ITERATIONS = 3;

/** A result without what depends on the wall clock (times, throughputs, timers, the async learner's busy fraction). */
function deterministic(r: ResultDict): unknown {
  const { time_this_iter_s: _a, time_total_s: _b, env_steps_per_s: _c, timers: _d, ...rest } = r;
  const { learner_busy_fraction: _e, ...info } = rest.info as Record<string, unknown>;
  return { ...rest, info };
}

async function results(graph: PlanGraph): Promise<unknown[]> {
  const rt = await run<ResultDict>(graph, { backend: 'local', seed: 7 });
  try {
    return (await rt.take(ITERATIONS)).map(deterministic);
  } finally {
    await rt.close();
  }
}

describe('plans saved as JSON', () => {
  test('every registered algorithm is covered', () => {
    assert.deepEqual(Object.keys(CONFIGS).sort(), Object.keys(algorithms).sort());
  });

  for (const name of Object.keys(algorithms)) {
    test(`${name}: the optimized plan and its JSON round trip give identical results`, async () => {
      const algorithm = algorithms[name]!;
      const { graph } = await buildAlgorithmPlan(algorithm, algorithm.config(CONFIGS[name]) as never, { name });
      const json = JSON.parse(JSON.stringify(graphToJson(graph))) as ReturnType<typeof graphToJson>;
      assert.ok(json.nodes.every((n) => n.stage?.type !== 'closure'), 'no closure stage: the JSON describes the whole plan');
      const direct = await results(graph);
      const reloaded = await results(graphFromJson(json));
      assert.equal(direct.length, ITERATIONS);
      assert.deepEqual(reloaded, direct);
      // The results carry the counters and learner stats, so equal results mean equal training.
      assert.ok((direct[ITERATIONS - 1] as { timesteps_total: number }).timesteps_total > 0);
    });
  }

  test('the CLI: inspect --format json --out, then train and inspect the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rlflow-plan-json-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify(CONFIGS['pg']));
    const file = path.join(dir, 'pg.json');
    assert.equal(await inspect(['pg', '--config', config, '--format', 'json', '--out', file], () => undefined, () => undefined), 0);
    const shown: string[] = [];
    assert.equal(await inspect([file], (t) => shown.push(t), () => undefined), 0);
    assert.match(shown[0]!, /scope trainOneStep\n {2}n\d+ "trainOneStep\/forEach\(stamp\)"/);
    const lines: string[] = [];
    assert.equal(await train([file, '--stop-iters', '2', '--backend', 'local', '--quiet'], (l) => lines.push(l)), 0);
    assert.deepEqual(lines.filter((l) => l.startsWith('iter')).length, 2, lines.join('\n'));
    assert.match(lines.at(-1)!, /done: 2 output\(s\)/);
  });

  test('a plan JSON with a closure, or that is not a plan, is a clear error naming the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rlflow-plan-json-'));
    const file = path.join(dir, 'closure.json');
    const { graph } = await buildAlgorithmPlan(algorithms['pg']!, algorithms['pg']!.config(SMALL) as never, { optimize: false });
    const json = graphToJson(graph);
    writeFileSync(file, JSON.stringify({ ...json, nodes: json.nodes.map((n) => (n.stage?.type === 'ref' && n.stage.ref.name === 'stamp' ? { ...n, stage: { type: 'closure', name: 'stamp' } } : n)) }));
    await assert.rejects(train([file, '--backend', 'local'], () => undefined), (e: unknown) => e instanceof PlanError && /closure\.json has 1 driver closure\(s\).*'trainOneStep\/forEach\(stamp\)'/.test(e.message));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    await assert.rejects(inspect([bad], () => undefined), (e: unknown) => e instanceof PlanError && /not an rlflow plan JSON document/.test(e.message));
  });
});
