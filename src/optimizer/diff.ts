/**
 * Line diffs of stable IR dumps: what `explain` shows for each pass. Dumps are a few hundred lines at
 * most, so a plain LCS table is fast enough and gives the minimal diff.
 */

export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly line: string;
}

/** The minimal line diff turning `before` into `after`. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  // lcs[i][j]: length of the longest common subsequence of before[i..] and after[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      out.push({ op: ' ', line: before[i++]! });
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', line: before[i++]! });
    else out.push({ op: '+', line: after[j++]! });
  }
  while (i < n) out.push({ op: '-', line: before[i++]! });
  while (j < m) out.push({ op: '+', line: after[j++]! });
  return out;
}

/** A diff as text: changed lines with `context` unchanged lines around them, `…` for gaps. */
export function formatDiff(diff: readonly DiffLine[], context = 1): string {
  const keep = new Array<boolean>(diff.length).fill(false);
  diff.forEach((d, k) => {
    if (d.op === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(diff.length - 1, k + context); c++) keep[c] = true;
  });
  const lines: string[] = [];
  let skipped = false;
  diff.forEach((d, k) => {
    if (!keep[k]) {
      skipped = true;
      return;
    }
    if (skipped && lines.length) lines.push('  …');
    skipped = false;
    lines.push(`${d.op} ${d.line}`);
  });
  return lines.join('\n');
}
