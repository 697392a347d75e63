/**
 * `rlflow train --trace`: one tiny PPO iteration on the local backend writes a Chrome trace in which
 * every node of the plan train ran appears (driver nodes as pull spans, actor-side ones as the calls made
 * for them), both actor groups have tracks, and the learner step is a learnOnBatch call on learner[0].
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { algorithms, tunedExample } from '../../src/algorithms/index.js';
import { buildAlgorithmPlan } from '../../src/algorithms/build.js';
import { train } from '../../src/cli/train.js';
import type { ChromeTrace } from '../../src/runtime/trace.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-train-trace-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 1 worker × 2 envs × 16 steps: one 32-step train batch per iteration. */
const TINY = { numWorkers: 1, numEnvsPerWorker: 2, rolloutFragmentLength: 16, trainBatchSize: 32, sgdMinibatchSize: 16, numSgdIter: 2, hidden: [8] };

test('rlflow train --trace writes a trace in which every plan node and actor appears', async () => {
  const configFile = path.join(dir, 'tiny.json');
  writeFileSync(configFile, JSON.stringify(TINY));
  const traceFile = path.join(dir, 'trace.json');
  const lines: string[] = [];
  const args = ['ppo', '--backend', 'local', '--stop-iters', '1', '--config', configFile, '--out', path.join(dir, 'run'), '--trace', traceFile, '--quiet'];
  assert.equal(await train(args, (l) => lines.push(l), () => undefined), 0);
  assert.ok(lines.some((l) => new RegExp(`^wrote trace ${traceFile.replace(/[.]/g, '\\.')} \\([\\d,]+ events; open it in https://ui\\.perfetto\\.dev\\)$`).test(l)), lines.join('\n'));

  const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as ChromeTrace;
  assert.ok(Array.isArray(trace.traceEvents));
  for (const e of trace.traceEvents) {
    assert.ok(typeof e.name === 'string' && typeof e.ph === 'string' && Number.isFinite(e.ts) && Number.isFinite(e.pid) && Number.isFinite(e.tid), JSON.stringify(e));
    if (e.ph === 'X') assert.ok(e.dur! >= 0, JSON.stringify(e));
  }

  // The plan train ran: the same algorithm, config and default optimizer pipeline.
  const tuned = tunedExample('ppo', 'CartPole-v1');
  const ppo = algorithms['ppo']!;
  const { graph } = await buildAlgorithmPlan(ppo, ppo.config({ ...(tuned?.config ?? {}), ...TINY, env: 'CartPole-v1' }) as never);
  const planNodes = graph.mapNodes((_id, n) => ({ name: n.name, onDriver: n.placement.on === 'driver' }));
  assert.deepEqual(trace.metadata.nodes.map((n) => n.name).sort(), planNodes.map((n) => n.name).sort());

  const spans = trace.traceEvents.filter((e) => e.ph === 'X');
  for (const node of planNodes) {
    const seen = node.onDriver
      ? spans.some((e) => e.cat === 'pull' && e.name === node.name && e.args!['result'] === 'item')
      : spans.some((e) => e.cat === 'call' && e.args!['node'] === node.name);
    assert.ok(seen, `plan node '${node.name}' appears in the trace`);
  }

  const threads = new Map(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, String(e.args!['name'])]));
  assert.deepEqual([...trace.metadata.actors].sort(), ['learner[0]', 'workers[0]']);
  const learnerRuns = spans.filter((e) => threads.get(`${e.pid}:${e.tid}`) === 'learner[0]');
  assert.ok(learnerRuns.some((e) => e.name === 'learnOnBatch' && String(e.args!['node']).endsWith('callActor(learner.learnOnBatch)')), 'the learner step runs on learner[0]');
  assert.ok(spans.some((e) => threads.get(`${e.pid}:${e.tid}`) === 'workers[0]' && e.name.startsWith('$pull ')), 'the rollout worker samples');
});
