/**
 * Run traces: a small plan (actor-side stages, an async gather, driver stages, request/reply calls) run
 * with a `TraceRecorder` on both backends gives a valid Chrome trace in which every plan node and every
 * actor shows up; the event cap truncates with a note; argument summaries stay short.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { actors, compile, fromActors } from '../../src/dsl/index.js';
import { run, type BackendName } from '../../src/runtime/runtime.js';
import { TraceRecorder, summarize, type ChromeTrace, type TraceEvent } from '../../src/runtime/trace.js';
import { Counter, double, isEven } from '../fixtures/counters.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-trace-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 2 source actors × 6 items → actor-side isEven and double → gatherAsync → driver stage → echo on a service actor. */
async function tinyPlan() {
  const sources = actors(Counter, { count: 2, args: [0, 6], name: 'sources' });
  const service = actors(Counter, { count: 1, args: [0, 0], name: 'service' });
  const stream = fromActors(sources)
    .filter(isEven, { name: 'evens' })
    .forEach(double, { name: 'doubled' })
    .gatherAsync({ inFlight: 2, name: 'gather' })
    .forEach((x: number) => x + 1, { name: 'plusOne' })
    .callActor(service, 'echo', { name: 'echoed' })
    .forEach((x) => Number(x), { name: 'numbers' });
  return compile(stream, { name: 'trace-tiny' });
}

/** The structural rules of Chrome's trace event format that viewers rely on. */
function assertValidChromeTrace(trace: ChromeTrace): void {
  const json = JSON.parse(JSON.stringify(trace)) as ChromeTrace;
  assert.ok(Array.isArray(json.traceEvents), 'traceEvents is an array');
  assert.equal(json.displayTimeUnit, 'ms');
  for (const e of json.traceEvents) {
    const where = JSON.stringify(e);
    assert.equal(typeof e.name, 'string', where);
    assert.ok(['X', 'M', 'C', 'i'].includes(e.ph), where);
    for (const k of ['ts', 'pid', 'tid'] as const) assert.ok(Number.isFinite(e[k]) && e[k] >= 0, `${k} in ${where}`);
    if (e.ph === 'X') assert.ok(Number.isFinite(e.dur) && e.dur! >= 0, `dur in ${where}`);
    if (e.ph === 'M') assert.ok(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index'].includes(e.name), where);
    if (e.ph === 'C') assert.ok(Object.values(e.args ?? {}).every((v) => Number.isFinite(v)), where);
  }
}

/** Spans on one track never overlap partially (viewers drop or mis-draw those): sorted, each ends before the next starts. */
function assertTracksWellFormed(events: readonly TraceEvent[]): void {
  const byTrack = new Map<string, TraceEvent[]>();
  for (const e of events) if (e.ph === 'X') byTrack.set(`${e.pid}:${e.tid}`, [...(byTrack.get(`${e.pid}:${e.tid}`) ?? []), e]);
  for (const [track, spans] of byTrack) {
    if (track.startsWith('1:')) continue; // driver tracks: one port's pulls are sequential by the protocol, checked below
    spans.sort((a, b) => a.ts - b.ts);
    for (let k = 1; k < spans.length; k++) {
      const prev = spans[k - 1]!;
      assert.ok(spans[k]!.ts >= prev.ts + prev.dur! - 0.2, `overlapping spans on track ${track}: ${JSON.stringify(prev)} and ${JSON.stringify(spans[k])}`);
    }
  }
}

function threadNames(trace: ChromeTrace): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of trace.traceEvents) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, String(e.args!['name']));
  return names;
}

async function traceTinyPlan(backend: BackendName): Promise<{ trace: ChromeTrace; outputs: number[] }> {
  const plan = await tinyPlan();
  const recorder = new TraceRecorder({ minPullUs: 0 });
  const rt = await run<number>(plan, { backend, seed: 1, trace: recorder });
  try {
    const outputs: number[] = [];
    for await (const x of rt) outputs.push(x);
    const file = path.join(dir, `${backend}.json`);
    recorder.writeChromeTrace(file);
    return { trace: JSON.parse(readFileSync(file, 'utf8')) as ChromeTrace, outputs };
  } finally {
    await rt.close();
  }
}

for (const backend of ['local', 'farm'] as const) {
  describe(`a traced run (${backend})`, () => {
    test('is a valid Chrome trace in which every plan node and every actor appears', async () => {
      const { trace, outputs } = await traceTinyPlan(backend);
      assert.deepEqual(outputs.sort((a, b) => a - b), [1, 5, 9, 2001, 2005, 2009]);
      assert.ok(trace.traceEvents.some((e) => e.ph === 'X' && e.cat === 'runtime' && e.name === 'start actors'));
      assertValidChromeTrace(trace);
      const spans = trace.traceEvents.filter((e) => e.ph === 'X');
      assertTracksWellFormed(spans);
      const names = threadNames(trace);

      assert.equal(trace.metadata.plan, 'trace-tiny');
      assert.equal(trace.metadata.backend, backend);
      assert.equal(trace.metadata.actorTimes, true);
      for (const node of trace.metadata.nodes) {
        if (node.on === 'driver') {
          // Driver nodes: pull spans named after the node, on the node's own track.
          const own = spans.filter((e) => e.cat === 'pull' && e.name === node.name);
          assert.ok(own.some((e) => e.args!['result'] === 'item'), `a pull of '${node.name}' that produced an item`);
          assert.ok(own.every((e) => names.get(`${e.pid}:${e.tid}`)!.startsWith(`${node.name} (`)), `'${node.name}' spans on its own track`);
        } else {
          // Actor-side nodes: the shard calls made for them name them.
          assert.ok(spans.some((e) => e.cat === 'call' && e.args!['node'] === node.name), `a call made for actor-side node '${node.name}'`);
        }
      }
      assert.deepEqual(trace.metadata.nodes.map((n) => n.name), ['sources/fromActors', 'evens', 'doubled', 'gather', 'plusOne', 'echoed', 'numbers']);

      assert.deepEqual([...trace.metadata.actors].sort(), ['service[0]', 'sources[0]', 'sources[1]']);
      for (const actor of trace.metadata.actors) {
        const tracks = [...names].filter(([, name]) => name === actor || name.startsWith(`${actor} `)).map(([key]) => key);
        const calls = spans.filter((e) => tracks.includes(`${e.pid}:${e.tid}`));
        assert.ok(calls.some((e) => e.cat === 'call'), `driver-view calls of ${actor}`);
        assert.ok(calls.some((e) => e.cat === 'actor'), `actor-side runs of ${actor}`);
      }
      // The request/reply calls: method name, the node that made them, args summarized, time split.
      const echoes = spans.filter((e) => e.cat === 'call' && e.name === 'echo');
      assert.equal(echoes.length, 6);
      for (const e of echoes) {
        assert.equal(e.args!['node'], 'echoed');
        assert.match(String(e.args!['args']), /^\d+$/);
        for (const k of ['runMs', 'queuedMs', 'ipcMs']) assert.ok(Number(e.args![k]) >= 0, k);
      }
      // A source pull in flight while another is answered goes on a second lane, not over the first.
      assert.ok([...names.values()].some((n) => /^sources\[\d\] calls, driver view incl\. IPC #2$/.test(n)), [...names.values()].join('\n'));
      const actorRuns = spans.filter((e) => e.cat === 'actor');
      for (const run of actorRuns) {
        const call = spans.find((c) => c.cat === 'call' && c.pid === run.pid && c.name === run.name && c.ts <= run.ts + 0.1 && run.ts + run.dur! <= c.ts + c.dur! + 0.2);
        assert.ok(call, `the actor ran ${run.name} inside the window the driver saw: ${JSON.stringify(run)}`);
      }
    });
  });
}

describe('TraceRecorder', () => {
  test('past maxEvents it drops events, counts them and says so in the file', async () => {
    const plan = await tinyPlan();
    const recorder = new TraceRecorder({ maxEvents: 10, counterIntervalMs: 0 });
    const rt = await run<number>(plan, { backend: 'local', trace: recorder });
    try {
      assert.equal((await rt.take(100)).length, 6);
    } finally {
      await rt.close();
    }
    const trace = recorder.toJSON();
    assertValidChromeTrace(trace);
    assert.equal(trace.traceEvents.filter((e) => e.ph !== 'M' && e.ph !== 'i').length, 10);
    assert.ok(trace.metadata.truncated && trace.metadata.truncated.dropped > 0);
    const note = trace.traceEvents.find((e) => e.ph === 'i');
    assert.match(note!.name, /^trace truncated: \d+ later events dropped \(maxEvents 10\)$/);
  });

  test('records one run: a second run with the same recorder is refused', async () => {
    const recorder = new TraceRecorder();
    const rt = await run(await tinyPlan(), { backend: 'local', trace: recorder });
    await rt.close();
    await assert.rejects(run(await tinyPlan(), { backend: 'local', trace: recorder }), /already records the run of plan 'trace-tiny'; use one recorder per run/);
  });

  test('quick polls that produced nothing are left out; items/s counters sample the driver nodes', async () => {
    const plan = await tinyPlan();
    const recorder = new TraceRecorder({ minPullUs: 1e9, counterIntervalMs: 1e-6 });
    const rt = await run<number>(plan, { backend: 'local', trace: recorder });
    try {
      await rt.take(100);
    } finally {
      await rt.close();
    }
    const trace = recorder.toJSON();
    const pulls = trace.traceEvents.filter((e) => e.cat === 'pull');
    assert.ok(pulls.length > 0);
    assert.ok(pulls.every((e) => e.args!['result'] !== 'not ready'));
    const counters = trace.traceEvents.filter((e) => e.ph === 'C');
    assert.ok(counters.some((e) => e.name === 'numbers items/s' && Number(e.args!['items/s']) > 0));
  });

  test('summarize describes values briefly and cheaply', () => {
    assert.equal(summarize(3), '3');
    assert.equal(summarize('x'.repeat(40)), JSON.stringify(`${'x'.repeat(31)}…`));
    assert.equal(summarize(new Float32Array(7)), 'Float32Array(7)');
    assert.equal(summarize([1, 'a', [2, 3], 4, 5]), '[1, "a", Array(2), 4, … 5 items]');
    assert.equal(summarize({ count: 200, obs: 1, actions: 2 }), '{count=200; count, obs, actions}');
    class Batch {
      a = 1;
    }
    assert.equal(summarize(new Batch()), 'Batch{a}');
  });
});
