/**
 * `rlflow train`'s optimizer flags and plan files: --explain prints each pass's IR diff, --passes picks
 * the pipeline, --no-optimize runs the plan as compiled, and a plan file runs a user's plan.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { train } from '../../src/cli/train.js';
import { passes } from '../../src/cli/passes.js';
import { UsageError } from '../../src/cli/args.js';
import { StaticCheckError } from '../../src/check/index.js';

const PLAN_FILE = fileURLToPath(new URL('../fixtures/plan-files/counter-plan.ts', import.meta.url));
const PLUGIN = fileURLToPath(new URL('../fixtures/plan-files/plugin-pass.ts', import.meta.url));
const BAD_PLAN_FILE = fileURLToPath(new URL('../fixtures/check/bad-captured.ts', import.meta.url));

async function runTrain(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  assert.equal(await train(args, (l) => lines.push(l), () => undefined), 0);
  return lines;
}

const OUTPUTS = ['output 1: 0', 'output 2: 4000', 'output 3: 4', 'output 4: 4004', 'output 5: 8', 'output 6: 4008'];

describe('rlflow train: optimizer flags and plan files', () => {
  test('a plan file runs, optimized, with the same outputs as unoptimized', async () => {
    const optimized = await runTrain([PLAN_FILE, '--backend', 'local', '--passes', 'cleanup,fuse']);
    assert.match(optimized[0]!, /^rlflow train .*counter-plan\.ts: plan 'counter-plan' \(5 nodes\), backend local/);
    assert.match(optimized[1]!, /^optimizer: cleanup \(no change\) → fuse \(6 node\(s\)\); --explain shows what and why$/);
    assert.deepEqual(optimized.filter((l) => l.startsWith('output ')), OUTPUTS);
    assert.equal(optimized.at(-1), 'done: 6 output(s)');

    const plain = await runTrain([PLAN_FILE, '--backend', 'local', '--no-optimize']);
    assert.equal(plain[1], 'optimizer: off (--no-optimize): the plan runs exactly as compiled');
    assert.deepEqual(plain.filter((l) => l.startsWith('output ')), OUTPUTS);
  });

  test('--explain prints each pass with its notes and IR diff', async () => {
    const lines = await runTrain([PLAN_FILE, '--backend', 'local', '--passes', 'cleanup,fuse', '--explain', '--verify', '--stop-iters', '1']);
    const text = lines.join('\n');
    assert.match(text, /optimizer pipeline: cleanup → fuse/);
    assert.match(text, /== fuse: 6 node\(s\) changed \(\+1 −4 ~1\); [\d.]+ ms, verified/);
    assert.match(text, /· n\d+: fused 4 stages on 'counters' into n\d+: .*\(3 fewer round trips per pull\)/);
    assert.match(text, /^ {3}- n1 "counters\/forEach\(double\)" = rlflow\/for-each@1\(n0\)/m);
    assert.match(text, /^ {3}\+ n\d+ "fused\(counters\/fromActors \+ counters\/forEach\(double\) \+ counters\/filter\(isEven\) \+ counters\/forEach\(double\)#2\)" = rlflow\/fused@1\(\)/m);
    assert.deepEqual(lines.filter((l) => l.startsWith('output ')), OUTPUTS.slice(0, 1));
  });

  test('a plan file whose stage captures a variable fails the static check before any worker starts', async () => {
    await assert.rejects(runTrain([BAD_PLAN_FILE, '--backend', 'local']), (e: unknown) => {
      assert.ok(e instanceof StaticCheckError, String(e));
      assert.match(e.message, /bad-captured\.ts:\d+:\d+: captured-variable: .*\(identifier 'k'\)/);
      return true;
    });
  });

  test('--plugin loads a module that registers a pass; rlflow passes lists it with its contract', async () => {
    const lines = await runTrain([PLAN_FILE, '--backend', 'local', '--plugin', PLUGIN, '--passes', 'cleanup,count-nodes', '--explain', '--stop-iters', '1']);
    assert.match(lines.join('\n'), /== count-nodes: no change; [\d.]+ ms[\s\S]*· the plan has 5 nodes/);
    const listed: string[] = [];
    assert.equal(await passes(['--plugin', PLUGIN], (l) => listed.push(l)), 0);
    assert.equal(listed[0], 'default pipeline: cleanup,fuse,place,batch');
    const text = listed.join('\n');
    for (const name of ['batch', 'cleanup', 'count-nodes', 'fuse', 'place']) assert.match(text, new RegExp(`^${name} +\\S`, 'm'));
    assert.match(text, /^fuse +fuses consecutive actor-side stages[^\n]*\n +\(idempotent; provides fused; preserves placed, batched\)$/m);
    assert.match(text, /^cleanup[^\n]*\n +\(idempotent; fixed point; preserves fused, placed, batched\)$/m);
    await assert.rejects(runTrain([PLAN_FILE, '--plugin', './nope.ts']), /pass plugin \.\/nope\.ts does not exist/);
  });

  test('bad flags and files are clear errors', async () => {
    await assert.rejects(runTrain([PLAN_FILE, '--passes', 'fuse', '--no-optimize']), (e: unknown) => e instanceof UsageError && /contradict/.test(e.message));
    await assert.rejects(runTrain([PLAN_FILE, '--backend', 'local', '--passes', 'fuse,nope']), /unknown pass 'nope'[\s\S]*registered passes: .*cleanup.*fuse/);
    const foreign = fileURLToPath(new URL('../fixtures/plan-files/foreign-stream.ts', import.meta.url));
    await assert.rejects(runTrain([foreign, '--skip-check']), /builds its plan with another copy of rlflow[\s\S]*import the DSL from 'rlflow'/);
    await assert.rejects(runTrain(['./no-such-plan.ts']), /no such plan file: .*no-such-plan\.ts/);
    await assert.rejects(runTrain(['./no-such-plan.ts', '--skip-check']), /plan file \.\/no-such-plan\.ts does not exist/);
  });
});
