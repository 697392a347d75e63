/**
 * `rlflow train`: a tiny PPO run on CartPole-v1 on the local backend prints iteration lines and a
 * summary and writes progress.jsonl, checkpoint.json and config.json; bad input is a usage error (or a
 * config error naming the key) before anything runs.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { main } from '../../src/cli/main.js';
import { train } from '../../src/cli/train.js';
import { PlanError } from '../../src/ir/errors.js';
import { makeEnv } from '../../src/rl/envs/index.js';
import { createActorCriticPolicy } from '../../src/rl/policy/index.js';
import type { WorkerState } from '../../src/rl/worker-api.js';
import { readCheckpoint } from '../../src/trainer/checkpoint.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-train-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A PPO config small enough for CI: 1 worker × 2 envs × 16 steps = one 32-step train batch per iteration. */
const TINY = { numWorkers: 1, numEnvsPerWorker: 2, rolloutFragmentLength: 16, trainBatchSize: 32, sgdMinibatchSize: 16, numSgdIter: 2, hidden: [8] };

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

async function runTrain(args: string[]): Promise<{ code: number; lines: string[]; status: string[] }> {
  const lines: string[] = [];
  const status: string[] = [];
  const code = await train(args, (l) => lines.push(l), (s) => status.push(s));
  return { code, lines, status };
}

const RESULT_KEYS = [
  'episode_reward_mean',
  'episode_reward_min',
  'episode_reward_max',
  'episode_len_mean',
  'episodes_this_iter',
  'episodes_total',
  'timesteps_total',
  'training_iteration',
  'time_this_iter_s',
  'time_total_s',
  'timers',
  'info',
  'hist_stats',
];

describe('rlflow train', () => {
  test('PPO on CartPole-v1 (local): iteration lines, summary, progress.jsonl, checkpoint.json, config.json', async () => {
    const out = path.join(dir, 'run');
    const config = writeJson('tiny.json', TINY);
    const args = ['ppo', '--env', 'CartPole-v1', '--backend', 'local', '--seed', '5', '--stop-iters', '2', '--config', config, '--out', out];
    const { code, lines } = await runTrain(args);
    assert.equal(code, 0);

    assert.match(lines[0]!, /^rlflow train ppo on CartPole-v1: 1 worker\(s\) × 2 env\(s\), backend local, seed 5 \(tuned example\)/);
    assert.match(lines[1]!, /or 2 iterations; output in /);
    const iters = lines.filter((l) => l.startsWith('iter '));
    assert.equal(iters.length, 2);
    assert.match(iters[0]!, /^iter\s+1\s+steps\s+32\s+reward\s+\S+ \(min \S+, max \S+\)\s+len \S+\s+[\d,]+ steps\/s/);
    assert.match(iters[1]!, /^iter\s+2\s+steps\s+64\s/);
    assert.ok(lines.includes('done: reached 2 iterations'), lines.join('\n'));
    assert.ok(lines.some((l) => /^ {2}iterations 2, env steps 64, wall time [\d.]+ s/.test(l)));
    assert.ok(lines.some((l) => /^ {2}final reward mean \S+, best \S+, target 475: not reached/.test(l)));
    assert.ok(lines.some((l) => l.includes(`wrote ${path.join(out, 'progress.jsonl')}`)));

    // progress.jsonl: one result dict (spec §5) per iteration.
    const progress = readFileSync(path.join(out, 'progress.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(progress.length, 2);
    progress.forEach((r, k) => {
      for (const key of RESULT_KEYS) assert.ok(key in r, `progress line ${k + 1} has '${key}'`);
      assert.equal(r['training_iteration'], k + 1);
      assert.equal(r['timesteps_total'], 32 * (k + 1));
      const info = r['info'] as Record<string, unknown>;
      assert.equal(info['num_steps_trained'], 32 * (k + 1));
      const stats = (info['learner'] as { default_policy: { learner_stats: Record<string, number> } }).default_policy.learner_stats;
      for (const stat of ['total_loss', 'policy_loss', 'vf_loss', 'kl', 'entropy', 'cur_kl_coeff', 'cur_lr']) assert.equal(typeof stats[stat], 'number', `learner stat ${stat}`);
      const timers = r['timers'] as Record<string, number>;
      for (const timer of ['sample_time_ms', 'learn_time_ms', 'update_time_ms']) assert.equal(typeof timers[timer], 'number', timer);
    });

    // config.json: the resolved config (tuned example ← --config) and the run's settings.
    const saved = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as { algorithm: string; seed: number; backend: string; stop: Record<string, unknown>; config: Record<string, unknown> };
    assert.equal(saved.algorithm, 'ppo');
    assert.equal(saved.seed, 5);
    assert.equal(saved.backend, 'local');
    assert.deepEqual(saved.stop, { reward: 475, timesteps: 200_000, iterations: 2 });
    for (const [key, value] of Object.entries(TINY)) assert.deepEqual(saved.config[key], value, `config ${key} from --config`);
    assert.equal(saved.config['observationFilter'], 'MeanStdFilter', 'from the tuned example');
    assert.equal(saved.config['clipParam'], 0.2, 'from the tuned example');
    assert.equal(saved.config['klTarget'], 0.01, 'a default');

    // checkpoint.json (versioned): every actor's state and the driver's, typed arrays as tagged arrays.
    const ckpt = readCheckpoint(out);
    assert.equal(ckpt.format, 'rlflow-checkpoint');
    assert.equal(ckpt.version, 1);
    assert.equal(ckpt.algorithm, 'ppo');
    assert.equal(ckpt.env, 'CartPole-v1');
    assert.equal(ckpt.timesteps, 64);
    assert.equal(ckpt.iteration, 2);
    assert.equal(ckpt.driver.metrics.counters['num_steps_sampled'], 64);
    assert.equal(ckpt.driver.metrics.counters['num_steps_trained'], 64);
    const learner = ckpt.actors['learner']![0] as WorkerState;
    const worker = ckpt.actors['workers']![0] as WorkerState;
    const env = makeEnv('CartPole-v1');
    const policy = await createActorCriticPolicy(env.observationSpace, env.actionSpace, {
      hidden: [8],
      activation: 'tanh',
      vfShareLayers: false,
      lr: 1e-3,
      gradClip: undefined,
      loss: { kind: 'ppo', clipParam: 0.2, vfClipParam: 10, vfLossCoeff: 0.5, entropyCoeff: 0, klCoeff: 0.2, klTarget: 0.01 },
    }, 0);
    try {
      const expected = policy.getWeights().map((w) => w.length);
      const weights = learner.policy.weights;
      assert.ok(weights.every((w) => w instanceof Float32Array), 'weights come back as Float32Arrays');
      assert.deepEqual(weights.map((w) => w.length), expected, 'one array per weight, of the right length');
      for (const w of weights) assert.ok(w.every(Number.isFinite));
      const total = expected.reduce((a, b) => a + b, 0);
      assert.deepEqual(learner.policy.optimizer.map((o) => o.length), [total, total], 'Adam m and v');
    } finally {
      policy.dispose();
    }
    assert.equal(typeof learner.policy.extra['klCoeff'], 'number');
    assert.equal(learner.policy.extra['adamStep'], 2 * 2 * 2, '2 iterations × 2 epochs × 2 minibatches');
    // The observation filter that normalized the samples (MeanStdFilter, from the tuned example): a
    // rollout worker's, which saw 2 initial observations and one per step; its arrays are JSON arrays.
    const filter = worker.filter as { kind: string; dim: number; rs: { n: number; mean: Float64Array } };
    assert.equal(filter.kind, 'MeanStdFilter');
    assert.equal(filter.dim, 4);
    assert.equal(filter.rs.n, 2 + 64);
    assert.ok(filter.rs.mean instanceof Float64Array);
    assert.match(readFileSync(path.join(out, 'checkpoint.json'), 'utf8'), /"mean":\{"\$typed":"Float64Array","values":\[/);
    assert.deepEqual(worker.globalVars, { timestep: 64 }, 'env steps sampled at the last weight broadcast');
    // progress.csv: one row per iteration, flattened keys.
    const csv = readFileSync(path.join(out, 'progress.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 3);
    assert.ok(csv[0]!.split(',').includes('timers/sample_time_ms'), csv[0]);
    assert.ok(csv[0]!.split(',').includes('timesteps_this_iter'));
    assert.deepEqual(progress.map((r) => r['timesteps_this_iter']), [32, 32], 'timesteps_this_iter: env steps sampled in the iteration');

    // The local backend is deterministic: the same seed gives the same learning curve.
    const again = path.join(dir, 'run-again');
    await runTrain(args.map((a) => (a === out ? again : a)));
    const strip = (r: Record<string, unknown>) => [r['timesteps_total'], r['episode_reward_mean'], r['episodes_total'], (r['info'] as Record<string, unknown>)['learner']];
    const progress2 = readFileSync(path.join(again, 'progress.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(progress2.map(strip), progress.map(strip));
  });

  test('resume: a run stopped at iteration 2 and resumed to 4 is bit-identical to an uninterrupted one (local)', async () => {
    const config = writeJson('resume.json', TINY);
    const base = ['ppo', '--env', 'CartPole-v1', '--backend', 'local', '--seed', '3', '--config', config, '--stop-reward', '1e9', '--quiet'];
    const full = path.join(dir, 'full');
    const part = path.join(dir, 'part');
    assert.equal((await runTrain([...base, '--out', full, '--stop-iters', '4'])).code, 0);
    assert.equal((await runTrain([...base, '--out', part, '--stop-iters', '2'])).code, 0);
    // Reusing a run directory is refused without --resume or --force.
    await assert.rejects(runTrain([...base, '--out', part, '--stop-iters', '4']), (e: unknown) => e instanceof UsageError && /--resume .*--force/.test(e.message));
    const resumed = await runTrain(['--resume', part, '--stop-iters', '4', '--quiet']);
    assert.equal(resumed.code, 0);
    assert.ok(resumed.lines.some((l) => /resumed from .* at iteration 2/.test(l)), resumed.lines.join('\n'));
    const a = readCheckpoint(full);
    const b = readCheckpoint(part);
    assert.equal(b.iteration, 4);
    assert.deepEqual(b.actors, a.actors, 'every actor state (weights, optimizer, filters, RNG, envs) identical');
    assert.deepEqual(b.driver.metrics.counters, a.driver.metrics.counters);
    const rows = (d: string) => readFileSync(path.join(d, 'progress.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const strip = (r: Record<string, unknown>) => [r['training_iteration'], r['timesteps_total'], r['episode_reward_mean'], r['episodes_total'], (r['info'] as Record<string, unknown>)['learner']];
    assert.deepEqual(rows(part).map(strip), rows(full).map(strip));
  });

  test('multi-agent algorithms train from the CLI: their env is checked as a multi-agent env (ma-ppo, two-trainer, local)', async () => {
    for (const algorithm of ['ma-ppo', 'two-trainer']) {
      const out = path.join(dir, `run-${algorithm}`);
      const config = writeJson(`tiny-${algorithm}.json`, algorithm === 'ma-ppo' ? TINY : { numWorkers: 1, rolloutFragmentLength: 16, hidden: [8] });
      const { code, lines } = await runTrain([algorithm, '--env', 'MultiAgentCartPole', '--backend', 'local', '--stop-iters', '1', '--config', config, '--out', out]);
      assert.equal(code, 0, lines.join('\n'));
      assert.equal(lines.filter((l) => l.startsWith('iter ')).length, 1, lines.join('\n'));
    }
    // An unknown id is looked up among the multi-agent envs, and the error lists them.
    await assert.rejects(runTrain(['ma-ppo', '--env', 'MultiAgentCartPol', '--backend', 'local', '--out', path.join(dir, 'ma-bad')]), (e: unknown) => e instanceof PlanError && /MultiAgentCartPol.*MultiAgentCartPole/s.test(e.message));
  });

  test('usage errors: unknown algorithm, missing algorithm, bad options', async () => {
    await assert.rejects(runTrain(['nope', '--out', dir]), (e: unknown) => e instanceof UsageError && /unknown algorithm 'nope'; available: pg, a2c, a3c, ppo, impala, appo, simpleq, dqn, apex, sac, ddpg, td3, ma-ppo, two-trainer/.test(e.message));
    await assert.rejects(runTrain(['--env', 'CartPole-v1']), (e: unknown) => e instanceof UsageError && /name an algorithm/.test(e.message));
    await assert.rejects(runTrain(['ppo', '--backend', 'gpu']), (e: unknown) => e instanceof UsageError && /--backend must be one of local, farm/.test(e.message));
    await assert.rejects(runTrain(['ppo', '--stop-iters', '0']), (e: unknown) => e instanceof UsageError && /--stop-iters must be an integer >= 1/.test(e.message));
    await assert.rejects(runTrain(['ppo', '--stop-reward', 'high']), (e: unknown) => e instanceof UsageError && /--stop-reward must be a number/.test(e.message));
    await assert.rejects(runTrain(['ppo', '--nope']), UsageError);
  });

  test('a bad --config file is a usage error naming the file', async () => {
    const missing = path.join(dir, 'missing.json');
    await assert.rejects(runTrain(['ppo', '--config', missing]), (e: unknown) => e instanceof UsageError && e.message.includes(`cannot read ${missing}`));
    const broken = writeJson('broken.json', '{ "lr": ');
    await assert.rejects(runTrain(['ppo', '--config', broken]), (e: unknown) => e instanceof UsageError && e.message.includes(`${broken} is not a valid config`));
    const list = writeJson('list.json', [1, 2]);
    await assert.rejects(runTrain(['ppo', '--config', list]), (e: unknown) => e instanceof UsageError && /expected a JSON object of config keys/.test(e.message));
  });

  test('an invalid config key is an error naming the key; nothing is written', async () => {
    const out = path.join(dir, 'never');
    const unknown = writeJson('unknown-key.json', { sgdMinibatchSiz: 64 });
    await assert.rejects(runTrain(['ppo', '--config', unknown, '--out', out]), (e: unknown) => e instanceof PlanError && /unknown key 'sgdMinibatchSiz' \(did you mean 'sgdMinibatchSize'\?\)/.test(e.message));
    const negative = writeJson('negative.json', { numSgdIter: -3 });
    await assert.rejects(runTrain(['ppo', '--config', negative, '--out', out]), (e: unknown) => e instanceof PlanError && /'numSgdIter'/.test(e.message));
    await assert.rejects(runTrain(['a2c', '--workers', '0', '--out', out]), (e: unknown) => e instanceof UsageError && /--workers must be an integer >= 1/.test(e.message));
    assert.equal(existsSync(out), false);
  });

  test('main: a config error exits 1 with the message, a usage error exits 2 with the help', async (t) => {
    const errors: string[] = [];
    t.mock.method(console, 'error', (msg: string) => errors.push(msg));
    const bad = writeJson('bad-lr.json', { lr: 'fast' });
    assert.equal(await main(['train', 'ppo', '--config', bad]), 1);
    assert.match(errors.at(-1)!, /^rlflow train: PlanError: invalid ppo config: 'lr'/);
    assert.equal(await main(['train', 'nope-algo']), 2);
    assert.match(errors.at(-1)!, /unknown algorithm 'nope-algo'[\s\S]*rlflow train <algo \| plan-file> --env <id>/);
  });
});
