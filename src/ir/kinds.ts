/**
 * The registry of IR node kinds. A kind is a stable, versioned string (`rlflow/gather-async@1`, in the
 * manner of Beam's URNs) with a spec that says how many ports it has, where it may run, whether it needs
 * a stage, and whether it has side effects (so cleanup passes never prune it). The verifier, the
 * optimizer and the runtime all look kinds up here; an unknown kind is an explicit error naming it.
 * Other layers (the RL layer, user extensions) register their own kinds through `registerKind`, once:
 * a second registration of a kind is an error. Each kind declares its params as a zod schema (unknown
 * extra keys are allowed, so passes may annotate nodes); `checkParams` adds what a schema cannot say
 * (rules that depend on the number of inputs).
 */
import { z } from 'zod';
import { DuplicateRegistrationError, UnknownKindError } from './errors.js';
import type { SourceLocation, StageBinding } from './types.js';

/**
 * Describes one node kind: its input/output arity, where it may run, whether it carries a stage, and how
 * its params are validated. Registered with `registerKind` and looked up by the verifier, passes and runtime.
 */
export interface KindSpec {
  /** Versioned kind string: `<namespace>/<name>@<version>`. */
  readonly kind: string;
  /** One-line summary, shown by `rlflow inspect` and the docs. */
  readonly summary: string;
  /** Minimum and maximum number of data inputs. */
  readonly inputs: { readonly min: number; readonly max: number };
  /** Number of output ports given the node's params (1 for most kinds). */
  readonly outputs?: (params: Readonly<Record<string, unknown>>) => number;
  /** Where nodes of this kind may run. */
  readonly placement: 'driver' | 'actors' | 'either';
  /** Whether the node must carry a stage (`required`), may (`optional`) or must not (`none`). */
  readonly stage: 'none' | 'optional' | 'required';
  /** The inputs are actor-placed chains (gathers): each input must be placed on actors. */
  readonly gathersFromActors?: boolean;
  /**
   * True when running the node does something besides producing its output (calls actors, writes a
   * queue, runs arbitrary user code). Cleanup passes never prune such nodes.
   */
  readonly sideEffects: boolean;
  /** Output order depends on timing (completion order of actors or branches). */
  readonly asynchronous?: boolean;
  /**
   * True when a node of this kind with these params passes every item through unchanged (the
   * `cleanup` pass splices such nodes out). Only for one-input, one-output kinds without side effects.
   */
  readonly isNoOp?: (params: Readonly<Record<string, unknown>>) => boolean;
  /** The params' shape (zod); the verifier and the DSL report the first issue with its key. */
  readonly params?: z.ZodType<Record<string, unknown>>;
  /** Checks what the schema cannot (e.g. one weight per input); returns a reason when invalid. */
  readonly checkParams?: (params: Readonly<Record<string, unknown>>, inputCount: number) => string | undefined;
}

/** Why a node's params are invalid for its kind (schema first, then `checkParams`), or undefined. */
export function checkKindParams(spec: KindSpec, params: Readonly<Record<string, unknown>>, inputCount: number): string | undefined {
  if (spec.params) {
    const parsed = spec.params.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const got = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), params);
      // Custom messages name the key themselves; zod's own ones get it prefixed.
      const named = issue.path.length && !issue.message.includes(String(issue.path[0])) ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
      return `${named}, got ${typeof got === 'number' ? String(got) : (JSON.stringify(got) ?? 'undefined')}`;
    }
  }
  return spec.checkParams?.(params, inputCount);
}

const registry = new Map<string, KindSpec>();

/** Registers a node kind. Registering a kind string twice is a `DuplicateRegistrationError`. */
export function registerKind(spec: KindSpec): KindSpec {
  if (!/^[\w.-]+\/[\w.-]+@\d+$/.test(spec.kind)) {
    throw new UnknownKindError(`node kind '${spec.kind}' is not of the form 'namespace/name@version'`);
  }
  if (registry.has(spec.kind)) {
    throw new DuplicateRegistrationError(`node kind '${spec.kind}' is already registered`, {
      hint: 'register a kind once, in the module that defines it (is a second copy of that module or of rlflow loaded?); bump the version (@2) when a kind changes meaning',
    });
  }
  registry.set(spec.kind, spec);
  return spec;
}

/** Looks a kind up; throws `UnknownKindError` naming it when it is not registered. */
export function getKind(kind: string): KindSpec {
  const spec = registry.get(kind);
  if (!spec) {
    throw new UnknownKindError(`unknown node kind '${kind}'`, {
      hint: `registered kinds: ${[...registry.keys()].sort().join(', ')}`,
    });
  }
  return spec;
}

/** Whether a node kind with this versioned name (`<namespace>/<name>@<version>`) is registered. */
export function hasKind(kind: string): boolean {
  return registry.has(kind);
}

/** Every registered kind spec, sorted by kind name. */
export function registeredKinds(): KindSpec[] {
  return [...registry.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}

/** Number of output ports of a node of this kind. */
export function outputPorts(spec: KindSpec, params: Readonly<Record<string, unknown>>): number {
  return spec.outputs ? spec.outputs(params) : 1;
}

/** An integer >= `min`; every way to miss it reports `message`. */
const intAtLeast = (min: number, message: string) => z.number({ error: message }).int({ error: message }).min(min, { error: message });
const name = z.string().min(1);
/** Params every call kind carries: the method, and whether to wait for the reply. */
const callParams = { method: name, wait: z.boolean(), keepSource: z.boolean().optional(), withInput: z.boolean().optional() };

/** Weights and output indexes depend on the number of inputs: one weight per stream, distinct positions. */
function checkConcurrentlyParams(p: Readonly<Record<string, unknown>>, inputCount: number): string | undefined {
  const weights = p['weights'] as Array<number | '*'> | undefined;
  if (weights !== undefined) {
    if (p['mode'] !== 'roundRobin') return "weights are only allowed in mode 'roundRobin'";
    if (weights.length !== inputCount) return `weights must list one weight per stream (${inputCount}), got ${JSON.stringify(weights)}`;
    if (weights.every((w) => w === '*')) return "weights must not all be '*' (nothing would ever block)";
  }
  const outputIndexes = p['outputIndexes'] as unknown[] | undefined;
  if (outputIndexes !== undefined) {
    const seen = new Set<unknown>();
    for (const i of outputIndexes) {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= inputCount) return `outputIndexes must be stream positions 0..${inputCount - 1}, got ${JSON.stringify(i)}`;
      if (seen.has(i)) return `outputIndexes lists ${i} twice`;
      seen.add(i);
    }
  }
  return undefined;
}

const ONE = { min: 1, max: 1 } as const;
const NONE = { min: 0, max: 0 } as const;
const MANY = { min: 1, max: Number.POSITIVE_INFINITY } as const;

/** The built-in kinds, one constant each so code refers to them by name, not by string. */
export const K = {
  fromActors: registerKind({
    kind: 'rlflow/from-actors@1',
    // `shards` is checked by the verifier against the group's size.
    summary: "one shard per selected actor of a group: the actor's items() stream",
    inputs: NONE,
    placement: 'actors',
    stage: 'none',
    // Pulling runs the actor's items(), which advances the actor's state (e.g. a worker's episodes).
    sideEffects: true,
  }),
  fromItems: registerKind({
    kind: 'rlflow/from-items@1',
    params: z.object({ items: z.array(z.unknown()), repeat: z.boolean() }),
    summary: 'a driver stream of the given plain-data items',
    inputs: NONE,
    placement: 'driver',
    stage: 'none',
    sideEffects: false,
  }),
  fromIterable: registerKind({
    kind: 'rlflow/from-iterable@1',
    summary: 'a driver stream produced by a function returning an (async) iterable',
    inputs: NONE,
    placement: 'driver',
    stage: 'required',
    sideEffects: true,
  }),
  forEach: registerKind({
    kind: 'rlflow/for-each@1',
    summary: 'applies a function to every item',
    inputs: ONE,
    placement: 'either',
    stage: 'required',
    sideEffects: true,
  }),
  filter: registerKind({
    kind: 'rlflow/filter@1',
    summary: 'keeps the items for which a predicate is true',
    inputs: ONE,
    placement: 'either',
    stage: 'required',
    sideEffects: true,
  }),
  batch: registerKind({
    kind: 'rlflow/batch@1',
    params: z.object({ n: intAtLeast(1, 'batch size n must be a positive integer') }),
    summary: 'groups n items into a list; a short last list is flushed at the end',
    inputs: ONE,
    placement: 'either',
    stage: 'none',
    sideEffects: false,
  }),
  flatten: registerKind({
    kind: 'rlflow/flatten@1',
    summary: 'expands each list into its items',
    inputs: ONE,
    placement: 'either',
    stage: 'none',
    sideEffects: false,
  }),
  combine: registerKind({
    kind: 'rlflow/combine@1',
    summary: 'flat-map: a function returns 0 or more outputs per item',
    inputs: ONE,
    placement: 'either',
    stage: 'required',
    sideEffects: true,
  }),
  transform: registerKind({
    kind: 'rlflow/transform@1',
    summary: 'a whole-stream generator transform',
    inputs: ONE,
    placement: 'either',
    stage: 'required',
    sideEffects: true,
  }),
  gatherSync: registerKind({
    kind: 'rlflow/gather-sync@1',
    summary: 'barrier gather: one item from every shard per round, flattened in shard order',
    inputs: MANY,
    placement: 'driver',
    stage: 'none',
    gathersFromActors: true,
    sideEffects: false,
  }),
  batchAcrossShards: registerKind({
    kind: 'rlflow/batch-across-shards@1',
    summary: 'barrier gather: one list per round holding one item from every shard, in shard order',
    inputs: MANY,
    placement: 'driver',
    stage: 'none',
    gathersFromActors: true,
    sideEffects: false,
  }),
  gatherAsync: registerKind({
    kind: 'rlflow/gather-async@1',
    // An absent batchMs means one item per reply (the `batch` pass may choose one).
    params: z.object({
      inFlight: intAtLeast(1, 'inFlight must be a positive integer'),
      batchMs: z.number({ error: 'batchMs must be a number >= 0 (or absent: one item per reply)' }).min(0, { error: 'batchMs must be a number >= 0 (or absent: one item per reply)' }).optional(),
    }),
    summary: 'pipelined gather: items in completion order with inFlight requests per shard',
    inputs: MANY,
    placement: 'driver',
    stage: 'none',
    gathersFromActors: true,
    sideEffects: false,
    asynchronous: true,
  }),
  concurrently: registerKind({
    kind: 'rlflow/concurrently@1',
    params: z.object({
      mode: z.enum(['roundRobin', 'async'], { error: "mode must be 'roundRobin' or 'async'" }),
      // '*' pulls whatever is ready.
      weights: z
        .array(z.union([z.number().positive({ error: "each weight must be a number > 0 or '*' (a stream of weight 0 would never run)" }), z.literal('*')], { error: "each weight must be a number > 0 or '*' (a stream of weight 0 would never run)" }), { error: 'weights must list one weight per stream' })
        .optional(),
      outputIndexes: z.array(z.unknown(), { error: 'outputIndexes must be a non-empty list' }).min(1, { error: 'outputIndexes must be a non-empty list' }).optional(),
    }),
    summary: 'runs several streams together (round-robin or async) and emits the listed ones',
    inputs: { min: 2, max: Number.POSITIVE_INFINITY },
    placement: 'driver',
    stage: 'none',
    sideEffects: false,
    asynchronous: true,
    checkParams: checkConcurrentlyParams,
  }),
  duplicate: registerKind({
    kind: 'rlflow/duplicate@1',
    params: z.object({ n: intAtLeast(2, 'duplicate needs n >= 2 outputs'), maxSkew: intAtLeast(1, 'maxSkew must be a positive integer') }),
    summary: 'fans one stream out to n consumers that stay within a bounded skew',
    inputs: ONE,
    outputs: (params) => Number(params['n']),
    placement: 'driver',
    stage: 'none',
    sideEffects: false,
  }),
  enqueue: registerKind({
    kind: 'rlflow/enqueue@1',
    params: z.object({ queue: name }),
    summary: 'puts every item into a bounded queue (back-pressure when full) and passes it on',
    inputs: ONE,
    placement: 'driver',
    stage: 'none',
    sideEffects: true,
  }),
  dequeue: registerKind({
    kind: 'rlflow/dequeue@1',
    params: z.object({ queue: name }),
    summary: 'takes items out of a bounded queue',
    inputs: NONE,
    placement: 'driver',
    stage: 'none',
    sideEffects: true,
  }),
  zipWithSourceActor: registerKind({
    kind: 'rlflow/zip-with-source-actor@1',
    summary: 'pairs each item with the actor that produced it',
    inputs: ONE,
    placement: 'driver',
    stage: 'none',
    sideEffects: false,
  }),
  callActors: registerKind({
    kind: 'rlflow/call-actors@1',
    params: z.object({ group: name, ...callParams }),
    summary: 'calls a method on every actor of a group (e.g. broadcast weights) and passes the item on',
    inputs: ONE,
    placement: 'driver',
    stage: 'optional',
    sideEffects: true,
  }),
  callSourceActor: registerKind({
    kind: 'rlflow/call-source-actor@1',
    params: z.object(callParams),
    summary: 'calls a method on the actor that produced the item and passes the item on',
    inputs: ONE,
    placement: 'driver',
    stage: 'optional',
    sideEffects: true,
  }),
  callActor: registerKind({
    kind: 'rlflow/call-actor@1',
    params: z.object({ group: name, ...callParams }),
    summary: 'sends each item to an actor method (RPC) and emits the reply',
    inputs: ONE,
    placement: 'driver',
    stage: 'optional',
    sideEffects: true,
  }),
  fused: registerKind({
    kind: 'rlflow/fused@1',
    params: z.object({ stages: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })).min(2, 'a fused node needs at least 2 member stages in `stages`') }),
    summary: 'consecutive actor-side stages run as one shard-program segment (one round trip per pull)',
    inputs: { min: 0, max: 1 },
    placement: 'actors',
    stage: 'none',
    // NOTE: conservative: a fused node is pruned only if none of its members could have effects, and
    // cleanup never looks inside; fusion runs after cleanup in the default pipeline anyway.
    sideEffects: true,
    checkParams: checkFusedParams,
  }),
} as const satisfies Record<string, KindSpec>;

/**
 * One stage inside a fused node: the original node's identity (so errors, `inspect` and traces can
 * still name it and its source line), its kind, params and stage.
 */
export interface FusedMember {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly stage?: Extract<StageBinding, { readonly type: 'ref' }>;
  readonly output: string;
  readonly source?: SourceLocation;
}

/** The members of a fused node (its `stages` param). */
export function fusedMembers(params: Readonly<Record<string, unknown>>): readonly FusedMember[] {
  return (params['stages'] as FusedMember[] | undefined) ?? [];
}

function checkFusedParams(p: Readonly<Record<string, unknown>>, inputCount: number): string | undefined {
  const members = p['stages'];
  if (!Array.isArray(members) || members.length < 2) return 'a fused node needs at least 2 member stages in `stages`';
  for (const [i, m] of (members as FusedMember[]).entries()) {
    if (!m || typeof m !== 'object' || typeof m.kind !== 'string' || typeof m.id !== 'string') return `member ${i} is not a stage description`;
    const isSource = m.kind === 'rlflow/from-actors@1';
    if (isSource && (i !== 0 || inputCount !== 0)) return `member ${i} (${m.name}) is a source, which can only be the first member of an input-less fused node`;
    if (!isSource && !ELEMENT_KINDS.has(m.kind)) return `member ${i} (${m.name}) has kind ${m.kind}, which cannot run inside a shard program`;
    const needsStage = m.kind !== 'rlflow/batch@1' && m.kind !== 'rlflow/flatten@1' && !isSource;
    if (needsStage && m.stage?.type !== 'ref') return `member ${i} (${m.name}) needs a stage reference`;
  }
  if ((members as FusedMember[])[0]!.kind === 'rlflow/from-actors@1' && !Array.isArray(p['shards'])) return 'a fused source needs `shards`';
  return undefined;
}

/** Node kinds whose stage transforms one element at a time, in order (usable on actors and the driver). */
export const ELEMENT_KINDS: ReadonlySet<string> = new Set([
  K.forEach.kind,
  K.filter.kind,
  K.batch.kind,
  K.flatten.kind,
  K.combine.kind,
  K.transform.kind,
]);
