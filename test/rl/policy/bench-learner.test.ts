/**
 * Smoke test of `npm run bench -- learner --quick`: it runs end to end and prints its table and
 * ratios. No timing is asserted; only that every number is finite and positive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../../bench/learner.js';

test('bench learner --quick prints four rows and three finite ratios', async () => {
  const lines: string[] = [];
  const result = await main(['--quick'], (line) => lines.push(line));
  const out = lines.join('\n');
  assert.match(out, /tfjs backend: /);
  const rows = out.split('\n').filter((l) => l.startsWith('|'));
  assert.equal(rows.length, 2 + 4, out);
  assert.match(rows[2]!, /rlflow policy, gradients 'manual'/);
  assert.match(rows[3]!, /hand-written TF\.js step/);
  for (const line of ['rlflow / hand-written', 'built-in / customGrad', 'customGrad / manual']) assert.match(out, new RegExp(`ratio ${line} time: [\\d.]+ \\[`));
  for (const s of [result.rlflow, result.handWritten, result.custom, result.builtin, result.ratioVsHandWritten, result.builtinOverCustom, result.customOverManual]) {
    for (const x of [s.median, s.min, s.max]) assert.ok(Number.isFinite(x) && x > 0);
  }
});
