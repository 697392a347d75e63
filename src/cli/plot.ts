/**
 * `rlflow plot <run-dir> [<run-dir> …]`: learning curves of training runs as an SVG, from the
 * `progress.jsonl` that `rlflow train` writes (one result dict per iteration): episode reward (mean,
 * with the min–max band for a single run, and the target reward as a dashed line) against env steps,
 * and sampling throughput against wall time. Titled from the runs' `config.json` when it is there.
 * Works on a run still in progress.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RlflowError } from '../ir/errors.js';
import { parse, UsageError } from './args.js';
import { renderChart, type Point } from './svg-chart.js';

export const plotHelp = `rlflow plot <run-dir> [<run-dir> …] [--out file.svg] [--target r]

Plots training runs' learning curves from <run-dir>/progress.jsonl (written by rlflow train) as an SVG:
episode reward (mean; the min–max band for a single run) against env steps with the target reward as a
dashed line, and env steps/s against wall time. Several runs are drawn together, one color each.
  <run-dir>          the output directory of rlflow train (or its progress.jsonl); repeat to compare runs
  --out <file.svg>   where to write the chart (default <run-dir>/curves.svg, or compare.svg for several runs)
  --target <r>       the target reward line (default: the runs' --stop-reward from config.json, when they agree)`;

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

/** One run to draw: its rows and its name in the legend. */
export interface PlotRun {
  readonly name: string;
  readonly rows: readonly ProgressRow[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** The chart of a run's rows as SVG text. */
export function renderCurves(rows: readonly ProgressRow[], title: string, source: string, target?: number): string {
  return renderRuns([{ name: source, rows }], title, target);
}

/**
 * The chart of one or more runs: episode reward against env steps (one line per run; the min–max band
 * when there is one run) with the target as a dashed line, and throughput against wall time.
 */
export function renderRuns(runs: readonly PlotRun[], title: string, target?: number): string {
  const single = runs.length === 1;
  const steps = (rows: readonly ProgressRow[], y: (r: ProgressRow) => number): Point[] => rows.map((r) => ({ x: r.timesteps_total, y: y(r) }));
  const color = (i: number): string => COLORS[i % COLORS.length]!;
  const subtitle = runs
    .map((run) => {
      const last = run.rows[run.rows.length - 1]!;
      return `${run.name} · ${run.rows.length} iteration${run.rows.length === 1 ? '' : 's'} · ${Math.round(last.timesteps_total).toLocaleString('en-US')} env steps · ${last.time_total_s.toFixed(1)} s`;
    })
    .join('  |  ');
  return renderChart({
    title,
    subtitle,
    panels: [
      {
        id: 'reward',
        title: 'Episode reward',
        xLabel: 'env steps (timesteps_total)',
        yLabel: 'episode reward',
        lines: runs.map((run, i) => ({ label: single ? 'mean (episode_reward_mean)' : run.name, color: color(i), points: steps(run.rows, (r) => r.episode_reward_mean) })),
        bands: single ? [{ label: 'min–max', color: color(0), lower: steps(runs[0]!.rows, (r) => r.episode_reward_min), upper: steps(runs[0]!.rows, (r) => r.episode_reward_max) }] : [],
        hlines: target !== undefined && Number.isFinite(target) ? [{ label: `target ${target}`, color: '#555', y: target }] : [],
        emptyMessage: 'no episode has finished yet',
      },
      {
        id: 'throughput',
        title: 'Sampling throughput',
        xLabel: 'wall time (time_total_s, s)',
        yLabel: 'env steps / s',
        lines: runs.map((run, i) => ({ label: single ? 'env_steps_per_s' : run.name, color: single ? '#d62728' : color(i), points: run.rows.map((r) => ({ x: r.time_total_s, y: r.env_steps_per_s })) })),
        yFromZero: true,
        emptyMessage: 'no throughput recorded',
      },
    ],
  });
}

/** The run's stop reward from config.json (its learning target), if it has one. */
function runTarget(dir: string): number | undefined {
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { stop?: { reward?: unknown } };
    return typeof config.stop?.reward === 'number' ? config.stop.reward : undefined;
  } catch {
    return undefined;
  }
}

export async function plot(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' }, target: { type: 'string' } });
  if (positionals.length === 0) throw new UsageError('name a run directory: rlflow plot <run-dir> [<run-dir> …]');
  const runs = positionals.map((target) => {
    const { dir, progress } = runFiles(target);
    return { dir, name: path.basename(path.resolve(dir)), rows: readProgress(progress) };
  });
  let target: number | undefined;
  if (values['target'] !== undefined) {
    target = Number(values['target']);
    if (!Number.isFinite(target)) throw new UsageError(`--target must be a number, got '${String(values['target'])}'`);
  } else {
    // The runs' own target, when they agree on one.
    const targets = new Set(runs.map((r) => runTarget(r.dir)));
    target = targets.size === 1 ? [...targets][0] : undefined;
  }
  const first = runs[0]!;
  const file = (values['out'] as string | undefined) ?? path.join(first.dir, runs.length === 1 ? 'curves.svg' : 'compare.svg');
  const title = runs.length === 1 ? runTitle(first.dir) : `${runs.length} runs: ${[...new Set(runs.map((r) => runTitle(r.dir).replace(/ \(.*\)$/, '')))].join(', ')}`;
  writeFileSync(file, renderRuns(runs, title, target));
  const iterations = runs.reduce((a, r) => a + r.rows.length, 0);
  out(`wrote ${file} (${runs.length === 1 ? '' : `${runs.length} runs, `}${iterations} iteration${iterations === 1 ? '' : 's'})`);
  return 0;
}
