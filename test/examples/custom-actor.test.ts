/**
 * Runs the custom-actor example (examples/custom-actor/plan.ts) end to end: it compiles the plan, runs
 * it on the local and the farm backend, and asserts inside `main()` that both give the same rounds.
 * Here we check the rounds themselves: numbered from 1, the best guess never gets worse, and the
 * search ends near its target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../examples/custom-actor/plan.js';

test('the custom-actor example runs on local and farm with equal results', async () => {
  const lines: string[] = [];
  const rounds = await main({ rounds: 6, log: (line) => lines.push(line) });

  assert.deepEqual(rounds.map((r) => r.round), [1, 2, 3, 4, 5, 6]);
  for (let i = 1; i < rounds.length; i++) assert.ok(rounds[i]!.best.reward >= rounds[i - 1]!.best.reward, `round ${i + 1} got worse`);
  assert.ok(Math.abs(rounds.at(-1)!.best.guess - 7) < 1, `ends near the target 7, got ${rounds.at(-1)!.best.guess}`);
  assert.ok(lines.some((l) => l.startsWith('plan "random-search"')), 'prints the IR dump');
  assert.ok(lines.some((l) => l.includes('stage=examples/custom-actor/actors.ts#clampGuess[-100,100]')), 'the dump shows the bound stage reference');
});
