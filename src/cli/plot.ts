/**
 * `rlflow plot <run-dir>`: learning curves of a training run as an SVG, from the `progress.jsonl` that
 * `rlflow train` writes (one result dict per iteration): episode reward (mean, with the min–max band)
 * against env steps, and sampling throughput against wall time. Titled from the run's `config.json`
 * when it is there. Works on a run still in progress.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RlflowError } from '../ir/errors.js';
import { parse, UsageError } from './args.js';
import { renderChart, type Point } from './svg-chart.js';

export const plotHelp = `rlflow plot <run-dir> [--out file.svg]

Plots a training run's learning curves from <run-dir>/progress.jsonl (written by rlflow train) as an SVG:
episode reward (mean, min–max band) against env steps, and env steps/s against wall time.
  <run-dir>          the output directory of rlflow train (or its progress.jsonl)
  --out <file.svg>   where to write the chart (default <run-dir>/curves.svg)`;

/** progress.jsonl is missing, empty or malformed. */
export class ProgressFileError extends RlflowError {
  override name = 'ProgressFileError';
}

/** The fields of a result dict the plot uses (NaN where the JSON has null: no episode finished yet). */
export interface ProgressRow {
  readonly training_iteration: number;
  readonly timesteps_total: number;
  readonly time_total_s: number;
  readonly env_steps_per_s: number;
  readonly episode_reward_mean: number;
  readonly episode_reward_min: number;
  readonly episode_reward_max: number;
}

const REQUIRED = ['timesteps_total', 'time_total_s'] as const;
/** JSON writes NaN as null: these may be null (before the first finished episode). */
const NULLABLE = ['episode_reward_mean', 'episode_reward_min', 'episode_reward_max', 'env_steps_per_s'] as const;

const HINT = 'progress.jsonl has one JSON result dict per line, as rlflow train writes it';

function field(row: Record<string, unknown>, key: string, nullable: boolean, where: string): number {
  const v = row[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (nullable && (v === null || v === undefined)) return Number.NaN;
  throw new ProgressFileError(`${where}: '${key}' must be a number, got ${v === undefined ? 'nothing (the key is missing)' : JSON.stringify(v)}`, { hint: HINT });
}

/** Parses progress.jsonl text; errors name `file:line`. */
export function parseProgress(text: string, file: string): ProgressRow[] {
  const rows: ProgressRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new ProgressFileError(`${where}: not valid JSON (${(e as Error).message})`, { hint: HINT });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ProgressFileError(`${where}: expected a JSON object (a result dict), got ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`, { hint: HINT });
    const row = parsed as Record<string, unknown>;
    const get = (key: string, nullable: boolean): number => field(row, key, nullable, where);
    for (const key of REQUIRED) get(key, false);
    rows.push({
      training_iteration: typeof row['training_iteration'] === 'number' ? row['training_iteration'] : rows.length + 1,
      timesteps_total: get('timesteps_total', false),
      time_total_s: get('time_total_s', false),
      env_steps_per_s: get(NULLABLE[3], true),
      episode_reward_mean: get(NULLABLE[0], true),
      episode_reward_min: get(NULLABLE[1], true),
      episode_reward_max: get(NULLABLE[2], true),
    });
  });
  if (rows.length === 0) throw new ProgressFileError(`${file} is empty: no training iteration has finished yet`, { hint: 'rlflow train appends one line per finished iteration; plot again once the first one is there' });
  return rows;
}

/** Where the run's files are: `<run-dir>` or `<run-dir>/progress.jsonl`. */
function runFiles(target: string): { dir: string; progress: string } {
  const isFile = existsSync(target) && statSync(target).isFile();
  const dir = isFile ? path.dirname(target) : target;
  return { dir, progress: isFile ? target : path.join(dir, 'progress.jsonl') };
}

export function readProgress(file: string): ProgressRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ProgressFileError(missing ? `no progress file at ${file}` : `cannot read ${file}: ${(e as Error).message}`, {
      hint: 'pass the output directory of rlflow train (its --out; by default runs/<algo>-<env>-<time>)',
    });
  }
  return parseProgress(text, file);
}

/** Title parts from config.json (as rlflow train writes it), when present and readable. */
function runTitle(dir: string): string {
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { algorithm?: unknown; seed?: unknown; backend?: unknown; config?: { env?: unknown } };
    const algo = typeof config.algorithm === 'string' ? config.algorithm.toUpperCase() : undefined;
    const env = typeof config.config?.env === 'string' ? config.config.env : undefined;
    if (algo) {
      const extras = [typeof config.backend === 'string' ? `${config.backend} backend` : '', typeof config.seed === 'number' ? `seed ${config.seed}` : ''].filter(Boolean);
      return `${algo}${env ? ` on ${env}` : ''}${extras.length ? ` (${extras.join(', ')})` : ''}`;
    }
  } catch {
    // No (readable) config.json: the run directory names the chart.
  }
  return path.basename(path.resolve(dir));
}

/** The chart of a run's rows as SVG text. */
export function renderCurves(rows: readonly ProgressRow[], title: string, source: string): string {
  const steps = (y: (r: ProgressRow) => number): Point[] => rows.map((r) => ({ x: r.timesteps_total, y: y(r) }));
  const last = rows[rows.length - 1]!;
  const subtitle = `${source} · ${rows.length} iteration${rows.length === 1 ? '' : 's'} · ${Math.round(last.timesteps_total).toLocaleString('en-US')} env steps · ${last.time_total_s.toFixed(1)} s`;
  return renderChart({
    title,
    subtitle,
    panels: [
      {
        id: 'reward',
        title: 'Episode reward',
        xLabel: 'env steps (timesteps_total)',
        yLabel: 'episode reward',
        lines: [{ label: 'mean (episode_reward_mean)', color: '#1f77b4', points: steps((r) => r.episode_reward_mean) }],
        bands: [{ label: 'min–max', color: '#1f77b4', lower: steps((r) => r.episode_reward_min), upper: steps((r) => r.episode_reward_max) }],
        emptyMessage: 'no episode has finished yet',
      },
      {
        id: 'throughput',
        title: 'Sampling throughput',
        xLabel: 'wall time (time_total_s, s)',
        yLabel: 'env steps / s',
        lines: [{ label: 'env_steps_per_s', color: '#d62728', points: rows.map((r) => ({ x: r.time_total_s, y: r.env_steps_per_s })) }],
        yFromZero: true,
        emptyMessage: 'no throughput recorded',
      },
    ],
  });
}

export async function plot(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' } });
  const target = positionals[0];
  if (!target) throw new UsageError('name a run directory: rlflow plot <run-dir>');
  if (positionals.length > 1) throw new UsageError(`plot takes one run directory, got ${positionals.length}: ${positionals.join(' ')}`);
  const { dir, progress } = runFiles(target);
  const rows = readProgress(progress);
  const file = (values['out'] as string | undefined) ?? path.join(dir, 'curves.svg');
  writeFileSync(file, renderCurves(rows, runTitle(dir), path.basename(path.resolve(dir))));
  out(`wrote ${file} (${rows.length} iteration${rows.length === 1 ? '' : 's'})`);
  return 0;
}
