/**
 * The CLI's side of running on several machines: the NATS connection flags shared by `rlflow node` and
 * `rlflow train --backend nats` (server URL, auth and TLS, passed through to the NATS client), joining
 * the cluster as a driver (discover the nodes, turn them into the place pass's inventory) and making
 * the `nats` backend for a placed plan; `optimizeForBackend` is what `rlflow train` calls for any backend.
 */
import { readFileSync } from 'node:fs';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { PlanGraph } from '../ir/graph.js';
import { inventory, type Inventory } from '../optimizer/inventory.js';
import { connectNats, discoverNodes } from '../runtime/nats/discovery.js';
import { moduleDigest } from '../runtime/nats/identity.js';
import { NatsBackend } from '../runtime/nats/nats-backend.js';
import type { NodeInfo } from '../runtime/nats/wire.js';
import { ClusterError } from '../ir/errors.js';
import { intOption, UsageError } from './args.js';
import type { CompiledPlan } from '../dsl/compile.js';
import { optimizeForCli } from './optimize-options.js';

export const natsOptions = {
  nats: { type: 'string' },
  'nats-user': { type: 'string' },
  'nats-pass': { type: 'string' },
  'nats-token': { type: 'string' },
  'nats-creds': { type: 'string' },
  'nats-tls-ca': { type: 'string' },
  'nats-tls-cert': { type: 'string' },
  'nats-tls-key': { type: 'string' },
} as const;

export const natsHelp = `NATS connection (docs/multi-node.md):
  --nats-user <u> --nats-pass <p>   user/password auth      --nats-token <t>   token auth
  --nats-creds <file>               credentials file (JWT + nkey seed)
  --nats-tls-ca <file>  --nats-tls-cert <file>  --nats-tls-key <file>   TLS (also implied by tls:// URLs)`;

/** NATS client options from the flags (everything but the server URL). */
export function natsConnectOptions(values: Record<string, unknown>): Omit<NodeConnectionOptions, 'servers'> {
  const s = (k: string): string | undefined => values[k] as string | undefined;
  const options: Record<string, unknown> = { name: 'rlflow' };
  if (s('nats-user') !== undefined) options['user'] = s('nats-user');
  if (s('nats-pass') !== undefined) options['pass'] = s('nats-pass');
  if (s('nats-token') !== undefined) options['token'] = s('nats-token');
  const tls: Record<string, string> = {};
  if (s('nats-tls-ca') !== undefined) tls['caFile'] = s('nats-tls-ca')!;
  if (s('nats-tls-cert') !== undefined) tls['certFile'] = s('nats-tls-cert')!;
  if (s('nats-tls-key') !== undefined) tls['keyFile'] = s('nats-tls-key')!;
  if (Object.keys(tls).length) options['tls'] = tls;
  return options as Omit<NodeConnectionOptions, 'servers'>;
}

/** Connects with the flags' URL, auth and TLS. */
export async function connectFromFlags(url: string, values: Record<string, unknown>): Promise<NatsConnection> {
  const options = natsConnectOptions(values);
  const creds = values['nats-creds'] as string | undefined;
  if (creds !== undefined) {
    const { credsAuthenticator } = await import('@nats-io/transport-node');
    let text: Uint8Array;
    try {
      text = readFileSync(creds);
    } catch (e) {
      throw new UsageError(`--nats-creds: cannot read ${creds}: ${(e as Error).message}`);
    }
    (options as Record<string, unknown>)['authenticator'] = credsAuthenticator(text);
  }
  return connectNats(url.split(',').map((u) => u.trim()), options);
}

/** The place pass's inventory: one host per node, with what it advertised. */
export function nodeInventory(nodes: readonly NodeInfo[]): Inventory {
  return inventory(...nodes.map((n) => ({ name: n.name, cpus: n.cpus, gpus: n.gpus, gpuNotes: n.gpuNotes })));
}

/** One line per node, for the run's header. */
export function describeNodes(nodes: readonly NodeInfo[]): string {
  return nodes.map((n) => `${n.name} (${n.cpus} cpu${n.cpus === 1 ? '' : 's'}, ${n.gpus} gpu${n.gpus === 1 ? '' : 's'}, tfjs ${n.backends.join('/')}, ${n.hostname} pid ${n.pid})`).join('; ');
}

/** The plan modules every node must load (actor classes and actor-side stages), as files digested here. */
export function planModules(graph: PlanGraph): string[] {
  const modules = new Set<string>();
  for (const g of Object.values(graph.getAttribute('actorGroups'))) modules.add(g.actorClass.module);
  graph.forEachNode((_id, a) => {
    if (a.placement.on === 'actors' && a.stage?.type === 'ref') modules.add(a.stage.ref.module);
  });
  return [...modules].sort();
}

export interface Cluster {
  readonly connection: NatsConnection;
  readonly nodes: readonly NodeInfo[];
  readonly inventory: Inventory;
  /** The backend for a placed plan (it closes the connection when the run closes); `log` hears where restarted actors go. */
  backend(graph: PlanGraph, log?: (line: string) => void): NatsBackend;
}

/** `--backend nats`: connects, discovers the nodes (waiting for `--nodes n` of them), and checks their code. */
export async function joinCluster(values: Record<string, unknown>): Promise<Cluster> {
  const url = values['nats'] as string | undefined;
  if (url === undefined) throw new UsageError('--backend nats needs --nats nats://host:port (the NATS server the nodes joined)');
  const expect = values['nodes'] === undefined ? undefined : intOption(values['nodes'], 'nodes', 1, 1);
  const connection = await connectFromFlags(url, values);
  let nodes: NodeInfo[];
  try {
    nodes = await discoverNodes(connection, expect === undefined ? { waitMs: 1000 } : { waitMs: 30_000, expect });
  } catch (e) {
    await connection.close();
    throw e;
  }
  if (nodes.length === 0 || (expect !== undefined && nodes.length < expect)) {
    await connection.close();
    throw new ClusterError(`${nodes.length === 0 ? 'no rlflow node' : `only ${nodes.length} rlflow node(s)`} answered on ${url}${expect ? ` (expected ${expect})` : ''}`, {
      hint: 'start nodes with `rlflow node --connect <same URL>` on the machines that should run actors',
    });
  }
  return {
    connection,
    nodes,
    inventory: nodeInventory(nodes),
    backend: (graph, log) => new NatsBackend({ connection, nodes, modules: planModules(graph).map(moduleDigest), ...(log ? { log } : {}) }),
  };
}

/**
 * Optimizes the plan for its backend. With `nats`, first joins the cluster: the nodes that answered
 * are the place pass's inventory, the backend runs on them, and the header says where each actor goes.
 */
export async function optimizeForBackend(compiled: CompiledPlan, values: Record<string, unknown>, out: (line: string) => void, backend: 'local' | 'farm' | 'nats'): Promise<{ plan: PlanGraph; backend: 'local' | 'farm' | NatsBackend }> {
  if (backend !== 'nats') return { plan: await optimizeForCli(compiled, values, out, backend), backend };
  const cluster = await joinCluster(values);
  out(`nats: ${cluster.nodes.length} node(s): ${describeNodes(cluster.nodes)}`);
  let plan: PlanGraph;
  try {
    plan = await optimizeForCli(compiled, values, out, cluster.inventory);
  } catch (e) {
    await cluster.connection.close();
    throw e;
  }
  out(`nats: actors on ${placementLine(plan)}`);
  return { plan, backend: cluster.backend(plan, out) };
}

/** `learner[0]@a, workers[0]@b, …`: the node the place pass chose for each actor. */
function placementLine(plan: PlanGraph): string {
  return Object.values(plan.getAttribute('actorGroups'))
    .flatMap((g) => Array.from({ length: g.count }, (_, index) => `${g.name}[${index}]@${g.hosts?.[index] ?? g.host ?? '?'}`))
    .join(', ');
}
