/**
 * Smoke test of `npm run bench -- nats`: a nats-server, two node processes, the raw responder and a farm
 * worker all start and stop, and the table has every row with finite positive rates and ratios. No
 * timing is asserted.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { main } from '../../bench/nats.js';
import { natsUnavailable } from '../fixtures/nats-cluster.js';
import { tableRows } from './smoke-helpers.js';

describe('bench nats', { skip: natsUnavailable() }, () => {
  test('--quick prints every row with finite positive numbers', { timeout: 300_000 }, async () => {
    const lines: string[] = [];
    await main(['--quick', '--ppo-iters', '2', '--apex-iters', '1'], (line) => lines.push(line));
    const out = lines.join('\n');
    for (const actor of ['learner[0]', 'workers[0]', 'workers[1]']) assert.match(out, new RegExp(`ppo on nats: .*${actor.replace(/[[\]]/g, '\\$&')}@n[01]`));
    for (const actor of ['learner[0]', 'workers[2]', 'replay[1]']) assert.match(out, new RegExp(`apex on nats: .*${actor.replace(/[[\]]/g, '\\$&')}@n[01]`));
    const rows = tableRows(out);
    assert.deepEqual(rows[0], ['metric', 'nats backend', 'farm', 'raw NATS client', 'nats / farm', 'nats / raw']);
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]!.replace(/ \(.*$/, '').replace(/,.*$/, '')),
      ['round trips/s', 'driver→actor Float32Array 256 KiB', 'actor→driver Float32Array 256 KiB', 'PPO CartPole env steps/s', 'Ape-X CartPole env steps/s'],
    );
    for (const row of rows.slice(1)) {
      for (const cell of row.slice(1)) {
        if (cell === '–') continue;
        const nums = cell.replace(/ /g, '').match(/[\d.e+-]+/g)!.map(Number);
        for (const x of nums) assert.ok(Number.isFinite(x) && x > 0, `${row[0]}: '${cell}'`);
      }
    }
  });
});
