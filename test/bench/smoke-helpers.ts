/** Checks the benchmark smoke tests share: every number of a summary is sane; a printed Markdown table's rows. */
import assert from 'node:assert/strict';
import type { Summary } from '../../bench/lib.js';

export function assertPositive(s: Summary, what: string): void {
  for (const x of [s.median, s.min, s.max, ...s.values]) assert.ok(Number.isFinite(x) && x > 0, `${what}: ${x} is not a finite positive number`);
  assert.ok(s.min <= s.median && s.median <= s.max, `${what}: median outside [min, max]`);
}

/** The cells of every row of the Markdown tables in `out` (header rows included, separator rows not). */
export function tableRows(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('|') && !l.startsWith('| ---'))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}
