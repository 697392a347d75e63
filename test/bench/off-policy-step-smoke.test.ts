/**
 * Smoke test of `bench/off-policy-step.ts` in `--quick` mode on DDPG's Pendulum example: the learner
 * alone and the whole plan on both backends (a rollout worker and a learner process on the farm) each
 * give a finite, positive rate, and the table has the row. No timing is asserted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bench/off-policy-step.js';
import { tableRows } from './smoke-helpers.js';

describe('bench off-policy-step', () => {
  test('--quick measures the learner and the plan on the local and farm backends', async () => {
    const lines: string[] = [];
    const rows = await main(['--quick', '--algo', 'ddpg', '--env', 'Pendulum-v1'], (line) => lines.push(line));
    assert.equal(rows.length, 1);
    const r = rows[0]!;
    assert.deepEqual([r.algorithm, r.env, r.batch], ['ddpg', 'Pendulum-v1', 64]);
    for (const [what, x] of [['learner', r.learner], ['local', r.local], ['farm', r.farm]] as const) assert.ok(x !== undefined && Number.isFinite(x) && x > 0, `${what}: ${x}`);
    const out = lines.join('\n');
    assert.equal(tableRows(out).length, 1 + 1, out);
  });

  test('rejects an unknown backend and a filter that matches no off-policy example', async () => {
    await assert.rejects(main(['--quick', '--backends', 'nats']), /--backends takes local and\/or farm/);
    await assert.rejects(main(['--quick', '--algo', 'ppo']), /no off-policy tuned example/);
  });
});
