/**
 * `batch`: inserts batching where the cost model (`ctx.costs`, measured by `rlflow calibrate`) says it
 * pays. Two rewrites:
 *
 * - **RPC batching on `gatherAsync`.** One driver↔actor reply costs `messageUs` (≈ 70 µs across cores,
 *   spec/limits.md §2a) however small the item. A `gatherAsync` the plan author left without `batchMs`
 *   gets a window `amortization × messageUs`, so one reply's messaging is at most 1/amortization of the
 *   window: items an actor produces faster than that share a reply, items slower than the window still
 *   go one per reply (a shard replies as soon as the window has passed and it has an item).
 * - **Vectorized inference.** An actor group that declares `vectorizable` work (a rollout worker's
 *   policy inference over its env copies) gets `batch` = rows per call: the smallest that gets within
 *   `tolerance` of the cheapest per-item cost under the call's `fixedUs + rows × perRowUs` cost.
 *
 * Choices the plan author made (an explicit `batchMs`, even 0; an explicit `vectorizable.batch`) are
 * kept, and `explain` says so.
 *
 * Options (`optimize({ options: { batch: { … } } })`):
 * - `amortization` (default 20): window = amortization × messageUs, i.e. messaging ≤ 5 % of a window.
 * - `maxRows` (default 4096): most rows in one vectorized call (bounds memory and latency per call).
 * - `tolerance` (default 0.05): a smaller batch is taken when it costs at most this much more per item.
 */
import { K } from '../../ir/kinds.js';
import { inputEdges, topologicalOrder, type PlanGraph } from '../../ir/graph.js';
import type { ActorGroupSpec, VectorizableWork } from '../../ir/types.js';
import type { CallCost, CostModel } from '../cost-model.js';
import { PassConfigError } from '../errors.js';
import { registerPass, type Pass, type PassContext } from '../pass.js';
import { updateNode } from '../rewrite.js';

export const BATCH_DEFAULTS = Object.freeze({ amortization: 20, maxRows: 4096, tolerance: 0.05 });

export interface BatchOptions {
  readonly amortization: number;
  readonly maxRows: number;
  readonly tolerance: number;
}

/** Reads the pass's options, naming a bad one. */
export function batchOptions(raw: Readonly<Record<string, unknown>>): BatchOptions {
  const known = new Set(Object.keys(BATCH_DEFAULTS));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new PassConfigError(`batch: unknown option '${key}'`, { hint: `options are ${[...known].join(', ')}` });
  }
  const read = (key: keyof BatchOptions, ok: (v: number) => boolean, what: string): number => {
    const v = raw[key] ?? BATCH_DEFAULTS[key];
    if (typeof v !== 'number' || !ok(v)) throw new PassConfigError(`batch: option '${key}' must be ${what}, got ${String(v)}`);
    return v;
  };
  return {
    amortization: read('amortization', (v) => Number.isFinite(v) && v >= 1, 'a number >= 1'),
    maxRows: read('maxRows', (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    tolerance: read('tolerance', (v) => Number.isFinite(v) && v >= 0, 'a number >= 0'),
  };
}

/** µs for notes: three significant digits or so (1.15, 23.4, 1400). */
function us(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** A window in ms, rounded to 2 significant digits so plans stay readable (1.4, not 1.4000000000000001). */
function roundMs(ms: number): number {
  return ms <= 0 ? 0 : Number(ms.toPrecision(2));
}

/** Actor groups that feed a gather node (the groups of the chains ending at its inputs). */
function gatheredGroups(graph: PlanGraph, id: string): string[] {
  const groups = new Set<string>();
  for (const e of inputEdges(graph, id)) {
    const p = graph.getNodeAttributes(e.from).placement;
    if (p.on === 'actors') groups.add(p.group);
  }
  return [...groups].sort();
}

/*
 * Only `gatherAsync` is batched. `gatherSync` and `batchAcrossShards` run in rounds: the driver asks
 * every shard for one item and, between rounds, typically calls the actors (a weight broadcast after
 * a training step). A window there would have actors prefetch several items per round, computed
 * before that call, so they would compute different things (samples from stale weights): not the
 * same outputs as the plan. `gatherAsync` is asynchronous already: only the multiset of items and
 * each source's order are promised, and a window keeps both.
 *
 * Groups that declare `vectorizable` work (RL samplers) are left alone too: each of their items is a
 * whole fragment of env steps, far costlier than a message, so a window would carry one item per
 * reply anyway and buy nothing; and their drivers talk to the source actor between items (A3C sends
 * weights back to the worker whose gradient it applied), so every extra item a window lets an actor
 * produce before that call is computed from staler weights. On the local backend's virtual clock,
 * where such a source makes no time pass, a window would even run MAX_REPLY_ITEMS fragments per pull.
 */
function batchGathers(graph: PlanGraph, ctx: PassContext, options: BatchOptions): void {
  const costs = ctx.costs;
  for (const id of topologicalOrder(graph)) {
    const node = graph.getNodeAttributes(id);
    if (node.kind !== K.gatherAsync.kind) continue;
    const explicit = node.params['batchMs'];
    if (explicit !== undefined) {
      ctx.note(`gatherAsync keeps the plan's batchMs ${String(explicit)}${explicit === 0 ? ' (one item per reply)' : ''}: set by the plan author`, id);
      continue;
    }
    const groups = gatheredGroups(graph, id);
    const samplers = groups.filter((g) => graph.getAttribute('actorGroups')[g]?.vectorizable !== undefined);
    if (samplers.length > 0) {
      ctx.note(
        `gatherAsync over ${samplers.map((g) => `'${g}'`).join(', ')} left at one item per reply: each item is a batch of vectorizable work (${samplers.map((g) => graph.getAttribute('actorGroups')[g]!.vectorizable!.what).join(', ')}), far costlier than a ${us(costs.messageUs)} µs message, and a window would let the actor run ahead of the driver's calls to it (e.g. weights sent back between items)`,
        id,
      );
      continue;
    }
    const windowUs = costs.messageUs * options.amortization;
    const batchMs = roundMs(windowUs / 1000);
    if (batchMs <= 0) {
      ctx.note(`gatherAsync left unbatched: the cost model's message cost is ${us(costs.messageUs)} µs (${costs.origin}), nothing to amortize`, id);
      continue;
    }
    updateNode(graph, id, { params: { ...node.params, batchMs } });
    // Worked example for explain: an item that takes 10 µs to produce.
    const itemUs = 10;
    const perItemAfter = itemUs + (costs.messageUs * itemUs) / (batchMs * 1000);
    const perItemBefore = itemUs + costs.messageUs;
    ctx.note(
      `gatherAsync over ${groups.map((g) => `'${g}'`).join(', ')}: batchMs ${batchMs} (${options.amortization} × ${us(costs.messageUs)} µs per message, ${costs.origin}), so messaging is ≤ ${Number((100 / options.amortization).toPrecision(2))} % of a reply window. Fast items share a reply: at ${itemUs} µs per item, ${us(perItemBefore)} → ${us(perItemAfter)} µs per item (${(perItemBefore / perItemAfter).toFixed(1)}× faster). Items slower than ${batchMs} ms still go one per reply (unaffected)`,
      id,
    );
  }
}

/** µs one step costs when `items` rows go through calls of at most `rows` rows. */
function stepUs(cost: CallCost, items: number, rows: number): number {
  return Math.ceil(items / rows) * cost.fixedUs + items * cost.perRowUs;
}

/**
 * Rows per call: the smallest `rows` (≤ min(items, maxRows)) whose per-step cost is within `tolerance`
 * of the cheapest. Counting whole calls (ceil(items / rows)) matters: 15 rows for 16 items is two
 * calls, dearer than 16.
 */
export function chooseRows(cost: CallCost, items: number, options: Pick<BatchOptions, 'maxRows' | 'tolerance'>): number {
  const most = Math.max(1, Math.min(items, options.maxRows));
  let best = Infinity;
  for (let rows = 1; rows <= most; rows++) best = Math.min(best, stepUs(cost, items, rows));
  for (let rows = 1; rows <= most; rows++) if (stepUs(cost, items, rows) <= best * (1 + options.tolerance)) return rows;
  return most;
}

function vectorize(graph: PlanGraph, ctx: PassContext, options: BatchOptions): void {
  const groups = graph.getAttribute('actorGroups');
  const updated: Record<string, ActorGroupSpec> = { ...groups };
  let changed = false;
  for (const name of Object.keys(groups).sort()) {
    const group = groups[name]!;
    const work = group.vectorizable;
    if (!work) continue;
    if (work.batch !== undefined) {
      ctx.note(`${work.what}: keeps the plan's batch of ${work.batch} row(s) per call (of ${work.items} items)`, name);
      continue;
    }
    const rows = chooseWorkRows(ctx.costs, work, options, ctx, name);
    updated[name] = { ...group, vectorizable: { ...work, batch: rows } };
    changed = true;
  }
  if (changed) graph.setAttribute('actorGroups', updated);
}

function chooseWorkRows(costs: CostModel, work: VectorizableWork, options: BatchOptions, ctx: PassContext, group: string): number {
  const cost = costs.calls[work.cost];
  const most = Math.min(work.items, options.maxRows);
  if (!cost) {
    // Under any cost of the model's form (a fixed part >= 0 plus a part per row), fewer calls are never
    // dearer per item, so all rows in one call is the safe choice without numbers.
    ctx.note(
      `${work.what}: batch ${most} (all ${work.items} items in ${Math.ceil(work.items / most)} call(s)): the cost model (${costs.origin}) has no entry '${work.cost}', and with any fixed + per-row cost fewer calls are never dearer; add calls.${work.cost} (rlflow calibrate) to let the pass weigh it`,
      group,
    );
    return most;
  }
  const rows = chooseRows(cost, work.items, options);
  const before = stepUs(cost, work.items, 1) / work.items;
  const after = stepUs(cost, work.items, rows) / work.items;
  const calls = Math.ceil(work.items / rows);
  if (rows === 1) {
    ctx.note(
      `${work.what}: batch 1 (one call per item): with '${work.cost}' = ${us(cost.fixedUs)} µs + ${us(cost.perRowUs)} µs per row (${costs.origin}) no larger call is ${Number((options.tolerance * 100).toPrecision(2))} % cheaper per item (${us(before)} µs per item either way)`,
      group,
    );
    return rows;
  }
  ctx.note(
    `${work.what}: batch ${rows} (${work.items} items per step in ${calls} call(s) instead of ${work.items}): ${us(before)} → ${us(after)} µs per item (${(before / after).toFixed(1)}× faster) with '${work.cost}' = ${us(cost.fixedUs)} µs + ${us(cost.perRowUs)} µs per row (${costs.origin})`,
    group,
  );
  return rows;
}

/** The built-in `batch` pass (registered on import): adds RPC batching and vectorized-call batching where the cost model says it pays. */
export const batchPass: Pass = registerPass({
  name: 'batch',
  description: 'batches where the cost model says it pays: several items per gatherAsync reply (batchMs), and rows per vectorized call (policy inference over env copies)',
  provides: ['batched'],
  preserves: ['fused', 'placed'],
  idempotent: true,
  run(graph, ctx) {
    const options = batchOptions(ctx.options);
    batchGathers(graph, ctx, options);
    vectorize(graph, ctx, options);
  },
});
