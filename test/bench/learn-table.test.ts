/**
 * `bench learn`'s outcome table: a required target reads pass or FAIL, a reported-only threshold (a tuned
 * example's `reports`) reads 'report' whether or not it was reached.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeTable, type TargetOutcome } from '../../bench/learn.js';
import { tableRows } from './smoke-helpers.js';

const outcome = (reward: number, steps: number | undefined, required: boolean): TargetOutcome => ({
  algorithm: 'sac',
  env: 'Pendulum-v1',
  target: { reward, timesteps: 10_000 },
  seed: 1,
  steps,
  seconds: steps === undefined ? undefined : 40,
  best: -250,
  pass: steps !== undefined,
  required,
});

describe('bench learn table', () => {
  test('required targets pass or FAIL; reported thresholds read report, reached or not', () => {
    const rows = tableRows(outcomeTable([outcome(-600, 6000, true), outcome(-200, undefined, false), outcome(-300, undefined, true), outcome(-250, 7000, false)])).slice(1);
    assert.deepEqual(
      rows.map((r) => [r[2], r[4], r[6]]),
      [
        ['-600 within 10k', '6,000', 'pass'],
        ['-200 within 10k', 'not reached (best -250)', 'report'],
        ['-300 within 10k', 'not reached (best -250)', 'FAIL'],
        ['-250 within 10k', '7,000', 'report'],
      ],
    );
  });
});
