/**
 * Smoke test of the benchmark harness: `bench/runtime.ts` runs end to end (a farm worker and a raw
 * fork child, both started and closed) and prints its table. No timing is asserted; only that the
 * table has the requested rows and that every number in them is finite and positive.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bench/runtime.js';
import { markdownTable, measureInterleaved, parseOptions, ratio, summarize } from '../../bench/lib.js';

/** The numbers in a `median [min–max]` cell (thin-space-grouped thousands allowed). */
function numbersIn(cell: string): number[] {
  const m = /^([\d. e+-]+) \[([\d. e+-]+)–([\d. e+-]+)\]$/.exec(cell.trim());
  assert.ok(m, `cell '${cell}' is not 'median [min–max]'`);
  return [m[1]!, m[2]!, m[3]!].map((s) => Number(s.replace(/ /g, '')));
}

describe('bench runtime', () => {
  test('--quick --only rtt prints one row with finite positive rates and ratio', async () => {
    const lines: string[] = [];
    const result = await main(['--quick', '--only', 'rtt'], (line) => lines.push(line));
    const out = lines.join('\n');

    assert.match(out, /machine: nproc \d+/);
    assert.match(out, /node v\d+/);
    assert.match(out, /pin: none/);

    const tableLines = out.split('\n').filter((l) => l.startsWith('|'));
    assert.equal(tableLines.length, 3, `header, separator and one row expected:\n${out}`);
    assert.deepEqual(
      tableLines[0]!.split('|').slice(1, -1).map((c) => c.trim()),
      ['metric', 'farm (median [min–max])', 'raw fork+send (median [min–max])', 'ratio farm/raw'],
    );
    const cells = tableLines[2]!.split('|').slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 4);
    assert.match(cells[0]!, /^round trips\/s, 1 in flight/);
    for (const cell of cells.slice(1)) {
      for (const x of numbersIn(cell)) assert.ok(Number.isFinite(x) && x > 0, `'${cell}' has a non-positive or non-finite number`);
    }

    assert.deepEqual(
      result.rows.map((r) => r.id),
      ['rtt'],
    );
    const row = result.rows[0]!;
    for (const s of [row.farm, row.raw, row.ratio]) {
      assert.equal(s.values.length, 2, 'two reps in --quick mode');
      for (const x of [s.median, s.min, s.max, ...s.values]) assert.ok(Number.isFinite(x) && x > 0);
      assert.ok(s.min <= s.max);
    }
    assert.equal(result.table, tableLines.join('\n'));
  });

  test('rejects unknown metrics and options', async () => {
    await assert.rejects(main(['--quick', '--only', 'nope'], () => undefined), /unknown metric 'nope'/);
    await assert.rejects(main(['--bogus'], () => undefined), /unknown option --bogus/);
    await assert.rejects(main(['--pin', 'left'], () => undefined), /--pin must be split, same or none/);
  });
});

describe('bench lib', () => {
  test('measureInterleaved alternates reps and calibrates iterations', async () => {
    const order: string[] = [];
    const alt = (name: string) => ({
      name,
      run: async (n: number) => {
        order.push(`${name}:${n}`);
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    const [a, b] = await measureInterleaved([alt('a'), alt('b')], { reps: 3, repMs: 4, warmupIters: 1, maxIters: 8 });
    assert.equal(a!.name, 'a');
    assert.equal(b!.name, 'b');
    assert.equal(a!.perIterMs.values.length, 3);
    // After each one's warm-up and calibration, the measured reps alternate a, b, a, b, a, b.
    const measured = order.slice(-6).map((s) => s.split(':')[0]);
    assert.deepEqual(measured, ['a', 'b', 'a', 'b', 'a', 'b']);
    assert.ok(a!.iters >= 1 && a!.iters <= 8);
  });

  test('summaries, paired ratios, tables and option parsing', () => {
    const s = summarize([3, 1, 2, 10]);
    assert.deepEqual([s.median, s.min, s.max], [2.5, 1, 10]);
    const r = ratio(summarize([2, 4, 6]), summarize([1, 4, 2]));
    assert.equal(r.median, 4 / 2);
    assert.deepEqual([r.min, r.max], [1, 3]);
    assert.equal(markdownTable(['a', 'b'], [['1', 'x|y']]), '| a | b |\n| --- | --- |\n| 1 | x\\|y |');
    const o = parseOptions(['--quick', '--only=rtt,e2e', '--pin', 'split'], { flags: ['quick'], values: ['only', 'pin'] });
    assert.ok(o.flags.has('quick'));
    assert.equal(o.values.get('only'), 'rtt,e2e');
    assert.equal(o.values.get('pin'), 'split');
    assert.throws(() => parseOptions(['--pin'], { flags: [], values: ['pin'] }), /needs a value/);
  });
});
