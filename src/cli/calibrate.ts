/**
 * `rlflow calibrate`: measures what the `batch` pass weighs on this machine and stores it where
 * `rlflow train` finds it (`calibrationPath()`): the round trip of a tiny driver↔actor message on the
 * farm backend (a real worker process), the added cost per KiB of Float32Array payload, and the fixed
 * and per-row cost of one policy forward pass (the PPO CartPole actor-critic on the loaded TF.js
 * backend). Every number is a median over repetitions, so one scheduler hiccup does not move it.
 */
import os from 'node:os';
import { ppo, tunedExample } from '../algorithms/index.js';
import { BATCH_DEFAULTS, chooseRows } from '../optimizer/passes/batch.js';
import { calibrationPath, DEFAULT_COSTS, saveCostModel, type CallCost, type CostModel } from '../optimizer/cost-model.js';
import { makeEnv } from '../rl/envs/index.js';
import { createActorCriticPolicy } from '../rl/policy/index.js';
import { backendInfo, loadTf } from '../rl/policy/tf-backend.js';
import type { PolicyConfig } from '../rl/policy/types.js';
import { FarmBackend } from '../runtime/farm-backend.js';
import { createRng } from '../rng/index.js';
import { parse } from './args.js';
import { CalibrationProbe } from './calibrate-probe.js';

export const calibrateHelp = `rlflow calibrate [--out <file>] [--quick]

Measures this machine's costs for the batch optimizer pass (docs/passes.md) and stores them where
rlflow train reads them: $RLFLOW_HOME/calibration.json, else ~/.rlflow/calibration.json.
  messageUs         round trip of a tiny call to an actor in a worker process (farm backend)
  perKiBUs          added cost per KiB of Float32Array payload (64 KiB vs 4 bytes)
  policyForward     one forward pass of the PPO CartPole actor-critic on the loaded TF.js backend,
                    as fixed µs + µs per row (timed at batch 1 and batch 64)
  --out <file>      write the numbers there instead
  --quick           fewer repetitions (about a second; noisier)`;

/** Bytes of the large payload in the per-KiB measurement. */
const PAYLOAD_KIB = 64;
/** The larger batch the forward pass is timed at (the smaller is 1). */
const WIDE_BATCH = 64;

interface Reps {
  readonly pings: number;
  readonly payloads: number;
  readonly rounds: number;
  readonly callsPerRound: number;
}

const FULL: Reps = { pings: 2000, payloads: 300, rounds: 21, callsPerRound: 300 };
const QUICK: Reps = { pings: 60, payloads: 20, rounds: 5, callsPerRound: 20 };

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median µs of `n` sequential round trips of `call`. */
async function roundTripUs(n: number, call: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    await call();
    times.push((performance.now() - t0) * 1000);
  }
  return median(times);
}

export interface MessageCosts {
  readonly messageUs: number;
  readonly perKiBUs: number;
  /** Median round trips behind perKiBUs: a 4-byte and a 64 KiB Float32Array. */
  readonly tinyPayloadUs: number;
  readonly largePayloadUs: number;
}

/** Times calls to one probe actor in its own worker process (the farm backend, as `rlflow train` uses). */
export async function measureMessages(reps: Pick<Reps, 'pings' | 'payloads'>): Promise<MessageCosts> {
  const backend = new FarmBackend();
  const actor = { group: 'calibrate', index: 0 };
  try {
    await backend.start([{ ...actor, seed: 0, rootSeed: 0, actorClass: { module: CalibrationProbe.module, name: 'CalibrationProbe' }, args: [] }]);
    const tiny = new Float32Array(1);
    const large = new Float32Array((PAYLOAD_KIB * 1024) / 4).fill(0.5);
    // Warm up: the first calls pay for JIT compilation and lazy module work on both sides.
    for (let k = 0; k < 50; k++) await backend.call(actor, 'ping', []);
    const messageUs = await roundTripUs(reps.pings, () => backend.call(actor, 'ping', []));
    const tinyPayloadUs = await roundTripUs(reps.payloads, () => backend.call(actor, 'take', [tiny]));
    const largePayloadUs = await roundTripUs(reps.payloads, () => backend.call(actor, 'take', [large]));
    return { messageUs, perKiBUs: Math.max(0, (largePayloadUs - tinyPayloadUs) / PAYLOAD_KIB), tinyPayloadUs, largePayloadUs };
  } finally {
    await backend.close();
  }
}

export interface ForwardCosts extends CallCost {
  /** Median µs of one `computeActions` at batch 1 and at batch 64. */
  readonly batch1Us: number;
  readonly batch64Us: number;
  /** The network, e.g. `4-64-64-2 tanh`, and the TF.js backend it ran on. */
  readonly net: string;
  readonly backend: string;
}

/** The policy PPO trains CartPole-v1 with (its tuned example), as the rollout workers build it. */
function cartPolePolicyConfig(): PolicyConfig {
  const config = ppo.config(tunedExample('ppo', 'CartPole-v1')?.config ?? {});
  return {
    hidden: config.hidden,
    activation: config.activation,
    vfShareLayers: config.vfShareLayers,
    lr: config.lr,
    gradClip: config.gradClip,
    loss: { kind: 'ppo', clipParam: config.clipParam, vfClipParam: config.vfClipParam, vfLossCoeff: config.vfLossCoeff, entropyCoeff: config.entropyCoeff, klCoeff: config.klCoeff, klTarget: config.klTarget },
  };
}

/**
 * Times `computeActions` (forward pass, read-back, action sampling: what a rollout worker calls per
 * step) at batch 1 and 64, alternating rounds so drift hits both alike, and fits fixed + per row.
 */
export async function measurePolicyForward(reps: Pick<Reps, 'rounds' | 'callsPerRound'>): Promise<ForwardCosts> {
  await loadTf();
  const env = makeEnv('CartPole-v1');
  const config = cartPolePolicyConfig();
  const policy = await createActorCriticPolicy(env.observationSpace, env.actionSpace, config, 0);
  const obsDim = env.observationSpace.kind === 'box' ? env.observationSpace.shape.reduce((a, b) => a * b, 1) : 1;
  const random = createRng(1);
  const obs = Float32Array.from({ length: WIDE_BATCH * obsDim }, () => random() * 0.2 - 0.1);
  const options = { explore: true, random };
  const perCallUs = (rows: number): number => {
    const view = obs.subarray(0, rows * obsDim);
    const t0 = performance.now();
    for (let k = 0; k < reps.callsPerRound; k++) policy.computeActions(view, rows, options);
    return ((performance.now() - t0) * 1000) / reps.callsPerRound;
  };
  perCallUs(1);
  perCallUs(WIDE_BATCH);
  const narrow: number[] = [];
  const wide: number[] = [];
  for (let r = 0; r < reps.rounds; r++) {
    narrow.push(perCallUs(1));
    wide.push(perCallUs(WIDE_BATCH));
  }
  const batch1Us = median(narrow);
  const batch64Us = median(wide);
  const perRowUs = Math.max(0, (batch64Us - batch1Us) / (WIDE_BATCH - 1));
  const info = backendInfo();
  const actions = env.actionSpace.kind === 'discrete' ? env.actionSpace.n : 0;
  return {
    fixedUs: Math.max(0, batch1Us - perRowUs),
    perRowUs,
    batch1Us,
    batch64Us,
    net: `${[obsDim, ...config.hidden, actions].join('-')} ${config.activation}${config.vfShareLayers ? '' : ' + separate value net'}`,
    backend: info ? `${info.name}${info.simd ? ' SIMD' : ''}` : 'unknown',
  };
}

function machine(backend: string): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown cpu'} × ${cpus.length}, Node ${process.version}, TF.js ${backend}`;
}

const num = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ').trimEnd());
}

/** Measures the cost model of this machine (the numbers `rlflow calibrate` stores). */
export async function measureCostModel(options: { readonly quick?: boolean } = {}): Promise<{ model: Omit<CostModel, 'origin'>; messages: MessageCosts; forward: ForwardCosts }> {
  const reps = options.quick ? QUICK : FULL;
  const messages = await measureMessages(reps);
  const forward = await measurePolicyForward(reps);
  const model = {
    measuredAt: new Date().toISOString(),
    machine: machine(forward.backend),
    messageUs: messages.messageUs,
    perKiBUs: messages.perKiBUs,
    calls: { policyForward: { fixedUs: forward.fixedUs, perRowUs: forward.perRowUs } },
  };
  return { model, messages, forward };
}

export async function calibrate(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parse(argv, { out: { type: 'string' }, quick: { type: 'boolean' } });
  const file = (values['out'] as string | undefined) ?? calibrationPath();
  const started = performance.now();
  out(`rlflow calibrate: measuring${values['quick'] === true ? ' (quick)' : ''} …`);
  const { model, messages, forward } = await measureCostModel({ quick: values['quick'] === true });
  const defaults = DEFAULT_COSTS.calls['policyForward']!;
  const measured: CallCost = forward;
  const row = (what: string, value: number, fallback: number): string[] => [what, `${num(value)} µs`, `${num(fallback)} µs`, fallback > 0 ? `${(value / fallback).toFixed(2)}×` : '—'];
  out(`machine: ${model.machine}`);
  out('');
  for (const line of table([
    ['quantity', 'measured', 'default', 'ratio'],
    row('messageUs: tiny call round trip (farm)', model.messageUs, DEFAULT_COSTS.messageUs),
    row(`perKiBUs: per KiB of Float32Array`, model.perKiBUs, DEFAULT_COSTS.perKiBUs),
    row('policyForward.fixedUs', measured.fixedUs, defaults.fixedUs),
    row('policyForward.perRowUs', measured.perRowUs, defaults.perRowUs),
  ])) {
    out(`  ${line}`);
  }
  out('');
  out(`  payload round trips: 4 B ${num(messages.tinyPayloadUs)} µs, ${PAYLOAD_KIB} KiB ${num(messages.largePayloadUs)} µs`);
  out(`  policy forward (${forward.net}, computeActions): batch 1 ${num(forward.batch1Us)} µs, batch ${WIDE_BATCH} ${num(forward.batch64Us)} µs per call`);
  const windowMs = Number(((model.messageUs * BATCH_DEFAULTS.amortization) / 1000).toPrecision(2));
  const rows = chooseRows(measured, 16, BATCH_DEFAULTS);
  out(`  the batch pass now chooses: gatherAsync window ${windowMs} ms; 16 envs per worker → ${rows} rows per forward pass`);
  const written = saveCostModel(model, file);
  // Medians shrug off hiccups, not a machine that stays busy: say so rather than store numbers quietly.
  const load = os.loadavg()[0]!;
  const cpus = os.cpus().length;
  if (load > cpus) out(`\n  note: load average ${load.toFixed(1)} on ${cpus} cpu(s): other processes competed for the CPU, so these numbers are inflated; rerun on an idle machine`);
  out('');
  out(`wrote ${written} (${((performance.now() - started) / 1000).toFixed(1)} s); rlflow train's batch pass reads it`);
  return 0;
}
