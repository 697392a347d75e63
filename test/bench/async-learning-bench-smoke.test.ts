/**
 * Smoke test of `bench/async-learning.ts`: one short round of each algorithm on the local backend
 * prints a table with a finite positive rate per algorithm, the ratios to PPO, and a busy fraction in
 * (0, 1] for the async learners (none for PPO, which has no learner loop). No timing is asserted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bench/async-learning.js';

describe('bench async-learning', () => {
  test('one local round: rates, ratios and busy fractions', async () => {
    const lines: string[] = [];
    const stats = await main(['--reps', '1', '--steps', '2000', '--backend', 'local'], (l) => lines.push(l));
    const rows = lines.join('\n').split('\n').filter((l) => l.startsWith('| ppo') || l.startsWith('| appo') || l.startsWith('| impala'));
    assert.equal(rows.length, 3, lines.join('\n'));
    for (const a of ['ppo', 'appo', 'impala'] as const) {
      assert.equal(stats[a].length, 1);
      assert.ok(Number.isFinite(stats[a][0]!.stepsPerS) && stats[a][0]!.stepsPerS > 0, a);
    }
    assert.equal(stats.ppo[0]!.busy, undefined);
    for (const a of ['appo', 'impala'] as const) {
      const busy = stats[a][0]!.busy!;
      assert.ok(busy > 0 && busy <= 1, `${a} busy ${busy}`);
    }
  });
});
