/**
 * The plan-size table of `rlflow loc` and docs/loc.md, as aligned text or Markdown. Kept apart from
 * loc.ts (which needs ts-morph) so formatting is cheap to import and to test.
 */
import type { PlanSize } from './loc.js';

export type LocFormat = 'text' | 'md';

const HEADER = ['algorithm', 'rlflow plan', 'lines', 'RLlib 1.8.0 plan', 'lines', 'RLlib / rlflow'] as const;

function ratio(rllib: number | undefined, ours: number): string {
  return rllib === undefined || ours === 0 ? '—' : `${(rllib / ours).toFixed(1)}×`;
}

/** Rows of cells: one per algorithm, then a total over the algorithms RLlib has a plan for. */
function rows(sizes: readonly PlanSize[], format: LocFormat): string[][] {
  const code = (s: string) => (format === 'md' ? `\`${s}\`` : s);
  const body = sizes.map((s) => [s.algorithm, code(`${s.file}:${s.planFunction}`), String(s.lines), s.rllib ? code(s.rllib.plan) : '—', s.rllib ? String(s.rllib.lines) : '—', ratio(s.rllib?.lines, s.lines)]);
  const compared = sizes.filter((s) => s.rllib);
  if (compared.length > 1) {
    const ours = compared.reduce((n, s) => n + s.lines, 0);
    const theirs = compared.reduce((n, s) => n + (s.rllib?.lines ?? 0), 0);
    const label = format === 'md' ? '**total**' : 'total';
    body.push([label, `${compared.length} plans`, String(ours), `${compared.length} plans`, String(theirs), ratio(theirs, ours)]);
  }
  return body;
}

export function formatLocTable(sizes: readonly PlanSize[], format: LocFormat = 'text'): string {
  const table = [[...HEADER], ...rows(sizes, format)];
  if (format === 'md') {
    const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
    const align = HEADER.map((_, i) => (i === 2 || i === 4 || i === 5 ? '--:' : '---'));
    return [line(table[0]!), line(align), ...table.slice(1).map(line)].join('\n');
  }
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const numeric = new Set([2, 4, 5]);
  return table.map((r) => r.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
