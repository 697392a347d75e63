/**
 * Snapshots of an environment's state, so a checkpoint can resume episodes mid-way and a resumed run
 * on the local backend continues bit for bit. Envs keep their state in fields (numbers, typed arrays,
 * nested objects such as a `TimeLimit`'s inner env) and their randomness in `createRng` streams; a
 * snapshot copies exactly that: own enumerable data fields, recursively, with each random stream's
 * position. Functions other than random streams are code, not state, and are skipped. An env that keeps
 * state elsewhere (a closure, a native handle) can implement `snapshot()`/`restoreSnapshot(state)`
 * itself. (Not `getState`/`setState`: classic-control envs use those for their physics state alone.)
 */
import { isRng } from '../../rng/index.js';

/** A snapshot of one object: its fields as plain, structured-clonable data. */
export type EnvSnapshot = { readonly [field: string]: SnapshotValue };
type SnapshotValue =
  | number
  | string
  | boolean
  | null
  | undefined
  | ArrayBufferView
  | readonly SnapshotValue[]
  | { readonly $rng: number }
  | { readonly $obj: EnvSnapshot };

/** An env that saves and restores its own state (used instead of the field snapshot when present). */
interface StatefulEnv {
  snapshot(): unknown;
  restoreSnapshot(state: unknown): void;
}

function isStateful(x: object): x is StatefulEnv {
  return typeof (x as Partial<StatefulEnv>).snapshot === 'function' && typeof (x as Partial<StatefulEnv>).restoreSnapshot === 'function';
}

function snapshotValue(v: unknown, seen: Set<object>): SnapshotValue | typeof SKIP {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (isRng(v)) return { $rng: v.state };
  if (typeof v === 'function' || typeof v !== 'object') return SKIP;
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): ArrayBufferView }).slice();
  if (seen.has(v)) return SKIP;
  if (Array.isArray(v)) {
    seen.add(v);
    return v.map((x) => {
      const s = snapshotValue(x, seen);
      return s === SKIP ? null : s;
    });
  }
  return { $obj: snapshotObject(v, seen) };
}

const SKIP = Symbol('skip');

function snapshotObject(obj: object, seen: Set<object>): EnvSnapshot {
  seen.add(obj);
  if (isStateful(obj)) return { $custom: structuredClone(obj.snapshot()) as SnapshotValue };
  const out: Record<string, SnapshotValue> = {};
  for (const [k, v] of Object.entries(obj)) {
    const s = snapshotValue(v, seen);
    if (s !== SKIP) out[k] = s;
  }
  return out;
}

/** The state of `env` (any object) as plain data: see the module comment for what is included. */
export function snapshotEnv(env: object): EnvSnapshot {
  return snapshotObject(env, new Set());
}

function restoreInto(target: Record<string, unknown>, snap: EnvSnapshot): void {
  if ('$custom' in snap && isStateful(target)) {
    target.restoreSnapshot(structuredClone(snap['$custom']));
    return;
  }
  for (const [k, s] of Object.entries(snap)) {
    const current = target[k];
    if (Array.isArray(s) && Array.isArray(current) && current.length === s.length) {
      // e.g. a vector env's copies: restore each element in place (objects keep their class).
      restoreInto(current as unknown as Record<string, unknown>, Object.fromEntries(s.map((x, i) => [String(i), x])) as EnvSnapshot);
      continue;
    }
    if (s !== null && typeof s === 'object' && !ArrayBuffer.isView(s) && !Array.isArray(s)) {
      if ('$rng' in s && isRng(current)) current.state = s.$rng;
      else if ('$obj' in s && current !== null && typeof current === 'object') restoreInto(current as Record<string, unknown>, s.$obj);
      continue;
    }
    if (ArrayBuffer.isView(s) && ArrayBuffer.isView(current) && (current as unknown as { length: number }).length === (s as unknown as { length: number }).length) {
      (current as unknown as { set(a: ArrayBufferView): void }).set(s);
      continue;
    }
    try {
      target[k] = ArrayBuffer.isView(s) ? (s as unknown as { slice(): unknown }).slice() : structuredClone(s);
    } catch {
      // A getter-only field is derived state; the fields it derives from are restored.
    }
  }
}

/** Restores a snapshot into an env made the same way (same id and config) as the one snapshotted. */
export function restoreEnv(env: object, snapshot: EnvSnapshot): void {
  restoreInto(env as Record<string, unknown>, snapshot);
}
