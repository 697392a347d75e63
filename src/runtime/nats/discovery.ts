/**
 * Finding the nodes: the driver publishes on the discovery subject and collects what each `rlflow node`
 * answers (its resources, rlflow version and code digest). A node that runs different rlflow code than
 * the driver is refused here, when it registers, with a clear error, rather than failing mid-run.
 */
import { connect, createInbox, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ClusterError } from '../../ir/errors.js';
import { decode } from './codec.js';
import { FRAME_HEADER_BYTES } from './chunks.js';
import { rlflowIdentity } from './identity.js';
import { DISCOVER_SUBJECT, type NodeInfo } from './wire.js';

/** Options of `discoverNodes`. */
export interface DiscoverOptions {
  /** How long to collect answers (default 1000 ms); returns earlier once `expect` nodes answered. */
  readonly waitMs?: number;
  /** Stop waiting once this many nodes answered. */
  readonly expect?: number;
  /** Accept nodes with other rlflow code (default false: a mismatch is a `ClusterError`). */
  readonly allowMismatch?: boolean;
}

/** Connects to a NATS server: `servers` as in `nats://host:4222`; auth and TLS options pass through. */
export async function connectNats(servers: string | string[], options: Omit<NodeConnectionOptions, 'servers'> = {}): Promise<NatsConnection> {
  try {
    return await connect({ ...options, servers });
  } catch (e) {
    throw new ClusterError(`cannot connect to the NATS server at ${String(servers)}: ${(e as Error).message}`, {
      cause: e,
      hint: 'start one (nats-server -p 4222, from the Debian package nats-server) or fix the --nats URL (docs/multi-node.md)',
    });
  }
}

/** The nodes listening on this NATS server, sorted by name. */
export async function discoverNodes(nc: NatsConnection, options: DiscoverOptions = {}): Promise<NodeInfo[]> {
  const inbox = createInbox();
  const found = new Map<string, NodeInfo>();
  let done: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => (done = resolve));
  const sub = nc.subscribe(inbox, {
    callback: (err, msg) => {
      if (err) return;
      try {
        const info = decode(msg.data.subarray(FRAME_HEADER_BYTES)) as NodeInfo;
        found.set(info.id, info);
        if (options.expect !== undefined && found.size >= options.expect) done();
      } catch {
        // not a node's answer
      }
    },
  });
  nc.publish(DISCOVER_SUBJECT, new Uint8Array(0), { reply: inbox });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([enough, new Promise<void>((r) => (timer = setTimeout(r, options.waitMs ?? 1000)))]);
  clearTimeout(timer);
  sub.unsubscribe();
  const nodes = [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.name)) throw new ClusterError(`two nodes are named '${n.name}'`, { hint: 'give each node its own --name' });
    names.add(n.name);
  }
  if (!options.allowMismatch) {
    const me = rlflowIdentity();
    for (const n of nodes) {
      if (n.version !== me.version || n.codeDigest !== me.codeDigest) {
        throw new ClusterError(
          `node '${n.name}' (pid ${n.pid} on ${n.hostname}) runs rlflow ${n.version} (code ${n.codeDigest}) but the driver runs rlflow ${me.version} (code ${me.codeDigest})`,
          { hint: 'install the same rlflow version and plan modules on every node (docs/multi-node.md)' },
        );
      }
    }
  }
  return nodes;
}
