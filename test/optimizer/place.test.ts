/**
 * The `place` pass on fake inventories: PPO's real plan (the learner wants a GPU) and small Counter
 * plans (demands, fractional shares, strictness, oversubscription, several hosts), plus the GPU probe
 * that builds the real inventory.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { algorithms } from '../../src/algorithms/index.js';
import { actors, compile, concurrently, fromActors, fromItems, type ActorGroupOptions } from '../../src/dsl/index.js';
import { dumpGraph, type PlanGraph } from '../../src/ir/index.js';
import { detectGpus, detectInventory, inventory, optimize, PassConfigError, PassError, type GpuProbe, type Inventory, type OptimizeReport } from '../../src/optimizer/index.js';
import { Counter, double } from '../fixtures/counters.js';

const NO_BACKEND = 'no GPU tensor backend: @tensorflow/tfjs-node-gpu is not installed';

async function ppoPlan() {
  return compile(algorithms.ppo!.plan(algorithms.ppo!.config({ numWorkers: 2 })));
}

/** A Counter group (the DSL records this call's line as the group's source). */
function counters(name: string, options: ActorGroupOptions<[number, number]> = {}) {
  return actors(Counter, { args: [0, 3], ...options, name });
}

/** A plan reading from each group through an actor-side stage, gathered together. */
async function counterPlan(...groups: ReturnType<typeof counters>[]) {
  const streams = groups.map((g) => fromActors(g).forEach(double).gatherSync());
  return compile(streams.length > 1 ? concurrently(streams, { mode: 'roundRobin' }) : streams[0]!);
}

async function place(plan: { readonly graph: PlanGraph }, inv: Inventory, options: Record<string, unknown> = {}) {
  return optimize(plan, { passes: ['place'], verify: true, inventory: inv, options: { place: options } });
}

function group(graph: PlanGraph, name: string) {
  return graph.getAttribute('actorGroups')[name]!;
}

function notesAbout(report: OptimizeReport, at: string): string[] {
  return report.passes[0]!.notes.filter((n) => n.at === at).map((n) => n.message);
}

/** Every actor-side node's device, by group. */
function nodeDevices(graph: PlanGraph): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  graph.forEachNode((_id, a) => {
    if (a.placement.on !== 'actors') return;
    const s = out.get(a.placement.group) ?? new Set<string>();
    s.add(a.placement.device);
    out.set(a.placement.group, s);
  });
  return out;
}

/** Line number of the line of this file that contains `marker` (independent of the DSL's source capture). */
function lineOf(marker: string): number {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const k = lines.findIndex((l) => l.includes(marker) && !l.includes('lineOf('));
  assert.ok(k >= 0, `marker ${marker} not found`);
  return k + 1;
}

describe('place: PPO', () => {
  test('the learner gets the GPU when there is one; workers stay on the CPU', async () => {
    const { graph, report } = await place(await ppoPlan(), inventory({ cpus: 8, gpus: 1 }));
    assert.equal(group(graph, 'learner').device, 'gpu');
    assert.equal(group(graph, 'learner').host, 'local');
    assert.equal(group(graph, 'workers').device, 'cpu');
    assert.equal(group(graph, 'workers').host, 'local');
    assert.match(notesAbout(report, 'learner')[0]!, /^learner → local:gpu \(prefers gpu; GPU 0; 1 of 1 GPU in use/);
    assert.match(notesAbout(report, 'workers')[0]!, /^workers → local:cpu ×2 \(1 cpu each; 3 of 8 CPUs\)/);
    assert.deepEqual(report.warnings, []);
    assert.ok(report.properties.includes('placed'));
  });

  test('without a GPU the learner falls back to the CPU and the notes say why', async () => {
    const { graph, report } = await place(await ppoPlan(), inventory({ cpus: 2, gpus: 0, gpuNotes: [NO_BACKEND] }));
    assert.equal(group(graph, 'learner').device, 'cpu');
    const [note] = notesAbout(report, 'learner');
    assert.match(note!, /^learner → local:cpu \(prefers gpu, but no GPU tensor backend: @tensorflow\/tfjs-node-gpu is not installed; falling back to the CPU/);
    // A preference that cannot be met is explained, not warned about.
    assert.deepEqual(report.warnings, []);
    // 3 actors × 1 cpu on 2 CPUs: allowed, noted, not warned (1.5×).
    assert.match(notesAbout(report, 'local')[0]!, /3 CPU\(s\) asked by 3 actor\(s\) on 2 CPUs \(oversubscribed 1\.5×\)/);
  });

  test('is idempotent and recomputes from scratch (a new inventory re-places an already placed plan)', async () => {
    const plan = await ppoPlan();
    const once = (await place(plan, inventory({ cpus: 8, gpus: 1 }))).graph;
    const twice = (await place({ graph: once }, inventory({ cpus: 8, gpus: 1 }))).graph;
    assert.equal(dumpGraph(twice), dumpGraph(once));
    const again = await place({ graph: once }, inventory({ cpus: 8, gpus: 0 }));
    assert.equal(group(again.graph, 'learner').device, 'cpu', 'not kept from the earlier run');
    assert.match(notesAbout(again.report, 'learner')[0]!, /the inventory lists no GPU/);
  });

  test('runs inside the default pipeline order (after fuse, with verify)', async () => {
    const { graph, report } = await optimize(await ppoPlan(), { passes: ['cleanup', 'fuse', 'place'], verify: true, inventory: inventory({ cpus: 4, gpus: 1 }) });
    assert.equal(group(graph, 'learner').device, 'gpu');
    assert.ok(report.properties.includes('placed') && report.properties.includes('fused'));
  });
});

describe('place: rules', () => {
  test("actor-side nodes move to their group's device", async () => {
    const plan = await counterPlan(counters('gpuside', { count: 2, prefers: 'gpu', resources: { gpus: 0.5 } }), counters('cpuside', { count: 1 }));
    const { graph } = await place(plan, inventory({ cpus: 8, gpus: 1 }));
    assert.deepEqual(nodeDevices(plan.graph), new Map([['gpuside', new Set(['cpu'])], ['cpuside', new Set(['cpu'])]]));
    assert.deepEqual(nodeDevices(graph), new Map([['gpuside', new Set(['gpu'])], ['cpuside', new Set(['cpu'])]]));
    for (const [name, devices] of nodeDevices(graph)) assert.deepEqual([...devices], [group(graph, name).device]);
  });

  test('demands are served before wishes: the learner finds the GPU taken and says by whom', async () => {
    const plan = await counterPlan(counters('learner', { prefers: 'gpu' }), counters('sampler', { resources: { gpus: 1 } }));
    const { graph, report } = await place(plan, inventory({ cpus: 8, gpus: 1 }));
    assert.equal(group(graph, 'sampler').device, 'gpu');
    assert.equal(group(graph, 'learner').device, 'cpu');
    assert.match(notesAbout(report, 'learner')[0]!, /prefers gpu, but all 1 GPU\(s\) taken by sampler; falling back/);
  });

  test('fractional GPUs: two 0.5 actors share one GPU, three do not fit', async () => {
    const shared = await place(await counterPlan(counters('pair', { count: 2, resources: { gpus: 0.5 } })), inventory({ cpus: 8, gpus: 1 }));
    assert.equal(group(shared.graph, 'pair').device, 'gpu');
    assert.match(notesAbout(shared.report, 'pair')[0]!, /^pair → local:gpu ×2 \(demands 0\.5 GPU each, sharing GPU 0; 1 of 1 GPU in use/);
    assert.deepEqual(shared.report.warnings, []);

    const twoGroups = await place(await counterPlan(counters('a', { resources: { gpus: 0.5 } }), counters('b', { resources: { gpus: 0.5 } })), inventory({ cpus: 8, gpus: 1 }));
    assert.equal(group(twoGroups.graph, 'a').device, 'gpu');
    assert.equal(group(twoGroups.graph, 'b').device, 'gpu');

    const three = await place(await counterPlan(counters('trio', { count: 3, resources: { gpus: 0.5 } })), inventory({ cpus: 8, gpus: 1 }));
    assert.equal(group(three.graph, 'trio').device, 'cpu');
    assert.match(notesAbout(three.report, 'trio')[0]!, /needs 3 × 0\.5 GPU but only 1 of 1 GPU\(s\) free/);
  });

  test('a demand that falls back is a warning that names the group and its plan line', async () => {
    const plan = await counterPlan(counters('hungry', { resources: { gpus: 1 } }));
    const { graph, report } = await place(plan, inventory({ cpus: 4, gpus: 0, gpuNotes: [NO_BACKEND] }));
    assert.equal(group(graph, 'hungry').device, 'cpu');
    assert.equal(report.warnings.length, 1);
    const w = report.warnings[0]!;
    assert.match(w.message, /actor group 'hungry' demands 1 GPU per actor but runs on the CPU: no GPU tensor backend/);
    assert.equal(w.place?.source?.line, group(graph, 'hungry').source?.line);
    assert.match(w.message, /place\.test\.ts:\d+/);
  });

  test('a strict demand that cannot be met fails, naming the group, its source line and why', async () => {
    const strictGroup = actors(Counter, { args: [0, 3], name: 'strictgpu', resources: { gpus: 1, strict: true } }); // STRICT-GROUP
    const plan = await counterPlan(strictGroup);
    await assert.rejects(place(plan, inventory({ cpus: 4, gpus: 0, gpuNotes: [NO_BACKEND] })), (e: unknown) => {
      assert.ok(e instanceof PassError, String(e));
      assert.equal(e.pass, 'place');
      assert.match(e.message, /actor group 'strictgpu' demands 1 GPU per actor \(×1\) but no GPU can be given: no GPU tensor backend: @tensorflow\/tfjs-node-gpu is not installed/);
      assert.equal(e.source?.line, lineOf('STRICT-GROUP'));
      assert.match(e.message, new RegExp(`place\\.test\\.ts:${lineOf('STRICT-GROUP')}:`));
      assert.match(e.hint!, /resources\.strict forbids falling back.*tfjs-node-gpu/);
      return true;
    });
  });

  test('the strict option makes every demand strict; preferences never fail', async () => {
    const demand = await counterPlan(counters('hungry', { resources: { gpus: 1 } }));
    await assert.rejects(place(demand, inventory({ cpus: 4, gpus: 0 }), { strict: true }), (e: unknown) => {
      assert.ok(e instanceof PassError);
      assert.match(e.message, /actor group 'hungry'.*the inventory lists no GPU/);
      assert.match(e.hint!, /strict option forbids/);
      return true;
    });
    const { graph } = await place(await ppoPlan(), inventory({ cpus: 4, gpus: 0 }), { strict: true });
    assert.equal(group(graph, 'learner').device, 'cpu');
  });

  test('rejects unknown or mistyped options', async () => {
    const plan = await counterPlan(counters('c'));
    await assert.rejects(place(plan, inventory({ cpus: 2 }), { strcit: true }), (e: unknown) => e instanceof PassError && /unknown option\(s\) for pass 'place': 'strcit'/.test(e.message));
    await assert.rejects(place(plan, inventory({ cpus: 2 }), { strict: 'yes' }), (e: unknown) => e instanceof PassError && e.cause instanceof PassConfigError && /must be a boolean/.test(e.message));
  });

  test('oversubscription beyond 2× is a warning', async () => {
    const { report } = await place(await counterPlan(counters('many', { count: 5 })), inventory({ cpus: 2 }));
    assert.match(notesAbout(report, 'local')[0]!, /5 CPU\(s\) asked by 5 actor\(s\) on 2 CPUs \(oversubscribed 2\.5×\)/);
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0]!.message, /oversubscribed 2\.5×.*lower numWorkers or resources\.cpus/);
  });

  test('several hosts: first fit by GPUs, then by free CPUs', async () => {
    const inv = inventory({ cpus: 2, gpus: 0, gpuNotes: [NO_BACKEND] }, { name: 'big', cpus: 8, gpus: 1 });
    const plan = await counterPlan(counters('learner', { prefers: 'gpu' }), counters('small', { count: 2 }), counters('wide', { count: 4 }));
    const { graph, report } = await place(plan, inv);
    assert.deepEqual([group(graph, 'learner').host, group(graph, 'learner').device], ['big', 'gpu']);
    // Served by name after the wish: 'small' fits the first host, 'wide' only the second.
    assert.deepEqual([group(graph, 'small').host, group(graph, 'small').device], ['local', 'cpu']);
    assert.deepEqual([group(graph, 'wide').host, group(graph, 'wide').device], ['big', 'cpu']);
    assert.match(notesAbout(report, 'wide')[0]!, /^wide → big:cpu ×4 \(1 cpu each; 5 of 8 CPUs\)/);
  });

  test('spread (clusters): each actor of a CPU group to the host with the most free CPUs, said in explain and the dump', async () => {
    const inv = inventory({ name: 'a', cpus: 2 }, { name: 'b', cpus: 2 });
    const { graph, report } = await place(await ppoPlan(), inv, { spread: true });
    // The learner (a GPU wish, no GPU anywhere) takes a first; the two workers go to b, then a.
    assert.equal(group(graph, 'learner').host, 'a');
    assert.equal(group(graph, 'learner').hosts, undefined);
    assert.deepEqual(group(graph, 'workers').hosts, ['b', 'a']);
    assert.equal(group(graph, 'workers').host, 'b');
    assert.match(notesAbout(report, 'workers')[0]!, /^workers → a ×1, b ×1:cpu \(spread over the hosts, each actor to the one with the most free CPUs; 1 cpu each; a 2 of 2 CPUs, b 1 of 2 CPUs\)/);
    assert.match(dumpGraph(graph), /group workers = .* hosts:b,a /);
    // Idempotent, and without spread the group is whole again (the pass recomputes from the requests).
    const again = await optimize({ graph }, { passes: ['place'], verify: true, inventory: inv, options: { place: { spread: true } } });
    assert.deepEqual(group(again.graph, 'workers').hosts, ['b', 'a']);
    const whole = await place({ graph }, inv);
    assert.equal(group(whole.graph, 'workers').hosts, undefined);
    assert.equal(group(whole.graph, 'workers').host, 'b');
  });

  test('spread on one host, or a group that fits one host only, places the group whole', async () => {
    const { graph } = await place(await counterPlan(counters('w', { count: 3 })), inventory({ cpus: 4 }), { spread: true });
    assert.equal(group(graph, 'w').hosts, undefined);
    assert.equal(group(graph, 'w').host, 'local');
    const lopsided = await place(await counterPlan(counters('w', { count: 2 })), inventory({ name: 'tiny', cpus: 0 }, { name: 'big', cpus: 8 }), { spread: true });
    assert.equal(group(lopsided.graph, 'w').hosts, undefined);
    assert.equal(group(lopsided.graph, 'w').host, 'big');
    await assert.rejects(place(await counterPlan(counters('w')), inventory({ cpus: 1 }), { spread: 'yes' }), /option 'spread' of pass 'place' must be a boolean/);
  });

  test('a plan without actor groups is left alone', async () => {
    const { report } = await place(await compile(fromItems([1, 2])), inventory({ cpus: 1 }));
    assert.equal(report.passes[0]!.stats.nodesChanged + report.passes[0]!.stats.groupsModified, 0);
    assert.match(report.passes[0]!.notes[0]!.message, /no actor groups/);
  });
});

describe('detectGpus', () => {
  const installed: GpuProbe['resolve'] = (pkg) => `/fake/node_modules/${pkg}/index.js`;

  test('no tfjs-node-gpu package: no GPU, and the note says to install it', () => {
    let listed = false;
    const probe: GpuProbe = {
      resolve: (pkg) => {
        throw new Error(`Cannot find module '${pkg}'`);
      },
      devices: () => {
        listed = true;
        return { count: 4 };
      },
      env: {},
    };
    const { gpus, notes } = detectGpus(probe);
    assert.equal(gpus, 0);
    assert.equal(listed, false, 'devices are not listed without a backend that could use them');
    assert.match(notes.join('\n'), /@tensorflow\/tfjs-node-gpu is not installed/);
  });

  test('nvidia-smi failing: no GPU, with its reason', () => {
    const { gpus, notes } = detectGpus({ resolve: installed, devices: () => ({ reason: 'nvidia-smi could not list CUDA devices (ENOENT)' }), env: {} });
    assert.equal(gpus, 0);
    assert.deepEqual(notes, ['nvidia-smi could not list CUDA devices (ENOENT)']);
  });

  test('CUDA_VISIBLE_DEVICES hides devices', () => {
    const probe = (visible: string | undefined): GpuProbe => ({ resolve: installed, devices: () => ({ count: 2 }), env: { CUDA_VISIBLE_DEVICES: visible } });
    assert.deepEqual(detectGpus(probe(undefined)), { gpus: 2, notes: [] });
    const one = detectGpus(probe('1'));
    assert.equal(one.gpus, 1);
    assert.match(one.notes[0]!, /CUDA_VISIBLE_DEVICES="1" hides 1 of 2 GPU/);
    assert.equal(detectGpus(probe('-1')).gpus, 0);
    assert.equal(detectGpus(probe('')).gpus, 0);
  });

  test("the detected inventory's reason reaches the place pass's explanation", async () => {
    const inv = detectInventory({ resolve: installed, devices: () => ({ count: 1 }), env: { CUDA_VISIBLE_DEVICES: '' } });
    assert.equal(inv.hosts[0]!.gpus, 0);
    const { graph, report } = await place(await ppoPlan(), inv);
    assert.equal(group(graph, 'learner').device, 'cpu');
    assert.match(notesAbout(report, 'learner')[0]!, /prefers gpu, but CUDA_VISIBLE_DEVICES="" hides 1 of 1 GPU\(s\)/);
  });
});
