// Tests for the fluent DSL and compile() (src/dsl): every DSL method lowers to the expected IR node
// (kind, params, element types, placement, stage), element types flow along the chain, nodes point at
// the line of this file that made them, the builder is immutable, names are unique and hierarchical, and
// malformed plans fail with PlanError (or StageLoadError / VerificationError) at the right place.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  actorClass,
  actorStage,
  actorStageFactory,
  actors,
  compile,
  concurrently,
  dequeue,
  fromActors,
  fromItems,
  fromIterable,
  queue,
  scope,
  Stream,
  type CompiledPlan,
} from '../../src/dsl/index.js';
import { PlanError, StageLoadError, VerificationError } from '../../src/ir/errors.js';
import { dumpGraph } from '../../src/ir/dump.js';
import { inputEdges, type PlanGraph } from '../../src/ir/graph.js';
import { K } from '../../src/ir/kinds.js';
import type { NodeAttributes, SourceLocation } from '../../src/ir/types.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { Counter, double, isEven, pairUp, scale, useHidden } from '../fixtures/counters.js';
import { isLong, Learner, lines, misnamed, pairs, parseNum, repeatText, toText, useHiddenActor, Words, words } from '../fixtures/typed-stages.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const THIS_TEXT = readFileSync(THIS_FILE, 'utf8').split('\n');
const COUNTERS = new URL('../fixtures/counters.ts', import.meta.url).href;
const TYPED = new URL('../fixtures/typed-stages.ts', import.meta.url).href;

// ---- helpers ----------------------------------------------------------------------------------------

/** The line of the caller of the function that calls `callerLine()`. */
function callerLine(): number {
  // Frames: Error, callerLine, the helper that called it, the helper's caller.
  const frame = new Error().stack!.split('\n')[3]!;
  const m = /:(\d+):\d+\)?$/.exec(frame.trim());
  assert.ok(m, `cannot read a line from ${frame}`);
  return Number(m[1]);
}

/** The line (1-based) of this file from which `here()` is called. */
function here(): number {
  return callerLine();
}

/** Asserts `source` is `line` of this file, at the column where `needle` starts on that line. */
function assertSource(source: SourceLocation | undefined, line: number, needle?: string): void {
  assert.ok(source, 'a source location is recorded');
  assert.ok(source.file.endsWith('test/dsl/compile.test.ts'), `source file ${source.file}`);
  assert.equal(source.file, THIS_FILE);
  assert.equal(source.line, line, `source line (${THIS_TEXT[line - 1]?.trim()})`);
  if (needle !== undefined) {
    const col = THIS_TEXT[line - 1]!.indexOf(needle);
    assert.ok(col >= 0, `'${needle}' is on line ${line}`);
    assert.equal(source.column, col + 1, `column of '${needle}'`);
  }
}

/** Nodes of a graph by name. */
function byName(graph: PlanGraph): Record<string, NodeAttributes> {
  return Object.fromEntries(graph.mapNodes((_id, attrs) => [attrs.name, attrs]));
}

/** The nodes of a kind, in id order. */
function ofKind(graph: PlanGraph, kind: string): NodeAttributes[] {
  return graph
    .filterNodes((_id, attrs) => attrs.kind === kind)
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((id) => graph.getNodeAttributes(id));
}

function only(graph: PlanGraph, kind: string): NodeAttributes {
  const nodes = ofKind(graph, kind);
  assert.equal(nodes.length, 1, `one ${kind} node`);
  return nodes[0]!;
}

/** Producer ids of a node in input-port order, with `.port` for ports other than 0. */
function inputsOf(graph: PlanGraph, id: string): string[] {
  return inputEdges(graph, id).map((e) => (e.fromPort ? `${e.from}.${e.fromPort}` : e.from));
}

async function graphOf(output: Stream<unknown> | readonly Stream<unknown>[], name?: string): Promise<PlanGraph> {
  const plan: CompiledPlan<unknown> = await compile(output, name ? { name } : {});
  assert.deepEqual(verifyGraph(plan.graph), [], 'compile() output verifies');
  return plan.graph;
}

/**
 * Asserts `fn` throws a PlanError (or `cls`) matching `pattern` whose source is the line of this file
 * that called `expectPlanError` (so keep each call on one line).
 */
function expectPlanError(fn: () => unknown, pattern: RegExp, cls: typeof PlanError | typeof StageLoadError = PlanError): void {
  const caller = callerLine();
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal(e.name, cls.name);
    assert.match(e.message, pattern);
    assertSource(e.source, caller);
    return true;
  });
}

async function rejectsWith<E extends Error>(promise: Promise<unknown>, cls: new (...args: never[]) => E, pattern: RegExp): Promise<E> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected ${cls.name} matching ${pattern}`),
    (e: unknown) => {
      caught = e;
    },
  );
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  return caught;
}

const inc = (x: number) => x + 1;

// ---- ParStream ----------------------------------------------------------------------------------------

describe('ParStream methods lower to actor-placed nodes', () => {
  test('forEach, filter, combine, transform, batch, flatten and gatherSync; element types flow', async () => {
    const group = actors(Words, { count: 3, name: 'readers' });
    const graph = await graphOf(
      fromActors(group).filter(isLong).combine(words).forEach(parseNum).transform(pairs).batch(3).flatten().gatherSync(),
    );
    const onActors = { on: 'actors', group: 'readers', device: 'cpu' };
    const n = byName(graph);
    assert.deepEqual(Object.keys(n).sort(), [
      'gatherSync',
      'readers/batch(3)',
      'readers/combine(words)',
      'readers/filter(isLong)',
      'readers/flatten',
      'readers/forEach(parseNum)',
      'readers/fromActors',
      'readers/transform(pairs)',
    ]);
    const chain = [
      ['readers/fromActors', K.fromActors.kind, [], 'string', { shards: [0, 1, 2] }, undefined],
      ['readers/filter(isLong)', K.filter.kind, ['string'], 'string', {}, 'isLong'],
      ['readers/combine(words)', K.combine.kind, ['string'], 'string', {}, 'words'],
      ['readers/forEach(parseNum)', K.forEach.kind, ['string'], 'number', {}, 'parseNum'],
      ['readers/transform(pairs)', K.transform.kind, ['number'], '[number, number]', {}, 'pairs'],
      ['readers/batch(3)', K.batch.kind, ['unknown'], '[number, number][]', { n: 3 }, undefined],
      ['readers/flatten', K.flatten.kind, ['unknown'], '[number, number]', {}, undefined],
    ] as const;
    let previous: string | undefined;
    for (const [name, kind, inputTypes, output, params, stage] of chain) {
      const node = n[name]!;
      assert.equal(node.kind, kind, name);
      assert.deepEqual(node.inputTypes, inputTypes, name);
      assert.equal(node.output, output, name);
      assert.deepEqual(node.params, params, name);
      assert.deepEqual(node.placement, onActors, name);
      assert.deepEqual(node.stage, stage === undefined ? undefined : { type: 'ref', ref: { module: TYPED, name: stage }, args: [] }, name);
      assert.deepEqual(inputsOf(graph, node.id), previous ? [previous] : [], name);
      previous = node.id;
    }
    const gather = n['gatherSync']!;
    assert.equal(gather.kind, K.gatherSync.kind);
    assert.deepEqual(gather.placement, { on: 'driver' });
    assert.equal(gather.output, '[number, number]');
    assert.deepEqual(gather.inputTypes, ['unknown']);
    assert.deepEqual(gather.params, {});
    assert.deepEqual(inputsOf(graph, gather.id), [previous]);
    assert.deepEqual(graph.getAttribute('outputs'), [gather.id]);
    assert.equal(graph.getAttribute('name'), 'plan');
  });

  test('the actor group is recorded on the graph', async () => {
    const group = actors(Counter, { count: 2, name: 'counters', args: [5, 10, [1, 2]], resources: { gpus: 0.5 } }); const line = here();
    const graph = await graphOf(fromActors(group).gatherSync(), 'groups');
    assert.equal(graph.getAttribute('name'), 'groups');
    const spec = graph.getAttribute('actorGroups')['counters']!;
    assert.deepEqual({ ...spec, source: undefined }, {
      name: 'counters',
      actorClass: { module: COUNTERS, name: 'Counter' },
      count: 2,
      args: [5, 10, [1, 2]],
      resources: { cpus: 1, gpus: 0.5 },
      itemType: 'number',
      device: 'cpu',
      source: undefined,
    });
    assertSource(spec.source, line, 'actors(');
    // The default group name is the class name, with one actor.
    const dflt = await graphOf(fromActors(actors(Counter)).gatherSync());
    assert.deepEqual(Object.keys(dflt.getAttribute('actorGroups')), ['Counter']);
    assert.equal(dflt.getAttribute('actorGroups')['Counter']!.count, 1);
    assert.deepEqual(dflt.getAttribute('actorGroups')['Counter']!.resources, { cpus: 1, gpus: 0 });
  });

  test('batchAcrossShards gives a list per round; gatherAsync records inFlight and batchMs', async () => {
    const group = actors(Counter, { count: 2, name: 'w' });
    const across = await graphOf(fromActors(group).batchAcrossShards());
    const b = only(across, K.batchAcrossShards.kind);
    assert.equal(b.output, 'number[]');
    assert.deepEqual(b.placement, { on: 'driver' });
    assert.equal(b.name, 'batchAcrossShards');

    const dflt = only(await graphOf(fromActors(group).gatherAsync()), K.gatherAsync.kind);
    assert.deepEqual(dflt.params, { inFlight: 1 }); // batchMs absent: the batch pass may choose it
    assert.equal(dflt.output, 'number');
    const tuned = only(await graphOf(fromActors(group).forEach(toText).gatherAsync({ inFlight: 3, batchMs: 20, name: 'fast' })), K.gatherAsync.kind);
    assert.deepEqual(tuned.params, { inFlight: 3, batchMs: 20 });
    assert.equal(tuned.output, 'string');
    assert.equal(tuned.name, 'fast');
  });

  test('selectShards keeps the listed actors; union gathers several groups, each with its own chain', async () => {
    const w = actors(Counter, { count: 4, name: 'w' });
    const v = actors(Words, { count: 2, name: 'v' });
    const sel = await graphOf(fromActors(w).selectShards([3, 1]).gatherSync());
    assert.deepEqual(only(sel, K.fromActors.kind).params, { shards: [1, 3] });

    const graph = await graphOf(
      fromActors(w)
        .forEach(double)
        .union(fromActors(v).forEach(parseNum), fromActors(v).selectShards([1]).filter(isLong))
        .selectShards([0, 2, 4, 6])
        .gatherAsync({ inFlight: 2 }),
    );
    const sources = ofKind(graph, K.fromActors.kind);
    assert.deepEqual(
      sources.map((s) => [s.placement.on === 'actors' ? s.placement.group : 'driver', s.params['shards']]),
      [['w', [0, 2]], ['v', [0]], ['v', [1]]],
    );
    const gather = only(graph, K.gatherAsync.kind);
    // One input per shard set, each an actor chain on its own group; the element type is the union.
    assert.equal(inputEdges(graph, gather.id).length, 3);
    assert.deepEqual(gather.inputTypes, ['unknown', 'unknown', 'unknown']);
    assert.equal(gather.output, 'number | string');
    const lastOfChains = inputsOf(graph, gather.id).map((id) => graph.getNodeAttributes(id));
    assert.deepEqual(
      lastOfChains.map((node) => [node.name, node.placement]),
      [
        ['w/forEach(double)', { on: 'actors', group: 'w', device: 'cpu' }],
        ['v/forEach(parseNum)', { on: 'actors', group: 'v', device: 'cpu' }],
        ['v/filter(isLong)', { on: 'actors', group: 'v', device: 'cpu' }],
      ],
    );
    assert.deepEqual(Object.keys(graph.getAttribute('actorGroups')).sort(), ['v', 'w']);
  });

  test('factory stages carry their arguments; options override the output type and name the node', async () => {
    const group = actors(Words, { name: 'r' });
    const graph = await graphOf(
      fromActors(group).forEach(repeatText.with(2)).forEach(repeatText.with(1), { out: 'Text', name: 'render' }).gatherSync(),
    );
    const n = byName(graph);
    assert.deepEqual(n['r/forEach(repeatText)']!.stage, { type: 'ref', ref: { module: TYPED, name: 'repeatText' }, args: [2] });
    assert.equal(n['r/forEach(repeatText)']!.output, 'string');
    // A user name is not prefixed with the group (only scopes prefix user names).
    const render = n['render']!;
    assert.equal(render.output, 'Text');
    assert.deepEqual(render.placement, { on: 'actors', group: 'r', device: 'cpu' });
    assert.equal(only(graph, K.gatherSync.kind).output, 'Text');
    // The stage definition's own declared types are used otherwise; `scale` declares number -> number.
    const scaled = await graphOf(fromActors(actors(Counter, { name: 'c' })).forEach(scale.with(4)).gatherSync());
    assert.deepEqual(byName(scaled)['c/forEach(scale)']!.stage, { type: 'ref', ref: { module: COUNTERS, name: 'scale' }, args: [4] });
  });

  test('stages without declared types are gradual (unknown)', async () => {
    const graph = await graphOf(fromActors(actors(Counter, { name: 'c' })).combine(pairUp).filter(isEven).gatherSync());
    const n = byName(graph);
    assert.deepEqual(n['c/combine(pairUp)']!.inputTypes, ['number']);
    assert.equal(n['c/combine(pairUp)']!.output, 'number');
    assert.deepEqual(n['c/filter(isEven)']!.inputTypes, ['number']);
    assert.equal(n['c/filter(isEven)']!.output, 'number', 'filter keeps the element type');
  });

  test('numShards counts the shards of every set', () => {
    const w = actors(Counter, { count: 3, name: 'w' });
    assert.equal(fromActors(w).numShards, 3);
    assert.equal(fromActors(w).union(fromActors(w).selectShards([0])).numShards, 4);
  });
});

// ---- Stream ------------------------------------------------------------------------------------------

describe('Stream methods lower to driver nodes', () => {
  test('forEach, filter, combine and transform with closures', async () => {
    function show(x: number) {
      return `#${x}`;
    }
    const graph = await graphOf(
      fromItems([1, 2, 3])
        .forEach(inc)
        .filter(function big(x) {
          return x > 1;
        })
        .combine((x) => [x, x])
        .transform(async function* twice(items) {
          for await (const x of items) yield x * 2;
        }, { out: 'number' })
        .forEach(show),
    );
    const n = byName(graph);
    const driver = { on: 'driver' };
    const expectations = [
      ['forEach(inc)', K.forEach.kind, 'unknown', 'inc'],
      ['filter(big)', K.filter.kind, 'unknown', 'big'],
      ['combine(anonymous)', K.combine.kind, 'unknown', 'anonymous'],
      ['transform(twice)', K.transform.kind, 'number', 'twice'],
      ['forEach(show)', K.forEach.kind, 'unknown', 'show'],
    ] as const;
    for (const [name, kind, output, stage] of expectations) {
      const node = n[name];
      assert.ok(node, `${name} in ${Object.keys(n).join(', ')}`);
      assert.equal(node.kind, kind);
      assert.deepEqual(node.placement, driver);
      assert.deepEqual(node.inputTypes, ['unknown']);
      assert.equal(node.output, output, name);
      assert.equal(node.stage?.type, 'closure');
      assert.equal(node.stage?.name, stage);
      assert.equal(typeof (node.stage?.type === 'closure' ? node.stage.fn : undefined), 'function');
    }
    assert.equal(n['forEach(inc)']!.stage?.type === 'closure' ? n['forEach(inc)']!.stage.fn : undefined, inc);
    assert.equal(n['forEach(show)']!.stage?.type === 'closure' ? n['forEach(show)']!.stage.fn : undefined, show);
  });

  test('stage definitions also run on the driver, as references with their declared types', async () => {
    const graph = await graphOf(fromItems(['1', '22']).forEach(parseNum).forEach(toText).filter(isLong).forEach(repeatText.with(3)));
    const n = byName(graph);
    assert.deepEqual(n['forEach(parseNum)']!.placement, { on: 'driver' });
    assert.deepEqual(n['forEach(parseNum)']!.inputTypes, ['string']);
    assert.equal(n['forEach(parseNum)']!.output, 'number');
    assert.deepEqual(n['forEach(toText)']!.inputTypes, ['number']);
    assert.equal(n['filter(isLong)']!.output, 'string');
    assert.deepEqual(n['forEach(repeatText)']!.stage, { type: 'ref', ref: { module: TYPED, name: 'repeatText' }, args: [3] });
  });

  test('batch gives T[], flatten gives the element type', async () => {
    const graph = await graphOf(fromItems([1, 2, 3]).batch(2).batch(2, { name: 'outer' }).flatten().flatten({ name: 'flat' }));
    const n = byName(graph);
    assert.equal(n['batch(2)']!.kind, K.batch.kind);
    assert.deepEqual(n['batch(2)']!.params, { n: 2 });
    assert.equal(n['batch(2)']!.output, 'number[]');
    assert.equal(n['outer']!.output, 'number[][]');
    assert.equal(n['flatten']!.kind, K.flatten.kind);
    assert.equal(n['flatten']!.output, 'number[]');
    assert.equal(n['flat']!.output, 'number');
    for (const node of Object.values(n)) {
      assert.deepEqual(node.placement, { on: 'driver' });
      assert.equal(node.stage, undefined);
    }
    // Flattening a non-list (or an untyped stream) gives unknown; flattening a tuple gives its items.
    assert.equal(only(await graphOf(fromItems([1]).flatten()), K.flatten.kind).output, 'unknown');
    const zipped = await graphOf(fromActors(actors(Counter, { name: 'w' })).gatherAsync().zipWithSourceActor().flatten());
    assert.equal(only(zipped, K.flatten.kind).output, 'ActorRef | number');
  });

  test('zipWithSourceActor pairs items with an ActorRef', async () => {
    const graph = await graphOf(fromActors(actors(Words, { name: 'w' })).gatherAsync().zipWithSourceActor({ name: 'zip' }));
    const zip = byName(graph)['zip']!;
    assert.equal(zip.kind, K.zipWithSourceActor.kind);
    assert.equal(zip.output, '[ActorRef, string]');
    assert.deepEqual(zip.placement, { on: 'driver' });
    assert.equal(only(await graphOf(fromItems([[1]]).zipWithSourceActor()), K.zipWithSourceActor.kind).output, '[ActorRef, unknown]');
  });

  test('enqueue and dequeue name their queue, which is recorded on the graph', async () => {
    const q = queue<number>('replay', { capacity: 8, type: 'number' }); const line = here();
    const producer = fromItems([1, 2]).enqueue(q);
    const consumer = dequeue(q).batch(4);
    const graph = await graphOf(concurrently([producer, consumer], { mode: 'async', outputIndexes: [1] }));
    const enq = only(graph, K.enqueue.kind);
    const deq = only(graph, K.dequeue.kind);
    assert.equal(enq.name, 'enqueue(replay)');
    assert.deepEqual(enq.params, { queue: 'replay' });
    assert.deepEqual(enq.inputTypes, ['number']);
    assert.equal(enq.output, 'number', 'enqueue passes items on');
    assert.equal(deq.name, 'dequeue(replay)');
    assert.deepEqual(deq.params, { queue: 'replay' });
    assert.equal(deq.output, 'number');
    assert.deepEqual(inputsOf(graph, deq.id), []);
    const spec = graph.getAttribute('queues')['replay']!;
    assert.deepEqual({ ...spec, source: undefined }, { name: 'replay', capacity: 8, itemType: 'number', source: undefined });
    assertSource(spec.source, line, 'queue<');
    // Untyped queues carry unknown.
    const u = queue('u', { capacity: 1 });
    const g2 = await graphOf(concurrently([fromItems<unknown>([1]).enqueue(u), dequeue(u)], { mode: 'async' }));
    assert.equal(g2.getAttribute('queues')['u']!.itemType, 'unknown');
    assert.equal(only(g2, K.dequeue.kind).output, 'unknown');
  });

  test('callActors, callSourceActor and callActor record group, method, wait and the args stage', async () => {
    const learner = actors(Learner, { name: 'learner' });
    const workers = actors(Counter, { count: 2, name: 'workers' });
    function weightsOf(x: number) {
      return [[x]];
    }
    const graph = await graphOf(
      fromActors(workers)
        .gatherAsync()
        .callSourceActor('record')
        .batch(2)
        .callActor(learner, 'learn', { out: 'number' })
        .callActors(workers, 'record', { args: weightsOf, wait: true })
        .callActors(learner, 'setWeights')
        .callSourceActor('echo', { args: (x) => [x], name: 'reply' })
        .callActor(learner, 'getWeights'),
    );
    const n = byName(graph);
    const src = n['callSourceActor(record)']!;
    assert.equal(src.kind, K.callSourceActor.kind);
    assert.deepEqual(src.params, { method: 'record', wait: false });
    assert.equal(src.stage, undefined);
    assert.equal(src.output, 'number', 'callSourceActor passes items on');

    const learn = n['callActor(learner.learn)']!;
    assert.equal(learn.kind, K.callActor.kind);
    assert.deepEqual(learn.params, { group: 'learner', method: 'learn', wait: true });
    assert.equal(learn.output, 'number');

    const bcast = n['callActors(workers.record)']!;
    assert.equal(bcast.kind, K.callActors.kind);
    assert.deepEqual(bcast.params, { group: 'workers', method: 'record', wait: true });
    assert.equal(bcast.stage?.type, 'closure');
    assert.equal(bcast.stage?.type === 'closure' ? bcast.stage.fn : undefined, weightsOf);
    assert.equal(bcast.stage?.type === 'closure' ? bcast.stage.name : undefined, 'weightsOf');
    assert.equal(bcast.output, 'number');

    const set = n['callActors(learner.setWeights)']!;
    assert.deepEqual(set.params, { group: 'learner', method: 'setWeights', wait: false });
    assert.equal(set.stage, undefined);

    assert.deepEqual(n['reply']!.params, { method: 'echo', wait: false });
    assert.equal(n['reply']!.stage?.type, 'closure');
    assert.equal(n['callActor(learner.getWeights)']!.output, 'unknown', 'callActor output is unknown unless declared');

    for (const node of [src, learn, bcast, set]) assert.deepEqual(node.placement, { on: 'driver' });
    // A group that is only called (never a source) is still declared on the graph.
    assert.deepEqual(Object.keys(graph.getAttribute('actorGroups')).sort(), ['learner', 'workers']);
    assert.deepEqual(graph.getAttribute('actorGroups')['learner']!.actorClass, { module: TYPED, name: 'Learner' });
    assert.equal(graph.getAttribute('actorGroups')['learner']!.itemType, 'unknown');
  });

  test('duplicate makes one node with n output ports', async () => {
    const [a, b, c] = fromItems([1, 2]).duplicate(3, { maxSkew: 2, name: 'fan' });
    const graph = await graphOf(concurrently([a!, b!.forEach(inc), c!.filter((x) => x > 1)], { mode: 'roundRobin' }));
    const fan = byName(graph)['fan']!;
    assert.equal(fan.kind, K.duplicate.kind);
    assert.deepEqual(fan.params, { n: 3, maxSkew: 2 });
    assert.equal(fan.output, 'number');
    const conc = only(graph, K.concurrently.kind);
    const forEach = only(graph, K.forEach.kind);
    const filter = only(graph, K.filter.kind);
    assert.deepEqual(inputsOf(graph, conc.id), [fan.id, forEach.id, filter.id]);
    assert.deepEqual(inputsOf(graph, forEach.id), [`${fan.id}.1`]);
    assert.deepEqual(inputsOf(graph, filter.id), [`${fan.id}.2`]);
    const [x, y] = fromItems([1]).duplicate(2);
    assert.deepEqual(only(await graphOf(concurrently([x!, y!], { mode: 'async' })), K.duplicate.kind).params, { n: 2, maxSkew: 1 });
  });

  test('named renames the last stage', async () => {
    const graph = await graphOf(fromItems([1]).forEach(inc).named('step').batch(2).named('group'));
    assert.deepEqual(Object.keys(byName(graph)).sort(), ['fromItems', 'group', 'step']);
    assert.equal(byName(graph)['group']!.kind, K.batch.kind);
  });

  test('a plan may have several outputs', async () => {
    const a = fromItems([1]);
    const b = fromItems(['x']).forEach((s) => s.length);
    const graph = await graphOf([a, b]);
    assert.deepEqual(graph.getAttribute('outputs'), ['n0', 'n2']);
  });
});

// ---- sources and concurrently -----------------------------------------------------------------------

describe('sources', () => {
  test('fromItems infers primitive element types and records items and repeat', async () => {
    const cases: Array<[unknown[], string]> = [
      [[1, 2], 'number'],
      [['a'], 'string'],
      [[true, false], 'boolean'],
      [[1, 'a', 2], 'number | string'],
      [[{ a: 1 }], 'unknown'],
      [[1, [2]], 'unknown'],
      [[], 'unknown'],
    ];
    for (const [items, type] of cases) {
      const node = only(await graphOf(fromItems(items)), K.fromItems.kind);
      assert.equal(node.output, type, JSON.stringify(items));
      assert.deepEqual(node.params, { items, repeat: false });
      assert.deepEqual(node.inputTypes, []);
      assert.deepEqual(node.placement, { on: 'driver' });
      assert.equal(node.stage, undefined);
    }
    const typed = only(await graphOf(fromItems([{ obs: [0] }], { type: 'Sample', repeat: true, name: 'samples' })), K.fromItems.kind);
    assert.equal(typed.output, 'Sample');
    assert.equal(typed.name, 'samples');
    assert.deepEqual(typed.params, { items: [{ obs: [0] }], repeat: true });
  });

  test('fromItems copies its items', async () => {
    const items = [{ a: 1 }];
    const s = fromItems(items);
    items[0]!.a = 2;
    assert.deepEqual(only(await graphOf(s), K.fromItems.kind).params['items'], [{ a: 1 }]);
  });

  test('fromIterable takes a closure or a stage definition', async () => {
    const closure = only(await graphOf(fromIterable(function* gen() { yield 1; })), K.fromIterable.kind);
    assert.equal(closure.name, 'fromIterable(gen)');
    assert.equal(closure.output, 'unknown');
    assert.equal(closure.stage?.type, 'closure');
    assert.deepEqual(closure.placement, { on: 'driver' });
    const typed = only(await graphOf(fromIterable(() => [1], { type: 'number', name: 'nums' })), K.fromIterable.kind);
    assert.equal(typed.output, 'number');
    assert.equal(typed.name, 'nums');
    const def = only(await graphOf(fromIterable(lines)), K.fromIterable.kind);
    assert.equal(def.name, 'fromIterable(lines)');
    assert.equal(def.output, 'string');
    assert.deepEqual(def.stage, { type: 'ref', ref: { module: TYPED, name: 'lines' }, args: [] });
  });
});

describe('concurrently', () => {
  test('records mode, weights and output indexes; the output is the union of the listed streams', async () => {
    const nums = fromItems([1]);
    const strs = fromItems(['a']);
    const bools = fromItems([true]);
    const graph = await graphOf(concurrently([nums, strs, bools], { mode: 'roundRobin', weights: [1, '*', 2], outputIndexes: [2, 0], name: 'mix' }));
    const mix = byName(graph)['mix']!;
    assert.equal(mix.kind, K.concurrently.kind);
    assert.deepEqual(mix.params, { mode: 'roundRobin', weights: [1, '*', 2], outputIndexes: [2, 0] });
    assert.deepEqual(mix.inputTypes, ['unknown', 'unknown', 'unknown']);
    assert.equal(mix.output, 'boolean | number');
    assert.deepEqual(mix.placement, { on: 'driver' });
    assert.deepEqual(inputsOf(graph, mix.id), ['n0', 'n1', 'n2']);
  });

  test('without outputIndexes every stream is listed; equal types are merged; unknown absorbs', async () => {
    const all = only(await graphOf(concurrently([fromItems([1]), fromItems(['a'])], { mode: 'async' })), K.concurrently.kind);
    assert.deepEqual(all.params, { mode: 'async' });
    assert.equal(all.output, 'number | string');
    assert.equal(all.name, 'concurrently(async)');
    const same = only(await graphOf(concurrently([fromItems([1]), fromItems([2])], { mode: 'async' })), K.concurrently.kind);
    assert.equal(same.output, 'number');
    const withUnknown = only(await graphOf(concurrently([fromItems([1]), fromItems([{}])], { mode: 'async' })), K.concurrently.kind);
    assert.equal(withUnknown.output, 'unknown');
    const listedOnly = only(await graphOf(concurrently([fromItems([1]), fromItems([{}])], { mode: 'async', outputIndexes: [0] })), K.concurrently.kind);
    assert.equal(listedOnly.output, 'number');
  });
});

// ---- source locations -------------------------------------------------------------------------------

describe('source locations point at the calling line of the plan', () => {
  test('sources, driver methods and concurrently', async () => {
    const items = fromItems([1, 2]); const l1 = here();
    const batched = items.batch(2); const l2 = here();
    const flat = batched.flatten(); const l3 = here();
    const [d0, d1] = flat.duplicate(2); const l4 = here();
    const both = concurrently([d0!.forEach(inc), d1!], { mode: 'async' }); const l5 = here();
    const graph = await graphOf(both);
    const n = byName(graph);
    assertSource(n['fromItems']!.source, l1, 'fromItems(');
    assertSource(n['batch(2)']!.source, l2, 'batch(');
    assertSource(n['flatten']!.source, l3, 'flatten(');
    assertSource(n['duplicate(2)']!.source, l4, 'duplicate(');
    assertSource(n['forEach(inc)']!.source, l5, 'forEach(');
    assertSource(n['concurrently(async)']!.source, l5, 'concurrently(');
  });

  test('a chain spread over several lines points at each call', async () => {
    const start = here();
    const graph = await graphOf(
      fromItems([1, 2])
        .zipWithSourceActor()
        .callSourceActor('record')
        .named('rec'),
    );
    const n = byName(graph);
    assertSource(n['fromItems']!.source, start + 2, 'fromItems(');
    assertSource(n['zipWithSourceActor']!.source, start + 3, 'zipWithSourceActor(');
    assertSource(n['rec']!.source, start + 4, 'callSourceActor(');
  });

  test('actor-side nodes point at fromActors and at each ParStream call; gathers at the gather', async () => {
    const group = actors(Counter, { count: 2, name: 'w' });
    const par = fromActors(group); const l1 = here();
    const doubled = par.forEach(double).filter(isEven); const l2 = here();
    const out = doubled.gatherAsync({ inFlight: 2 }); const l3 = here();
    const synced = fromActors(group).batch(2).flatten().gatherSync(); const l4 = here();
    const graph = await graphOf(concurrently([out, synced], { mode: 'async' }));
    const n = byName(graph);
    assertSource(n['w/fromActors']!.source, l1, 'fromActors(');
    assertSource(n['w/forEach(double)']!.source, l2, 'forEach(');
    assertSource(n['w/filter(isEven)']!.source, l2, 'filter(');
    assertSource(n['gatherAsync']!.source, l3, 'gatherAsync(');
    assertSource(n['w/fromActors#2']!.source, l4, 'fromActors(');
    assertSource(n['w/batch(2)']!.source, l4, 'batch(');
    assertSource(n['w/flatten']!.source, l4, 'flatten(');
    assertSource(n['gatherSync']!.source, l4, 'gatherSync(');
  });

  test('message-passing nodes, queues and named nodes', async () => {
    const learner = actors(Learner, { name: 'learner' });
    const q = queue<number>('q', { capacity: 2 });
    const a = fromItems([1]).callActor(learner, 'learn').named('learn'); const l1 = here();
    const b = a.callActors(learner, 'setWeights', { args: () => [[]] }); const l2 = here();
    const c = b.enqueue(q); const l3 = here();
    const d = dequeue(q).filter((x) => x > 0, { name: 'positive' }); const l4 = here();
    const graph = await graphOf(concurrently([c, d], { mode: 'async' }));
    const n = byName(graph);
    assertSource(n['learn']!.source, l1, 'callActor(');
    assertSource(n['callActors(learner.setWeights)']!.source, l2, 'callActors(');
    assertSource(n['enqueue(q)']!.source, l3, 'enqueue(');
    assertSource(n['dequeue(q)']!.source, l4, 'dequeue(');
    assertSource(n['positive']!.source, l4, 'filter(');
  });

  test('errors found by the verifier point at the node and its line', async () => {
    // A number stream into a stage declared for strings: compile() runs the verifier.
    const bad = fromItems([1, 2]).forEach(parseNum as never); const line = here();
    const e = await rejectsWith(compile(bad), VerificationError, /types: input 0 expects 'string' but 'fromItems' produces 'number'/);
    assert.equal(e.invariant, 'types');
    assert.equal(e.nodeName, 'forEach(parseNum)');
    assert.equal(e.nodeId, 'n1');
    assertSource(e.source, line, 'forEach(');
    assert.ok(e.message.includes(`${THIS_FILE}:${line}:`), e.message);
  });
});

// ---- immutability -----------------------------------------------------------------------------------

describe('the builder is immutable', () => {
  test('deriving two streams from one Stream does not change it', async () => {
    const base = fromItems([1, 2, 3]);
    const baseNode = base.node;
    const a = base.forEach(inc);
    const b = base.batch(2).named('pairs');
    assert.equal(base.node, baseNode);
    assert.ok(Object.isFrozen(base.node));
    assert.ok(Object.isFrozen(base.node.inputs));
    assert.ok(Object.isFrozen(base.node.params));
    assert.equal(base.type, 'number');
    assert.notEqual(a, base);
    assert.equal(a.node.inputs[0]!.node, baseNode);
    assert.equal(b.node.inputs[0]!.node, baseNode);
    // Each derived plan holds only its own chain.
    assert.deepEqual(Object.keys(byName(await graphOf(base))), ['fromItems']);
    assert.deepEqual(Object.keys(byName(await graphOf(a))).sort(), ['forEach(inc)', 'fromItems']);
    assert.deepEqual(Object.keys(byName(await graphOf(b))).sort(), ['fromItems', 'pairs']);
    // named() returns a renamed copy and leaves the original stream as it was.
    const step = base.forEach(inc);
    const renamed = step.named('renamed');
    assert.equal(step.node.userName, undefined);
    assert.equal(renamed.node.userName, 'renamed');
    assert.deepEqual(Object.keys(byName(await graphOf(step))).sort(), ['forEach(inc)', 'fromItems']);
    // Calling compile twice on the same stream gives the same plan.
    assert.equal(dumpGraph(await graphOf(a)), dumpGraph(await graphOf(a)));
  });

  test('deriving two streams from one ParStream does not change it', async () => {
    const group = actors(Counter, { count: 3, name: 'w' });
    const par = fromActors(group);
    const doubled = par.forEach(double);
    const picked = par.selectShards([2]).batch(4);
    assert.equal(par.sets.length, 1);
    assert.equal(par.sets[0]!.ops.length, 0);
    assert.deepEqual(par.sets[0]!.shards, [0, 1, 2]);
    assert.equal(par.numShards, 3);
    assert.equal(doubled.sets[0]!.ops.length, 1);
    assert.equal(picked.sets[0]!.ops.length, 1);
    assert.deepEqual(picked.sets[0]!.shards, [2]);
    const plain = await graphOf(par.gatherSync());
    assert.deepEqual(Object.keys(byName(plain)).sort(), ['gatherSync', 'w/fromActors']);
    assert.deepEqual(only(plain, K.fromActors.kind).params, { shards: [0, 1, 2] });
    const d = await graphOf(doubled.gatherSync());
    assert.deepEqual(Object.keys(byName(d)).sort(), ['gatherSync', 'w/forEach(double)', 'w/fromActors']);
    const p = await graphOf(picked.gatherSync());
    assert.deepEqual(only(p, K.fromActors.kind).params, { shards: [2] });
    assert.equal(only(p, K.batch.kind).output, 'number[]');
    // union does not change its operands either.
    const u = par.union(doubled);
    assert.equal(par.sets.length, 1);
    assert.equal(u.sets.length, 2);
  });

  test('a ParStream can be gathered twice into two independent chains', async () => {
    const par = fromActors(actors(Counter, { count: 2, name: 'w' })).forEach(double);
    const graph = await graphOf(concurrently([par.gatherSync(), par.gatherAsync()], { mode: 'async' }));
    assert.equal(ofKind(graph, K.fromActors.kind).length, 2);
    assert.deepEqual(ofKind(graph, K.forEach.kind).map((n) => n.name), ['w/forEach(double)', 'w/forEach(double)#2']);
  });
});

// ---- names ------------------------------------------------------------------------------------------

describe('names are unique and hierarchical', () => {
  test('generated names get #2, #3… in creation order', async () => {
    const graph = await graphOf(
      concurrently([fromItems([1]).forEach(inc).forEach(inc), fromItems([2]).forEach(inc), fromItems([3])], { mode: 'async' }),
    );
    assert.deepEqual(
      graph.mapNodes((_id, a) => a.name).sort(),
      ['concurrently(async)', 'forEach(inc)', 'forEach(inc)#2', 'forEach(inc)#3', 'fromItems', 'fromItems#2', 'fromItems#3'],
    );
    assert.equal(graph.getNodeAttribute('n0', 'name'), 'fromItems');
    assert.equal(graph.getNodeAttribute('n1', 'name'), 'forEach(inc)');
    assert.equal(graph.getNodeAttribute('n2', 'name'), 'forEach(inc)#2');
  });

  test('generated names use the stage export name, not the function name', async () => {
    const graph = await graphOf(fromItems(['1']).forEach(parseNum));
    assert.equal(parseNum.displayName, 'stage', 'the arrow function has no name of its own');
    assert.equal(only(graph, K.forEach.kind).name, 'forEach(parseNum)');
  });

  test('user names are taken first; a generated name steps around them', async () => {
    const graph = await graphOf(concurrently([fromItems([1]), fromItems([2], { name: 'fromItems' })], { mode: 'async' }));
    assert.equal(graph.getNodeAttribute('n0', 'name'), 'fromItems#2');
    assert.equal(graph.getNodeAttribute('n1', 'name'), 'fromItems');
  });

  test('two equal user names are a PlanError naming both places', async () => {
    const a = fromItems([1], { name: 'src' }); const la = here();
    const b = fromItems([2]).named('src'); const lb = here();
    const e = await rejectsWith(compile(concurrently([a, b], { mode: 'async' })), PlanError, /two stages are named 'src'/);
    assert.ok(e.message.includes(`${THIS_FILE}:${la}:`), e.message);
    assert.ok(e.message.includes(`${THIS_FILE}:${lb}:`), e.message);
    assert.match(e.hint ?? '', /another name/);
    const c = fromItems([1]).forEach(inc, { name: 'step' });
    const d = fromItems([1]).forEach(inc, { name: 'step' });
    await rejectsWith(compile(concurrently([c, d], { mode: 'async' })), PlanError, /two stages are named 'step'/);
    // Group names do not prefix user names, so two groups cannot reuse one.
    const w = actors(Counter, { name: 'w' });
    const v = actors(Counter, { name: 'v' });
    await rejectsWith(
      compile(concurrently([fromActors(w).forEach(double, { name: 'x2' }).gatherSync(), fromActors(v).forEach(double, { name: 'x2' }).gatherSync()], { mode: 'async' })),
      PlanError,
      /two stages are named 'x2'/,
    );
  });

  test('invalid user names are rejected where they are given', () => {
    expectPlanError(() => fromItems([1], { name: 'a b' }), /stage name 'a b' must be non-empty and contain no spaces or '\/'/);
    expectPlanError(() => fromItems([1]).named('a/b'), /stage name 'a\/b'/);
    expectPlanError(() => fromItems([1]).batch(2, { name: '' }), /stage name ''/);
    expectPlanError(() => fromItems([1]).duplicate(2)[0]!.named('d'), /name a duplicate through duplicate\(n, \{ name \}\)/);
  });

  test("scope('x', …) prefixes the names of every node made inside it", async () => {
    const w = actors(Counter, { name: 'w' });
    const result = scope('rollouts', () => fromActors(w).forEach(double).gatherAsync().forEach(inc, { name: 'post' }));
    const plain = fromItems([1]).forEach(inc);
    const graph = await graphOf(concurrently([result, plain], { mode: 'async' }));
    assert.deepEqual(graph.mapNodes((_id, a) => a.name).sort(), [
      'concurrently(async)',
      'forEach(inc)',
      'fromItems',
      'rollouts/gatherAsync',
      'rollouts/post',
      'rollouts/w/forEach(double)',
      'rollouts/w/fromActors',
    ]);
  });

  test('scopes nest, return the value built, and allow the same user name in different scopes', async () => {
    const a = scope('outer', () => scope('inner', () => fromItems([1], { name: 'src' }).batch(2)));
    const b = scope('other', () => fromItems([1], { name: 'src' }));
    const graph = await graphOf(concurrently([a, b], { mode: 'async' }));
    assert.deepEqual(graph.mapNodes((_id, n) => n.name).sort(), ['concurrently(async)', 'other/src', 'outer/inner/batch(2)', 'outer/inner/src']);
    assert.equal(scope('x', () => 42), 42);
  });

  test('actor-side nodes keep the scope of the calls that made them, not of the gather', async () => {
    const w = actors(Counter, { name: 'w' });
    const par = scope('sampling', () => fromActors(w).forEach(double));
    const graph = await graphOf(scope('training', () => par.batch(2).gatherSync()));
    assert.deepEqual(graph.mapNodes((_id, n) => n.name).sort(), [
      'sampling/w/forEach(double)',
      'sampling/w/fromActors',
      'training/gatherSync',
      'training/w/batch(2)',
    ]);
  });

  test('named() keeps the scope the node was made in', async () => {
    const s = scope('a', () => fromItems([1]).forEach(inc));
    const graph = await graphOf(s.named('x'));
    assert.deepEqual(graph.mapNodes((_id, n) => n.name).sort(), ['a/fromItems', 'a/x']);
  });

  test('bad scope names are rejected, and the scope stack is restored after an error', async () => {
    expectPlanError(() => scope('a/b', () => 1), /scope name 'a\/b'/);
    expectPlanError(() => scope('a b', () => 1), /scope name 'a b'/);
    assert.throws(() => scope('broken', () => { throw new Error('inside'); }), /inside/);
    const graph = await graphOf(fromItems([1]));
    assert.equal(graph.getNodeAttribute('n0', 'name'), 'fromItems');
  });

  test('stream.apply(name, fn) opens a composite scope: hierarchical names, the scope in the IR, grouped dump lines', async () => {
    const w = actors(Counter, { name: 'w' });
    const sampled = fromActors(w).apply('sample', (p) => p.forEach(double).gatherSync());
    const out = sampled.apply('post', (s) => s.apply('twice', (t) => t.forEach(inc).forEach(inc))).forEach(inc, { name: 'last' });
    const graph = await graphOf(out);
    assert.deepEqual(graph.mapNodes((_id, n) => [n.name, n.scope ?? []]), [
      ['w/fromActors', []],
      ['sample/w/forEach(double)', ['sample']],
      ['sample/gatherSync', ['sample']],
      ['post/twice/forEach(inc)', ['post', 'twice']],
      ['post/twice/forEach(inc)#2', ['post', 'twice']],
      ['last', []],
    ]);
    const dump = dumpGraph(graph, { sources: false }).split('\n').slice(3, 12);
    assert.deepEqual(dump.map((l) => l.replace(/ = .*/, '')), [
      'n0 "w/fromActors"',
      'scope sample',
      '  n1 "sample/w/forEach(double)"',
      '  n2 "sample/gatherSync"',
      'scope post',
      '  scope post/twice',
      '    n3 "post/twice/forEach(inc)"',
      '    n4 "post/twice/forEach(inc)#2"',
      'n5 "last"',
    ]);
    // The transform's value is returned as is (a composite may return anything, e.g. several streams).
    assert.equal(fromItems([1]).apply('x', () => 7), 7);
  });
});

// ---- errors -----------------------------------------------------------------------------------------

describe('plan errors', () => {
  test('a stream consumed twice is a PlanError naming both consumers and the producer', async () => {
    const s = fromItems([1, 2]); const ls = here();
    const a = s.forEach(inc); const la = here();
    const b = s.filter((x) => x > 1); const lb = here();
    const e = await rejectsWith(compile(concurrently([a, b], { mode: 'async' })), PlanError, /is consumed twice/);
    assert.match(e.message, new RegExp(`the stream made at ${THIS_FILE}:${ls}:\\d+ is consumed twice`));
    assert.match(e.message, new RegExp(`by 'forEach\\(inc\\)' at ${THIS_FILE}:${la}:\\d+ and by 'filter\\(anonymous\\)'`));
    assert.equal(e.nodeName, 'filter(anonymous)');
    assertSource(e.source, lb, 'filter(');
    assert.match(e.hint ?? '', /duplicate\(n\)/);
  });

  test('a duplicate output consumed twice is a PlanError too', async () => {
    const [a, b] = fromItems([1]).duplicate(2);
    await rejectsWith(compile(concurrently([a!, a!.forEach(inc), b!], { mode: 'async' })), PlanError, /consumed twice/);
  });

  test('a plan output that is also consumed inside the plan is a PlanError, whatever the order', async () => {
    const s = fromItems([1, 2]);
    const t = s.forEach(inc);
    await rejectsWith(compile([t, s]), PlanError, /a plan output is also consumed inside the plan/);
    await rejectsWith(compile([s, t]), PlanError, /a plan output is also consumed inside the plan/);
  });

  test('a stage that is not exported is a StageLoadError', async () => {
    const hidden = useHidden();
    const e = await rejectsWith(compile(fromItems([1]).forEach(hidden)), StageLoadError, /the stage defined at .*counters\.ts:\d+:\d+ cannot be loaded by a worker: it is not exported from its module/);
    assert.equal(e.name, 'StageLoadError');
    assert.match(e.hint ?? '', /export it/);
    assert.equal(e.nodeName, 'forEach(stage)');
    await rejectsWith(compile(fromActors(actors(Counter, { name: 'w' })).forEach(hidden).gatherSync()), StageLoadError, /not exported/);
    await rejectsWith(compile(fromItems([1]).forEach(misnamed)), StageLoadError, /its module has no export 'notExported' holding it/);
  });

  test('an actor class that is not exported is a StageLoadError naming the group', async () => {
    const group = actors(useHiddenActor(), { name: 'hidden' });
    const e = await rejectsWith(compile(fromActors(group).gatherSync()), StageLoadError, /the actor class 'HiddenActor' defined at .* cannot be loaded by a worker: it is not exported/);
    assert.equal(e.nodeName, 'fromActors');
    assert.match(e.hint ?? '', /export it/);
  });

  test('closures are rejected by ParStream methods', () => {
    const par = fromActors(actors(Counter, { name: 'w' }));
    expectPlanError(() => par.forEach(((x: number) => x) as never), /forEach\(\) on a ParStream runs on actors and needs a stage defined with actorStage/);
    expectPlanError(() => par.filter(((x: number) => x > 0) as never), /filter\(\) on a ParStream runs on actors/);
    expectPlanError(() => par.combine(((x: number) => [x]) as never), /combine\(\) on a ParStream runs on actors/);
    expectPlanError(() => par.transform(((x: number) => x) as never), /transform\(\) on a ParStream runs on actors/);
    assert.throws(() => par.forEach(((x: number) => x) as never), (e: PlanError) => /closures cannot be sent to worker processes/.test(e.hint ?? ''));
  });

  test('a stage argument that is neither a function nor a stage is rejected', () => {
    expectPlanError(() => fromItems([1]).forEach(42 as never), /forEach\(\) needs a function or a stage definition, got number/);
    expectPlanError(() => fromActors(actors(Counter)).filter({} as never), /filter\(\) needs a function or a stage definition, got object/);
  });

  test('bad arguments to stream methods', () => {
    const s = fromItems([1, 2]);
    const par = fromActors(actors(Counter, { count: 2, name: 'w' }));
    expectPlanError(() => s.batch(0), /batch\(n\) needs a positive integer, got 0/);
    expectPlanError(() => s.batch(1.5), /batch\(n\) needs a positive integer, got 1.5/);
    expectPlanError(() => par.batch(0), /batch\(n\) needs a positive integer, got 0/);
    expectPlanError(() => s.duplicate(1), /duplicate\(n\) needs n >= 2, got 1/);
    expectPlanError(() => s.duplicate(2, { maxSkew: 0 }), /duplicate maxSkew must be a positive integer, got 0/);
    expectPlanError(() => par.gatherAsync({ inFlight: 0 }), /gatherAsync inFlight must be a positive integer, got 0/);
    expectPlanError(() => par.gatherAsync({ inFlight: 1.5 }), /inFlight must be a positive integer/);
    expectPlanError(() => par.gatherAsync({ batchMs: -1 }), /gatherAsync batchMs must be >= 0, got -1/);
    expectPlanError(() => par.selectShards([]), /selectShards needs a non-empty list/);
    expectPlanError(() => par.selectShards([2]), /selectShards: shard 2 does not exist \(this stream has 2\)/);
    expectPlanError(() => par.selectShards([1, 1]), /selectShards lists shard 1 twice/);
    expectPlanError(() => s.callSourceActor(''), /method must be a method name/);
    expectPlanError(() => s.callSourceActor('$stop'), /method names starting with '\$' are reserved/);
    expectPlanError(() => s.callActors({ kind: 'nope', name: 'x' } as never, 'record' as never), /needs an actor group created with actors\(\)/);
    expectPlanError(() => s.enqueue({} as never), /enqueue\(\) needs a queue created with queue/);
  });

  test('bad arguments to sources and definitions', () => {
    expectPlanError(() => queue('q', { capacity: 0 }), /queue 'q' needs a positive integer capacity, got 0/);
    expectPlanError(() => queue('q', { capacity: 2.5 }), /positive integer capacity/);
    expectPlanError(() => queue('bad name', { capacity: 1 }), /queue name 'bad name'/);
    expectPlanError(() => queue('q', { capacity: 1, type: 'number[' }), /bad element type 'number\['/);
    expectPlanError(() => dequeue('q' as never), /dequeue\(\) needs a queue created with queue/);
    expectPlanError(() => fromItems('abc' as never), /fromItems\(\) needs an array/);
    expectPlanError(() => fromItems([], { repeat: true }), /would never yield/);
    expectPlanError(() => fromItems([1], { type: '(x' }), /bad element type '\(x'/);
    expectPlanError(() => fromActors({} as never), /fromActors\(\) needs an actor group created with actors\(\)/);
    expectPlanError(() => fromIterable(7 as never), /fromIterable\(\) needs a function or a stage definition/);
  });

  test('fromItems rejects items that do not survive a JSON round trip', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expectPlanError(() => fromItems([1n]), /fromItems\(\) items must be JSON data/);
    expectPlanError(() => fromItems([circular]), /fromItems\(\) items must be JSON data/);
    expectPlanError(() => fromItems([undefined]), /fromItems\(\) items must survive a JSON round trip/);
    expectPlanError(() => fromItems([new Float32Array(2)]), /must survive a JSON round trip/);
    expectPlanError(() => fromItems([Number.NaN]), /must survive a JSON round trip/);
    expectPlanError(() => fromItems([new Map([[1, 2]])]), /must survive a JSON round trip/);
    expectPlanError(() => fromItems([{ a: undefined }]), /must survive a JSON round trip/);
    expectPlanError(() => fromItems([() => 1]), /must survive a JSON round trip/);
    expectPlanError(() => fromItems([new Date(0)]), /must survive a JSON round trip/);
    expectPlanError(() => fromItems([[1, undefined]]), /must survive a JSON round trip/);
    // Plain nested JSON is fine.
    assert.ok(fromItems([{ a: [1, 'x', null, true, { b: -2.5 }] }, [], 'z']) instanceof Stream);
  });

  test('bad arguments to concurrently', () => {
    const a = fromItems([1]);
    const b = fromItems([2]);
    expectPlanError(() => concurrently([a], { mode: 'async' }), /concurrently\(\) needs at least 2 streams, got 1/);
    expectPlanError(() => concurrently([] as Stream<number>[], { mode: 'async' }), /needs at least 2 streams, got 0/);
    expectPlanError(() => concurrently([a, fromActors(actors(Counter)) as never], { mode: 'async' }), /item 1 is not a driver Stream/);
    expectPlanError(() => concurrently([a, b], { mode: 'sometimes' as never }), /mode must be 'roundRobin' or 'async'/);
    expectPlanError(() => concurrently([a, b], { mode: 'roundRobin', weights: [1] }), /weights must list one weight per stream \(2\)/);
    expectPlanError(() => concurrently([a, b], { mode: 'roundRobin', weights: [1, 0] }), /each weight must be a number > 0 or '\*'/);
    expectPlanError(() => concurrently([a, b], { mode: 'roundRobin', weights: ['*', '*'] }), /weights must not all be '\*'/);
    expectPlanError(() => concurrently([a, b], { mode: 'async', weights: [1, 1] }), /weights are only allowed in mode 'roundRobin'/);
    expectPlanError(() => concurrently([a, b], { mode: 'async', outputIndexes: [] }), /outputIndexes must be a non-empty list/);
    expectPlanError(() => concurrently([a, b], { mode: 'async', outputIndexes: [2] }), /outputIndexes must be stream positions 0\.\.1, got 2/);
    expectPlanError(() => concurrently([a, b], { mode: 'async', outputIndexes: [0, 0] }), /outputIndexes lists 0 twice/);
  });

  test('bad actor groups', () => {
    expectPlanError(() => actors(Counter, { count: 0 }), /actor count must be a positive integer, got 0/);
    expectPlanError(() => actors(Counter, { count: 1.5 }), /actor count must be a positive integer/);
    expectPlanError(() => actors(Counter, { resources: { cpus: -1 } }), /resources\.cpus must be a number >= 0, got -1/);
    expectPlanError(() => actors(Counter, { name: 'a/b' }), /actor group name 'a\/b'/);
    expectPlanError(() => actors({} as never), /actors\(\) needs a class defined with actorClass/);
    expectPlanError(() => actors(Counter, { args: [() => 0] as never }), /arguments of stage 'Counter constructor' are not plain data/);
  });

  test('definitions need the module URL and valid types', () => {
    expectPlanError(() => actorStage('double' as string, (x: number) => x), /actorStage needs the defining module's URL as first argument, got "double"/);
    expectPlanError(() => actorStage(undefined as never, (x: number) => x), /actorStage needs the defining module's URL/);
    expectPlanError(() => actorStageFactory('./stages.js', () => (x: number) => x), /actorStageFactory needs the defining module's URL/);
    expectPlanError(() => actorClass('Counter', class {}), /actorClass needs the defining module's URL/);
    expectPlanError(() => actorStage(import.meta.url, 'fn' as never), /actorStage needs a function/);
    expectPlanError(() => actorStage(import.meta.url, (x: number) => x, { in: 'number[' }), /bad element type 'number\['/);
    expectPlanError(() => actorClass(import.meta.url, class {}, { items: '[x' }), /bad element type '\[x'/);
    assert.throws(() => actorStage('nope', (x: number) => x), (e: PlanError) => /pass import\.meta\.url/.test(e.hint ?? ''));
    // An absolute path is accepted and turned into a file URL.
    assert.equal(actorStage('/abs/stages.js', (x: number) => x).module, 'file:///abs/stages.js');
    assert.equal(actorStage(import.meta.url, (x: number) => x).module, import.meta.url);
  });

  test('actorStageFactory.with() needs structured-cloneable arguments and copies them', () => {
    expectPlanError(() => scale.with((() => 2) as never), /arguments of stage '.*' are not plain data/);
    expectPlanError(() => repeatText.with(Symbol('n') as never), /are not plain data/);
    assert.throws(() => scale.with((() => 2) as never), (e: PlanError) => /sent to worker processes/.test(e.hint ?? ''));
    const arg = { k: 1 };
    const bound = actorStageFactory(import.meta.url, (o: { k: number }) => (x: number) => x * o.k).with(arg);
    arg.k = 5;
    assert.deepEqual(bound.args, [{ k: 1 }]);
  });

  test('two different groups (or queues) with the same name are a PlanError at compile', async () => {
    const a = actors(Counter, { name: 'workers' }); const la = here();
    const b = actors(Counter, { name: 'workers', count: 2 }); const lb = here();
    const e = await rejectsWith(
      compile(concurrently([fromActors(a).gatherSync(), fromActors(b).gatherSync()], { mode: 'async' })),
      PlanError,
      /two different actor groups are named 'workers'/,
    );
    assert.ok(e.message.includes(`${THIS_FILE}:${la}:`) && e.message.includes(`${THIS_FILE}:${lb}:`), e.message);
    assert.match(e.hint ?? '', /actors\(Class, \{ name: '\.\.\.' \}\)/);
    // A group used both as a source and as a call target is one group.
    const graph = await graphOf(fromActors(a).gatherSync().callActors(a, 'record'));
    assert.deepEqual(Object.keys(graph.getAttribute('actorGroups')), ['workers']);
    // Calling a different group of the same name is caught as well.
    await rejectsWith(compile(fromActors(a).gatherSync().callActors(b, 'record')), PlanError, /two different actor groups are named 'workers'/);

    const q1 = queue<number>('q', { capacity: 1 });
    const q2 = queue<number>('q', { capacity: 2 });
    await rejectsWith(compile(concurrently([fromItems([1]).enqueue(q1), dequeue(q2)], { mode: 'async' })), PlanError, /two different queues are named 'q'/);
  });

  test('compile() needs driver streams', async () => {
    await rejectsWith(compile([]), PlanError, /compile\(\) needs at least one output stream/);
    await rejectsWith(compile(fromActors(actors(Counter)) as never), PlanError, /output 0 is not a driver Stream/);
  });
});
