/**
 * Smoke test of `bench/sac-learner.ts` in `--quick` mode: both sizes are measured for rlflow's SAC step
 * and the hand-written TF.js step, every number is finite and positive, and the table has both rows.
 * No timing is asserted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bench/sac-learner.js';
import { assertPositive, tableRows } from './smoke-helpers.js';

describe('bench sac-learner', () => {
  test('--quick measures the full step and the fixed cost, rlflow and hand-written', async () => {
    const lines: string[] = [];
    const r = await main(['--quick'], (line) => lines.push(line));
    for (const row of [r.full, r.fixed]) {
      assertPositive(row.rlflow, 'rlflow ms');
      assertPositive(row.handWritten, 'hand-written ms');
      assertPositive(row.ratio, 'ratio');
      assertPositive(row.updatesPerSecond, 'updates/s');
    }
    const out = lines.join('\n');
    assert.equal(tableRows(out).length, 1 + 2, out);
    assert.match(out, /ratio rlflow \/ hand-written \(full step\): .* \(goal ≤ 1\.1\)/);
  });
});
