/**
 * Checkpoints: the versioned file a run saves and a resumed run (or `rlflow eval`, or `loadPolicy`)
 * loads. One JSON file, written atomically (a temp file renamed over the old one, so a crash never
 * leaves half a checkpoint). Typed arrays are stored as `{ "$typed": "Float32Array", "values": [...] }`:
 * plain JSON arrays, exact (every float32 and float64 survives a JSON round trip), and readable by
 * any tool. What goes in is listed in `Checkpoint`; a new kind of state is one more field here.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PlanError } from '../ir/errors.js';
import type { RuntimeState } from '../runtime/runtime.js';

/** The format's name and version in every checkpoint (`format`, `version`). */
export const CHECKPOINT_FORMAT = 'rlflow-checkpoint';
/** The checkpoint format version this rlflow writes and reads. */
export const CHECKPOINT_VERSION = 1;
/** The checkpoint's file name in a run directory. */
export const CHECKPOINT_FILE = 'checkpoint.json';

/** Everything a run needs to continue exactly where it was. */
export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  readonly algorithm: string;
  readonly env: string;
  readonly seed: number;
  /** The resolved algorithm config the run used. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly iteration: number;
  readonly timesteps: number;
  /** Counters, info and every node's state on the driver, and the driver's random stream (`Runtime.saveState()`). */
  readonly driver: RuntimeState;
  /**
   * Each actor's `getState()`, by group, in actor order: for rollout workers and the learner their
   * policy (weights, optimizer state, KL coefficient), observation filter, global vars and sampling
   * state (random stream, env copies, running episodes). An actor class's `getState({ replay })` is
   * asked to include replay contents when the checkpoint was requested with `replay: true`.
   */
  readonly actors: Readonly<Record<string, readonly unknown[]>>;
  /** Whether replay contents were asked for (off-policy algorithms' buffers). */
  readonly replay: boolean;
  /**
   * The driver's local replay buffers (DQN, SimpleQ: `localReplayState`), by buffer name: counters
   * always, rows and priorities when `replay`. Absent in checkpoints of plans without one.
   */
  readonly localReplay?: Readonly<Record<string, unknown>>;
}

/** Typed arrays as tagged plain arrays (see the module comment). */
function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return { $typed: value.constructor.name, values: Array.from(value as unknown as ArrayLike<number>) };
  }
  return value;
}

const TYPED: Readonly<Record<string, new (values: number[]) => ArrayBufferView>> = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  Uint8ClampedArray,
};

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '$typed' in value && 'values' in value) {
    const { $typed, values } = value as { $typed: string; values: number[] };
    const Ctor = TYPED[$typed];
    if (Ctor) return new Ctor(values);
  }
  return value;
}

/** The checkpoint as JSON text (typed arrays tagged). */
export function encodeCheckpoint(checkpoint: Checkpoint): string {
  return JSON.stringify(checkpoint, replacer);
}

/** Parses checkpoint JSON text; `where` names the file in errors. */
export function decodeCheckpoint(text: string, where: string): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(text, reviver);
  } catch (e) {
    throw new PlanError(`${where} is not a checkpoint: ${(e as Error).message}`);
  }
  const c = value as Partial<Checkpoint> | null;
  if (!c || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT) {
    throw new PlanError(`${where} is not an rlflow checkpoint (no "format": "${CHECKPOINT_FORMAT}")`, { hint: 'give a run directory or its checkpoint.json' });
  }
  if (c.version !== CHECKPOINT_VERSION) {
    throw new PlanError(`${where} is a checkpoint of format version ${String(c.version)}; this rlflow reads version ${CHECKPOINT_VERSION}`);
  }
  return c as Checkpoint;
}

/** Writes a checkpoint atomically: to a temp file next to `file`, then renamed over it. */
export function writeCheckpoint(file: string, checkpoint: Checkpoint): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeCheckpoint(checkpoint));
  renameSync(tmp, file);
}

/** The checkpoint file of a run directory, or the file itself. */
export function checkpointPath(runDirOrFile: string): string {
  let isDir = false;
  try {
    isDir = statSync(runDirOrFile).isDirectory();
  } catch {
    throw new PlanError(`${runDirOrFile} does not exist`, { hint: 'give a run directory (runs/<algo>-<env>-<time>) or its checkpoint.json' });
  }
  return isDir ? path.join(runDirOrFile, CHECKPOINT_FILE) : runDirOrFile;
}

/** Reads the checkpoint of a run directory (or a checkpoint file). */
export function readCheckpoint(runDirOrFile: string): Checkpoint {
  const file = checkpointPath(runDirOrFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PlanError(`cannot read checkpoint ${file}: ${(e as Error).message}`, { hint: 'a run writes checkpoint.json every --checkpoint-freq iterations and at the end' });
  }
  return decodeCheckpoint(text, file);
}
