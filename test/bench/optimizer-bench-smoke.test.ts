/**
 * Smoke test of `bench/optimizer.ts` in `--quick` mode: the fusion part runs an unoptimized and a fused
 * plan on the farm backend (one worker process each, started and closed), the vectorize part samples
 * PPO's rollout worker with tiny env counts under the unoptimized and the batch-optimized plan. No
 * timing is asserted: only the output's structure, that every rate is finite and positive, and what
 * does not depend on the machine: the segments and the round trips per item the call counter saw, and
 * the `vectorBatch` each plan hands the worker.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bench/optimizer.js';
import { expectedOutput } from '../../bench/fixtures-optimizer.js';
import { assertPositive, tableRows } from './smoke-helpers.js';



describe('bench optimizer', () => {
  test('--quick measures fused vs unoptimized and batched vs unbatched inference, and prints both tables', async () => {
    const lines: string[] = [];
    const exitCode = process.exitCode;
    const r = await main(['--quick', '--envs', '2,4', '--fragment', '3'], (line) => lines.push(line));
    const out = lines.join('\n');
    assert.match(out, /machine: nproc \d+/);
    assert.match(out, /tfjs backend: /);
    assert.ok(r.fusion && r.vectorize, 'both parts ran');

    const f = r.fusion;
    assert.equal(f.actors, 1);
    // fromActors + 4 stages, as written; one fused segment after the fuse pass.
    assert.equal(f.unoptimized.segments, 5);
    assert.equal(f.fused.segments, 1);
    // Counted calls: one $pull and up to four $apply per source item unfused; one $pull per output when fused.
    assert.ok(f.unoptimized.roundTripsPerItem > 4 && f.unoptimized.roundTripsPerItem < 7, `unoptimized round trips per item ${f.unoptimized.roundTripsPerItem}`);
    assert.ok(f.fused.roundTripsPerItem >= 0.25 && f.fused.roundTripsPerItem <= 1.5, `fused round trips per item ${f.fused.roundTripsPerItem}`);
    assert.ok(f.roundTripRatio > 2);
    for (const a of [f.unoptimized, f.fused]) {
      assertPositive(a.itemsPerS, `${a.name} items/s`);
      assertPositive(a.usPerItem, `${a.name} µs/item`);
      assert.equal(a.itemsPerS.values.length, 2, 'two reps in --quick mode');
    }
    assertPositive(f.speedup, 'fusion speedup');
    assert.match(out, /speedup fused \/ unoptimized items\/s: .* \(target ≥ 2: (met|NOT met)\)/);

    const v = r.vectorize;
    assert.equal(v.fragment, 3);
    assert.match(v.network, /^4-\d+(-\d+)* (tanh|relu), /);
    assert.deepEqual(
      v.rows.map((row) => [row.envs, row.stepsPerSample]),
      [
        [2, 6],
        [4, 12],
      ],
    );
    for (const row of v.rows) {
      // An unoptimized plan runs one forward per env copy; the batch pass picks 1..envs rows per forward.
      assert.equal(row.unoptimizedBatch, 1);
      assert.ok(Number.isInteger(row.optimizedBatch) && row.optimizedBatch! >= 1 && row.optimizedBatch! <= row.envs, `batch pass chose ${row.optimizedBatch}`);
      assertPositive(row.unoptimized, `${row.envs} envs unoptimized`);
      assertPositive(row.optimized, `${row.envs} envs optimized`);
      assertPositive(row.oneForward, `${row.envs} envs one forward`);
      assertPositive(row.ratio, `${row.envs} envs ratio`);
      assertPositive(row.ratioVsOneForward, `${row.envs} envs batch pass / one forward`);
    }

    assert.equal(r.tables.length, 2);
    const rows = tableRows(out);
    assert.equal(rows.length, 1 + 2 + 1 + 2, `two headers, 2 fusion rows, 2 vectorize rows:\n${out}`);
    assert.deepEqual(
      rows[0]!.slice(1),
      ['actor-side segments', 'round trips / item', 'µs / item (median [min–max])', 'items/s (median [min–max])'],
    );
    assert.deepEqual(
      rows[3]!.slice(1),
      ['vectorBatch unopt. → batch pass', 'unoptimized env steps/s', 'batch pass env steps/s', 'one forward over all envs, env steps/s', 'ratio (target)', 'batch pass / one forward'],
    );
    assert.match(rows[4]![0]!, /^2 envs per worker \(6 steps per sample\)$/);
    assert.match(rows[4]![1]!, /^1 → \d+$/);
    assert.match(out, /^targets: (all met|NOT met: .*)$/m);
    assert.equal(process.exitCode, exitCode, '--quick never fails the command');
  });

  test('--only selects parts; unknown parts, options and lists are rejected', async () => {
    const r = await main(['--quick', '--only', 'fusion', '--reps', '1'], () => undefined);
    assert.ok(r.fusion && !r.vectorize);
    assert.equal(r.tables.length, 1);
    await assert.rejects(main(['--quick', '--only', 'nope'], () => undefined), /unknown part 'nope'/);
    await assert.rejects(main(['--bogus'], () => undefined), /unknown option --bogus/);
    await assert.rejects(main(['--quick', '--envs', '4,x'], () => undefined), /--envs must be a positive integer, got 'x'/);
  });

  test('the fusion stages drop one source item in four and map the rest', () => {
    const outs = [0, 1, 2, 3, 4, 5, 6, 7].map(expectedOutput);
    // (x+1)·3 for x = 0..7 is 3, 6, 9, 12, 15, 18, 21, 24: the multiples of 4 are dropped.
    assert.deepEqual(outs, [1.5, 3, 4.5, undefined, 7.5, 9, 10.5, undefined]);
  });
});
