/**
 * The cost model the `batch` pass decides with: what one driver↔actor message costs, and what one
 * vectorizable call (e.g. a policy forward pass) costs as a fixed part plus a part per row. The numbers
 * come from `rlflow calibrate`, which measures this machine and stores them; until then the defaults
 * below are the ones measured on the project's reference machine (spec/limits.md §2 and §3).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassConfigError } from './errors.js';

/** Cost of one call that handles `rows` items: `fixedUs + rows × perRowUs` microseconds. */
export interface CallCost {
  readonly fixedUs: number;
  readonly perRowUs: number;
}

/**
 * The numbers the `batch` pass decides with: per-message and per-KiB costs, and fixed plus per-row costs
 * of vectorizable calls. Measured by `rlflow calibrate`, or `DEFAULT_COSTS`.
 */
export interface CostModel {
  /** Where the numbers come from: `defaults`, or the calibration file's path. */
  readonly origin: string;
  /** When the numbers were measured (ISO date), and on what machine. */
  readonly measuredAt?: string;
  readonly machine?: string;
  /** Round trip of a small driver↔actor message on the farm backend, µs. */
  readonly messageUs: number;
  /** Added cost per KiB of payload in a message, µs. */
  readonly perKiBUs: number;
  /** Costs of vectorizable calls, by the `cost` key an actor group declares (`VectorizableWork.cost`). */
  readonly calls: Readonly<Record<string, CallCost>>;
}

/**
 * Defaults measured on the reference machine (2 vCPU EPYC, Node 20, spec/limits.md): a tiny
 * worker-farm round trip with advanced serialization ≈ 70 µs (§2a), ≈ 0.6 µs per KiB (§2b), and a
 * 4-64-64-2 MLP forward on TF.js wasm of 23.3 µs at batch 1 and 95.6 µs at batch 64 (§3a).
 */
export const DEFAULT_COSTS: CostModel = Object.freeze({
  origin: 'defaults',
  messageUs: 70,
  perKiBUs: 0.6,
  calls: Object.freeze({ policyForward: Object.freeze({ fixedUs: 22.2, perRowUs: 1.15 }) }),
});

/** Where `rlflow calibrate` stores the numbers: `$RLFLOW_HOME/calibration.json`, else `~/.rlflow/`. */
export function calibrationPath(): string {
  const home = process.env.RLFLOW_HOME ?? path.join(os.homedir(), '.rlflow');
  return path.join(home, 'calibration.json');
}

function isCost(x: unknown): x is CallCost {
  const c = x as CallCost;
  return typeof c === 'object' && c !== null && Number.isFinite(c.fixedUs) && c.fixedUs >= 0 && Number.isFinite(c.perRowUs) && c.perRowUs >= 0;
}

/** Checks a parsed calibration file; the error names the file and the bad field. */
export function parseCostModel(raw: unknown, origin: string): CostModel {
  const bad = (field: string): never => {
    throw new PassConfigError(`calibration file ${origin}: field '${field}' is missing or not a number >= 0`, { hint: 'rerun `rlflow calibrate`, or delete the file to use the defaults' });
  };
  const r = raw as Record<string, unknown>;
  if (typeof r !== 'object' || r === null) bad('(root)');
  if (!(Number.isFinite(r['messageUs']) && (r['messageUs'] as number) >= 0)) bad('messageUs');
  if (!(Number.isFinite(r['perKiBUs']) && (r['perKiBUs'] as number) >= 0)) bad('perKiBUs');
  const calls = (r['calls'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(calls)) if (!isCost(v)) bad(`calls.${k}`);
  return {
    origin,
    ...(typeof r['measuredAt'] === 'string' ? { measuredAt: r['measuredAt'] } : {}),
    ...(typeof r['machine'] === 'string' ? { machine: r['machine'] } : {}),
    messageUs: r['messageUs'] as number,
    perKiBUs: r['perKiBUs'] as number,
    // Keys the calibration did not measure keep their defaults.
    calls: { ...DEFAULT_COSTS.calls, ...(calls as Record<string, CallCost>) },
  };
}

/** The calibrated cost model if `rlflow calibrate` has run (at `file`), else the defaults. */
export function loadCostModel(file: string = calibrationPath()): CostModel {
  if (!existsSync(file)) return DEFAULT_COSTS;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PassConfigError(`calibration file ${file} is not valid JSON: ${(e as Error).message}`, { hint: 'rerun `rlflow calibrate`, or delete the file' });
  }
  return parseCostModel(raw, file);
}

/** Stores a measured cost model where `loadCostModel` finds it. */
export function saveCostModel(model: Omit<CostModel, 'origin'>, file: string = calibrationPath()): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const { messageUs, perKiBUs, calls, measuredAt, machine } = model;
  writeFileSync(file, JSON.stringify({ measuredAt, machine, messageUs, perKiBUs, calls }, null, 2) + '\n');
  return file;
}

/** Microseconds one call of `rows` rows costs. */
export function callCostUs(cost: CallCost, rows: number): number {
  return cost.fixedUs + rows * cost.perRowUs;
}
