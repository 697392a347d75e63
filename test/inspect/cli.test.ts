/**
 * `rlflow inspect`: algorithms and plan files in every format, the optimizer flags, --out, and clear
 * usage errors (bad format naming the choices, unknown algorithm, flags that do not apply).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../src/cli/args.js';
import { inspect } from '../../src/cli/inspect.js';
import type { InspectJson } from '../../src/inspect/index.js';

const PLAN_FILE = fileURLToPath(new URL('../fixtures/plan-files/counter-plan.ts', import.meta.url));
const FAST = ['--passes', 'cleanup,fuse'];

async function run(args: string[]): Promise<string> {
  const printed: string[] = [];
  assert.equal(await inspect(args, (t) => printed.push(t), () => undefined), 0);
  assert.equal(printed.length, 1);
  return printed[0]!;
}

describe('rlflow inspect', () => {
  test('text (default): the optimized plan dump; --explain adds each pass with its diff', async () => {
    const text = await run(['ppo', ...FAST]);
    assert.match(text, /^plan "ppo-CartPole-v1" schema=1\ngroup learner = /);
    // PPO's composites are scopes, and its hyperparameters show as the params of its stages.
    assert.match(text, /^scope trainOneStep\n( {2}.*\n)* {2}n\d+ "trainOneStep\/callActor\(learner\.learnOnBatch\)" = rlflow\/call-actor@1.*#learnOnBatchArgs\[\{"numSgdIter":\d+,"sgdMinibatchSize":\d+\}\]/m);
    assert.match(text, /"combine\(concatBatches\)" = .*\[\{"countStepsBy":"env_steps","minBatchSize":\d+\}\]/);
    assert.match(text, /^scope updateKL$/m);
    assert.match(text, /^scope standardMetricsReporting\n( {2}.*\n)* {2}n\d+ .*collectMetrics\[\{"metricsSmoothingEpisodes":\d+,"workers":"workers"\}\]/m);
    assert.match(text, /^ {2}args\[0\]\.policy\.loss = \{.*"klTarget":0\.01/m);
    assert.doesNotMatch(text, /closure\(/);
    assert.ok(text.split('\n').every((l) => l.length <= 400), 'no overlong lines (they were up to 900 characters)');
    assert.doesNotMatch(text, /optimizer pipeline/);
    const explained = await run([PLAN_FILE, ...FAST, '--explain']);
    assert.match(explained, /optimizer pipeline: cleanup → fuse/);
    assert.match(explained, /== fuse: 6 node\(s\) changed/);
    assert.match(explained, /^ {3}\+ n\d+ "fused\(/m);
    // Matched by id: the diff lists only the nodes the pass changed, no unchanged context.
    const fuseDiff = explained.slice(explained.indexOf('== fuse')).split('\n== ')[0]!.split('\n').filter((l) => /^ {3}[-+] /.test(l));
    assert.ok(fuseDiff.every((l) => /^ {3}[-+] (n\d+ |outputs)/.test(l)), fuseDiff.join('\n'));
  });

  test('dot for ppo: a cluster per actor group, driver stages, typed edges', async () => {
    const dot = await run(['ppo', ...FAST, '--format', 'dot']);
    assert.match(dot, /^digraph "ppo-CartPole-v1" \{/);
    assert.match(dot, /subgraph "cluster_workers" \{\n {4}label="workers ×2 · cpu · local";/);
    assert.match(dot, /subgraph "cluster_learner" \{\n {4}label="learner ×1 · cpu · local";/);
    assert.match(dot, /"n\d+" -> "n\d+" \[label="SampleBatch\[\]"\]/);
    assert.match(dot, /-> "actors:learner" \[label="learnOnBatch\(\)", style=dashed/);
  });

  test('--env and --config configure the algorithm like rlflow train does', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rlflow-inspect-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ numWorkers: 3 }));
    const mermaid = await run(['pg', '--env', 'Pendulum-v1', '--config', config, ...FAST, '--format', 'mermaid']);
    assert.match(mermaid, /^flowchart TB\n/);
    assert.match(mermaid, /subgraph group_workers\["workers ×3 · cpu · local"\]/);
    const text = await run(['pg', '--env', 'Pendulum-v1', ...FAST]);
    assert.match(text, /^plan "pg-Pendulum-v1"/);
  });

  test('a plan file, as json with --out: both graphs and the report; --no-optimize keeps the plan as compiled', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rlflow-inspect-'));
    const out = path.join(dir, 'nested', 'plan.json');
    assert.equal(await run([PLAN_FILE, ...FAST, '--format', 'json', '--out', out]), out);
    const json = JSON.parse(readFileSync(out, 'utf8')) as InspectJson;
    assert.equal(json.name, 'counter-plan');
    assert.equal(json.original.nodes.length, 5);
    assert.deepEqual(json.optimized.nodes.map((n) => n.kind).sort(), ['rlflow/fused@1', 'rlflow/gather-sync@1']);
    assert.deepEqual(json.report.pipeline, ['cleanup', 'fuse']);

    const plain = JSON.parse(await run([PLAN_FILE, '--no-optimize', '--format', 'json'])) as InspectJson;
    assert.deepEqual(plain.optimized, plain.original);
    assert.deepEqual(plain.report.pipeline, []);
  });

  test('html: one page embedding both graphs', async () => {
    const html = await run([PLAN_FILE, ...FAST, '--format', 'html']);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<script type="application\/json" id="inspect-data">/);
    assert.match(html, /"kind":"rlflow\/fused@1"/);
  });

  test('usage errors name the problem', async () => {
    await assert.rejects(inspect(['ppo', '--format', 'svg']), (e: unknown) => e instanceof UsageError && /--format must be one of text, json, dot, mermaid, html, got 'svg'/.test(e.message));
    await assert.rejects(inspect(['nope']), (e: unknown) => e instanceof UsageError && /unknown algorithm 'nope'; available: .*ppo/.test(e.message));
    await assert.rejects(inspect([]), (e: unknown) => e instanceof UsageError && /name an algorithm or a plan file/.test(e.message));
    await assert.rejects(inspect([PLAN_FILE, '--env', 'CartPole-v1']), (e: unknown) => e instanceof UsageError && /--env configures a built-in algorithm/.test(e.message));
    await assert.rejects(inspect(['ppo', '--passes', 'fuse', '--no-optimize']), (e: unknown) => e instanceof UsageError && /contradict/.test(e.message));
    await assert.rejects(inspect(['./no-such-plan.ts']), /plan file \.\/no-such-plan\.ts does not exist/);
  });

  test('the rlflow command dispatches inspect and lists it in --help', () => {
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(main)}).then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); })`], { encoding: 'utf8' });
    const help = cli('--help');
    assert.match(help.stdout, /^ {2}inspect {3}/m);
    const bad = cli('inspect', 'ppo', '--format', 'png');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /rlflow inspect: --format must be one of text, json, dot, mermaid, html, got 'png'/);
    assert.match(bad.stderr, /rlflow inspect <algo \| plan-file>/);
  });
});
