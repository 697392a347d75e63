/**
 * Smoke test of the fault soak (bench/soak.ts): three PPO iterations with a worker killed after every
 * one. No reward target (it runs seconds, not minutes): only that kills led to restarts, the RSS table
 * covers the driver and every actor, and the numbers are finite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main as soak } from '../../bench/soak.js';

test('soak --iterations 3 --kill-every 1: workers are killed and recreated, RSS is sampled per process', async () => {
  const lines: string[] = [];
  const exitCode = process.exitCode;
  try {
    const r = await soak(['--minutes', '10', '--iterations', '3', '--kill-every', '1', '--seed', '2', '--quiet'], (l) => lines.push(l));
    assert.equal(r.iterations, 3);
    assert.ok(r.kills >= 1);
    assert.ok(r.restarts >= 1 && r.restarts <= r.kills, `restarts ${r.restarts} for ${r.kills} kills`);
    assert.deepEqual([...r.rss.keys()].sort(), ['driver', 'learner[0]', 'workers[0]', 'workers[1]']);
    for (const [name, series] of r.rss) assert.ok(series.some((x) => Number.isFinite(x) && x > 10), `${name}: ${series.join(' ')}`);
    const out = lines.join('\n');
    assert.match(out, /RSS \(MiB\) of every process over time/);
    assert.match(out, /\| iterations \| env steps \| kills \| restarts \| lost calls \|/);
  } finally {
    process.exitCode = exitCode;
  }
});
