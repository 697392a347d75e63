/**
 * The algorithms' configs and plans: each zod schema fills RLlib 1.8's defaults (spec §4.1, §4.2),
 * validation errors name the key, each plan compiles to a verified graph whose nodes point at the
 * algorithm's own file, plans stay within RLlib's plan sizes (spec §3.2), and the tuned examples are
 * valid configs for registered environments.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { a2c, a3c, algorithms, appo, impala, pg, ppo, tunedExample, tunedExamples } from '../../src/algorithms/index.js';
import { compile } from '../../src/dsl/compile.js';
import { dumpGraph } from '../../src/ir/dump.js';
import { PlanError } from '../../src/ir/errors.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { listEnvs, listMultiAgentEnvs } from '../../src/rl/envs/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Keys of COMMON_CONFIG (spec §4.1) with RLlib's defaults; per algorithm, the overrides of §4.2. */
const COMMON = {
  env: 'CartPole-v1',
  envConfig: {},
  numWorkers: 2,
  numEnvsPerWorker: 1,
  rolloutFragmentLength: 200,
  trainBatchSize: 200,
  gamma: 0.99,
  lr: 1e-4,
  hidden: [256, 256],
  activation: 'tanh',
  vfShareLayers: true,
  observationFilter: 'NoFilter',
  explore: true,
  timestepsPerIteration: 0,
  minIterTimeS: 0,
  metricsSmoothingEpisodes: 100,
  // Fault handling (RLlib: recreate_failed_workers=False, ignore_worker_failures=False); rlflow's own deadlines.
  maxActorRestarts: 0,
  ignoreWorkerFailures: false,
  heartbeatTimeoutS: 60,
  learnDeadlineS: 1800,
  numericChecks: 'cheap',
};

describe('config defaults (RLlib 1.8)', () => {
  test('PPO', () => {
    const c = ppo.config({});
    assert.deepEqual(c, {
      ...COMMON,
      trainBatchSize: 4000,
      sgdMinibatchSize: 128,
      numSgdIter: 30,
      lr: 5e-5,
      lambda: 1,
      useGae: true,
      clipParam: 0.3,
      vfClipParam: 10,
      vfLossCoeff: 1,
      entropyCoeff: 0,
      klCoeff: 0.2,
      klTarget: 0.01,
      vfShareLayers: false,
    });
    assert.equal(c.gradClip, undefined, 'PPO: grad_clip None');
  });

  test('A2C', () => {
    const c = a2c.config({});
    assert.deepEqual(c, { ...COMMON, rolloutFragmentLength: 20, minIterTimeS: 10, gradClip: 40, lambda: 1, useGae: true, vfLossCoeff: 0.5, entropyCoeff: 0.01 });
    assert.equal(c.microbatchSize, undefined, 'A2C: microbatch_size None');
  });

  test('A3C', () => {
    assert.deepEqual(a3c.config({}), { ...COMMON, rolloutFragmentLength: 10, minIterTimeS: 5, gradClip: 40, lambda: 1, useGae: true, vfLossCoeff: 0.5, entropyCoeff: 0.01 });
  });

  // RLlib's IMPALA: vtrace (ρ̄ = ρ̄_pg = 1), fragment 50, batch 500, min_iter_time_s 10, 2 workers,
  // minibatch_buffer_size 1, num_sgd_iter 1, learner_queue_size 16, 2 requests in flight, broadcast_interval 1,
  // grad_clip 40, lr 5e-4, vf_loss_coeff 0.5, entropy_coeff 0.01.
  const IMPALA = {
    ...COMMON,
    rolloutFragmentLength: 50,
    trainBatchSize: 500,
    minIterTimeS: 10,
    lr: 5e-4,
    gradClip: 40,
    vtraceClipRhoThreshold: 1,
    vtraceClipPgRhoThreshold: 1,
    vfLossCoeff: 0.5,
    entropyCoeff: 0.01,
    numSgdIter: 1,
    minibatchBufferSize: 1,
    learnerQueueSize: 16,
    maxSampleRequestsInFlightPerWorker: 2,
    broadcastInterval: 1,
    freeLogStd: false,
  };

  test('IMPALA', () => {
    assert.deepEqual(impala.config({}), IMPALA);
  });

  test('APPO (IMPALA + vtrace, use_critic, use_gae, lambda 1, clip_param 0.4, use_kl_loss off, kl_coeff 1, kl_target 0.01)', () => {
    assert.deepEqual(appo.config({}), { ...IMPALA, vtrace: true, useCritic: true, useGae: true, lambda: 1, clipParam: 0.4, useKlLoss: false, klCoeff: 1, klTarget: 0.01 });
  });

  test('IMPALA/APPO freeLogStd reaches the policy of the workers and the learner (a trained log-std, not a network output)', async () => {
    for (const freeLogStd of [false, true]) {
      const plan = await compile(appo.plan(appo.config({ env: 'Pendulum-v1', freeLogStd })), { name: `appo-free-log-std-${freeLogStd}` });
      const groups = plan.graph.getAttribute('actorGroups');
      for (const name of ['workers', 'learner']) {
        const policy = (groups[name]!.args[0] as { policy: { freeLogStd?: boolean } }).policy;
        assert.equal(policy.freeLogStd === true, freeLogStd, `${name}: freeLogStd ${freeLogStd}`);
      }
    }
  });

  test('PG (RLlib: num_workers 0, i.e. sampling on the driver; here one worker actor)', () => {
    assert.deepEqual(pg.config({}), { ...COMMON, numWorkers: 1, lr: 4e-4 });
  });

  test('given keys override the defaults; undefined input means all defaults', () => {
    const c = ppo.config({ lr: 3e-4, hidden: [32], numSgdIter: 6, observationFilter: 'MeanStdFilter' });
    assert.equal(c.lr, 3e-4);
    assert.deepEqual(c.hidden, [32]);
    assert.equal(c.numSgdIter, 6);
    assert.equal(c.observationFilter, 'MeanStdFilter');
    assert.equal(c.sgdMinibatchSize, 128);
    assert.deepEqual(ppo.config(undefined), ppo.config({}));
    assert.equal(a2c.config({ microbatchSize: 40 }).microbatchSize, 40);
  });

  test('SimpleQ, DQN and Ape-X defaults (spec §4.2)', () => {
    const simpleq = algorithms['simpleq']!.config({}) as Record<string, unknown>;
    assert.deepEqual([simpleq['bufferSize'], simpleq['learningStarts'], simpleq['targetNetworkUpdateFreq'], simpleq['lr'], simpleq['rolloutFragmentLength'], simpleq['trainBatchSize'], simpleq['finalEpsilon'], simpleq['epsilonTimesteps']], [50_000, 1000, 500, 5e-4, 4, 32, 0.02, 10_000]);
    const dqn = algorithms['dqn']!.config({}) as Record<string, unknown>;
    assert.deepEqual([dqn['dueling'], dqn['doubleQ'], dqn['nStep'], dqn['prioritizedReplay'], dqn['prioritizedReplayAlpha'], dqn['prioritizedReplayBeta'], dqn['hidden']], [true, true, 1, true, 0.6, 0.4, [256]]);
    const apex = algorithms['apex']!.config({}) as Record<string, unknown>;
    assert.deepEqual([apex['nStep'], apex['numWorkers'], apex['bufferSize'], apex['learningStarts'], apex['trainBatchSize'], apex['rolloutFragmentLength'], apex['targetNetworkUpdateFreq'], apex['maxWeightSyncDelay'], apex['numReplayBufferShards']], [3, 32, 2_000_000, 50_000, 512, 50, 500_000, 400, 4]);
  });

  test('the registry lists every algorithm', () => {
    assert.deepEqual(Object.keys(algorithms).sort(), ['a2c', 'a3c', 'apex', 'appo', 'ddpg', 'dqn', 'impala', 'ma-ppo', 'pg', 'ppo', 'sac', 'simpleq', 'td3', 'two-trainer']);
    for (const [name, algo] of Object.entries(algorithms)) assert.equal(algo.name, name);
  });
});

describe('config validation', () => {
  /** Asserts that `input` is rejected with a PlanError whose message matches every pattern. */
  function rejects(algo: { config(input?: unknown): unknown }, input: unknown, ...patterns: RegExp[]): void {
    assert.throws(
      () => algo.config(input),
      (e: unknown) => {
        assert.ok(e instanceof PlanError, `a PlanError, got ${String(e)}`);
        for (const p of patterns) assert.match(e.message, p);
        return true;
      },
    );
  }

  test('an unknown key is named', () => {
    rejects(ppo, { sgdMinibatchSiz: 64 }, /invalid ppo config/, /unknown key\(s\) 'sgdMinibatchSiz'/);
    rejects(pg, { clipParam: 0.2 }, /unknown key\(s\) 'clipParam'/); // PPO keys are not PG keys
    rejects(a3c, { microbatchSize: 10 }, /unknown key\(s\) 'microbatchSize'/);
  });

  test('a wrong type is named', () => {
    rejects(ppo, { lr: '0.001' }, /'lr'/);
    rejects(a2c, { useGae: 'yes' }, /'useGae'/);
    rejects(ppo, { hidden: 64 }, /'hidden'/);
    rejects(ppo, { observationFilter: 'ZFilter' }, /'observationFilter'/);
  });

  test('out-of-range values are named', () => {
    rejects(ppo, { numWorkers: -1 }, /'numWorkers'/);
    rejects(ppo, { numWorkers: 0 }, /'numWorkers'/);
    rejects(ppo, { trainBatchSize: 10.5 }, /'trainBatchSize'/);
    rejects(a2c, { gamma: 1.5 }, /'gamma'/);
    rejects(ppo, { lr: 0 }, /'lr'/);
    rejects(ppo, { clipParam: -0.2 }, /'clipParam'/);
    rejects(ppo, { hidden: [64, 0] }, /'hidden\.1'/);
  });

  test('several problems are all named, with a hint to the docs', () => {
    assert.throws(
      () => ppo.config({ lr: -1, bogus: true }),
      (e: unknown) => e instanceof PlanError && /'lr'/.test(e.message) && /'bogus'/.test(e.message) && /docs\/algorithms\/ppo\.md/.test(e.hint ?? ''),
    );
  });
});

/** A small config for compiling plans: the plan's shape does not depend on sizes. */
const SMALL = { numWorkers: 2, rolloutFragmentLength: 8, trainBatchSize: 32, hidden: [8] };

/** Non-blank, non-comment lines of `export function <name>(…) {…}` in `file`, without lone closing braces. */
function planLines(file: string, name: string): number {
  const text = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const start = text.findIndex((l) => l.startsWith(`export function ${name}(`));
  assert.ok(start >= 0, `${name} in ${file}`);
  const end = text.findIndex((l, i) => i > start && l === '}');
  return text.slice(start, end).filter((l) => l.trim() !== '' && !l.trim().startsWith('//')).length;
}

describe('plans', () => {
  const cases = [
    { name: 'pg', config: pg.config(SMALL), kinds: ['from-actors', 'batch-across-shards', 'combine', 'call-actor', 'call-actors', 'filter', 'for-each'], methods: ['learner.learnOnBatch', 'workers.setWeights'] },
    { name: 'a2c', config: a2c.config(SMALL), kinds: ['from-actors', 'batch-across-shards', 'combine', 'call-actor', 'call-actors', 'filter'], methods: ['learner.learnOnBatch', 'workers.setWeights'] },
    {
      name: 'a2c',
      variant: 'microbatch',
      config: a2c.config({ ...SMALL, microbatchSize: 16 }),
      kinds: ['from-actors', 'batch-across-shards', 'combine', 'call-actor', 'batch', 'call-actors'],
      methods: ['learner.computeGradients', 'learner.applyGradients', 'workers.setWeights'],
    },
    { name: 'a3c', config: a3c.config(SMALL), kinds: ['from-actors', 'gather-async', 'call-actor', 'call-source-actor', 'filter'], methods: ['learner.applyGradients', 'callSourceActor(setWeights)'] },
    { name: 'ppo', config: ppo.config({ ...SMALL, sgdMinibatchSize: 16 }), kinds: ['from-actors', 'batch-across-shards', 'combine', 'call-actor', 'call-actors', 'filter'], methods: ['learner.learnOnBatch', 'workers.setWeights', 'learner.updateKl', 'standardizeFields'] },
  ] as const;

  for (const c of cases) {
    const label = 'variant' in c ? `${c.name} (${c.variant})` : c.name;
    test(`${label}: compiles to a verified graph whose nodes point into src/algorithms/${c.name}.ts`, async () => {
      const algo = algorithms[c.name]!;
      const plan = await compile(algo.plan(c.config as never), { name: label });
      assert.deepEqual(verifyGraph(plan.graph), []);
      const dump = dumpGraph(plan.graph, { root: ROOT });
      for (const kind of c.kinds) assert.ok(dump.includes(`= rlflow/${kind}@1(`) || dump.includes(`= rlflow/${kind}@1()`), `${label}: a ${kind} node`);
      for (const method of c.methods) assert.ok(dump.includes(method), `${label}: ${method}`);
      const nodes = dump.split('\n').filter((l) => /^\s*n\d+ /.test(l));
      assert.ok(nodes.length >= 8, `${nodes.length} nodes`);
      // Data-only: no closure anywhere in a built-in algorithm's plan.
      assert.doesNotMatch(dump, /closure\(/, 'every driver stage is a stage reference with plain-data args');
      for (const line of nodes) assert.match(line, new RegExp(`# src/algorithms/${c.name}\\.ts:\\d+:\\d+$`), 'the node points at the plan line, not at library code');
      // The groups: rollout workers with envs, and a learner (one worker without envs).
      assert.match(dump, /group learner = src\/rl\/rollout-worker\.ts#RolloutWorker x1 .*\n( {2}args.*\n)* {2}args\[0\]\.numEnvs = 0\n/);
      assert.match(dump, /group workers = src\/rl\/rollout-worker\.ts#RolloutWorker x2 .*\n( {2}args.*\n)* {2}args\[0\]\.numEnvs = 1\n/);
    });
  }

  test('the microbatch variant averages ⌈trainBatchSize / microbatchSize⌉ gradients per update', async () => {
    const plan = await compile(a2c.plan(a2c.config({ ...SMALL, trainBatchSize: 50, microbatchSize: 16 })), { name: 'a2c-mb' });
    assert.match(dumpGraph(plan.graph), /"batch\(4\)" = rlflow\/batch@1/);
    assert.match(dumpGraph(plan.graph), /forEach\(averageGradients\)/);
  });

  test('the worker config carries the algorithm settings (PG: no critic, no GAE)', async () => {
    const dump = dumpGraph((await compile(pg.plan(pg.config(SMALL)), { name: 'pg' })).graph);
    assert.match(dump, /args\[0\]\.useCritic = false/);
    assert.match(dump, /args\[0\]\.useGae = false/);
    assert.match(dump, /args\[0\]\.policy\.loss = \{"kind":"pg"\}/);
    const ppoDump = dumpGraph((await compile(ppo.plan(ppo.config({ ...SMALL, clipParam: 0.2 })), { name: 'ppo' })).graph);
    assert.match(ppoDump, /args\[0\]\.policy\.loss = \{"clipParam":0\.2,"entropyCoeff":0,"kind":"ppo","klCoeff":0\.2,"klTarget":0\.01,"vfClipParam":10,"vfLossCoeff":1\}/);
  });

  for (const [name, fn, rllib] of [
    ['pg', 'pgPlan', 21],
    ['a2c', 'a2cPlan', 33],
    ['a3c', 'a3cPlan', 5],
    ['ppo', 'ppoPlan', 30],
  ] as const) {
    test(`${name}: the plan function is at most as long as RLlib's (${rllib} lines, spec §3.2)`, () => {
      const lines = planLines(`src/algorithms/${name}.ts`, fn);
      assert.ok(lines <= rllib, `${fn}: ${lines} lines > ${rllib}`);
    });
  }
});

describe('tuned examples', () => {
  test('every tuned example is a valid config of its algorithm, for a registered env', () => {
    const examples = tunedExamples();
    assert.ok(examples.length >= 4);
    const envs = listEnvs();
    for (const { algorithm, env, example } of examples) {
      const algo = algorithms[algorithm];
      assert.ok(algo, `algorithm ${algorithm}`);
      assert.ok(envs.includes(env) || listMultiAgentEnvs().includes(env), `env ${env} is registered`);
      const config = algo.config({ ...example.config, env }) as Record<string, unknown>;
      assert.equal(config['env'], env);
      for (const [key, value] of Object.entries(example.config)) assert.deepEqual(config[key], value, `${algorithm}/${env}: ${key}`);
    }
  });

  test('one per algorithm on CartPole-v1, and PPO on Pendulum-v1', () => {
    for (const algorithm of ['pg', 'a2c', 'a3c', 'ppo', 'simpleq', 'dqn', 'apex']) assert.ok(tunedExample(algorithm, 'CartPole-v1'), `${algorithm} on CartPole-v1`);
    assert.ok(tunedExample('ppo', 'Pendulum-v1'));
    assert.equal(tunedExample('ppo', 'NoSuchEnv-v0'), undefined);
  });

  test('PPO examples: the train batch is a whole number of rounds of all workers × envs × fragment', () => {
    for (const env of ['CartPole-v1', 'Pendulum-v1']) {
      const c = ppo.config({ ...tunedExample('ppo', env)!.config, env });
      assert.equal(c.trainBatchSize % (c.numWorkers * c.numEnvsPerWorker * c.rolloutFragmentLength), 0, env);
    }
  });
});
