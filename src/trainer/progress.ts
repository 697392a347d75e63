/**
 * A run's logs, one row per iteration: `progress.jsonl` (the whole result dict per line) and
 * `progress.csv` (the same with nested keys flattened to `a/b/c` columns, for spreadsheets, pandas and
 * plotting tools; arrays such as `hist_stats` stay in the JSONL only). The CSV's header is the union
 * of every row's keys: when a later row brings a new key, the file is rewritten with the wider header.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `{ a: { b: 1 } }` → `{ 'a/b': 1 }`; arrays and non-finite-able values other than numbers, strings and booleans are dropped. */
export function flattenResult(value: Readonly<Record<string, unknown>>, prefix = '', out: Record<string, number | string | boolean> = {}): Record<string, number | string | boolean> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}/${k}` : k;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[key] = v;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) flattenResult(v as Record<string, unknown>, key, out);
  }
  return out;
}

function csvCell(v: number | string | boolean | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes progress.jsonl and progress.csv in a run directory. */
export class ProgressWriter {
  readonly jsonlFile: string;
  readonly csvFile: string;
  private readonly rows: Array<Record<string, number | string | boolean>> = [];
  private columns: string[] = [];

  /**
   * Starts the logs in `dir`. With `keepIterations`, a resumed run keeps the rows of iterations up to
   * that one (the checkpoint's) and drops later ones, which the resumed run computes again.
   */
  constructor(dir: string, keepIterations?: number) {
    this.jsonlFile = path.join(dir, 'progress.jsonl');
    this.csvFile = path.join(dir, 'progress.csv');
    const kept: Array<Record<string, unknown>> = [];
    if (keepIterations !== undefined && existsSync(this.jsonlFile)) {
      for (const line of readFileSync(this.jsonlFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const row = JSON.parse(line) as Record<string, unknown>;
        if (typeof row['training_iteration'] === 'number' && row['training_iteration'] <= keepIterations) kept.push(row);
      }
    }
    writeFileSync(this.jsonlFile, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    for (const r of kept) this.rows.push(flattenResult(r));
    this.rewriteCsv();
  }

  /** Appends one iteration's result to both files. */
  append(result: Readonly<Record<string, unknown>>): void {
    appendFileSync(this.jsonlFile, JSON.stringify(result) + '\n');
    const row = flattenResult(result);
    this.rows.push(row);
    const fresh = Object.keys(row).filter((k) => !this.columns.includes(k));
    if (fresh.length) this.rewriteCsv();
    else appendFileSync(this.csvFile, this.columns.map((c) => csvCell(row[c])).join(',') + '\n');
  }

  private rewriteCsv(): void {
    const seen = new Set<string>();
    for (const r of this.rows) for (const k of Object.keys(r)) seen.add(k);
    this.columns = [...seen];
    const lines = this.columns.length ? [this.columns.map((c) => csvCell(c)).join(',')] : [];
    for (const r of this.rows) lines.push(this.columns.map((c) => csvCell(r[c])).join(','));
    writeFileSync(this.csvFile, lines.map((l) => l + '\n').join(''));
  }
}
