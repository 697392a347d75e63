/**
 * What the driver and `rlflow node` processes say to each other over NATS: subjects, message shapes,
 * and sending a (possibly chunked) message. Every message is encoded with the binary codec and cut into
 * frames (chunks.ts) no larger than the server's max payload. Requests carry the driver's inbox as the
 * NATS reply subject; a reply's frames carry the request's id, so one inbox serves every call.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { ActorSpec } from '../actor-host.js';
import type { RemoteFailure } from '../backend.js';
import type { FaultOptions } from '../faults.js';
import { toFrames } from './chunks.js';
import { encode } from './codec.js';

/** Subject every node listens on for discovery: the driver publishes here and collects the answers. */
export const DISCOVER_SUBJECT = 'rlflow.discover';

/** The subject one node takes requests on. */
export function nodeSubject(nodeId: string): string {
  return `rlflow.node.${nodeId}`;
}

/** What a node advertises when it registers (answers discovery). */
export interface NodeInfo {
  /** Unique per node process (subject-safe). */
  readonly id: string;
  /** The name the place pass and `--explain` use (`--name`, default the host name and pid). */
  readonly name: string;
  /** Cores the node offers (`--cpus`, default all). */
  readonly cpus: number;
  /** Usable GPUs (a GPU tensor backend is loadable and a device is visible). */
  readonly gpus: number;
  /** Why there are no (or fewer) GPUs, for `explain`. */
  readonly gpuNotes: readonly string[];
  /** TF.js backends the node can load (`cpu`, `wasm`, `tensorflow` with tfjs-node, …). */
  readonly backends: readonly string[];
  /** rlflow version of the node. */
  readonly version: string;
  /** Digest of the node's rlflow code (see identity.ts): equal versions with edited code still differ. */
  readonly codeDigest: string;
  readonly hostname: string;
  readonly pid: number;
}

/** A plan module the driver will ask nodes to load, with the digest of its file. */
export interface ModuleDigest {
  readonly module: string;
  /** sha256 of the file, or undefined for a module that is not a local file (a package specifier). */
  readonly sha256: string | undefined;
}

/**
 * What the driver asks of a node. `start` adds actors to the driver's session (creating it; an actor it
 * already hosts is replaced: a restart), with the run's deadlines and heartbeat timeout for them; `drop`
 * stops one actor (crashed, or moved elsewhere); `call` with `timed` answers a `TimedReply`.
 */
export type Request =
  | { readonly op: 'start'; readonly session: string; readonly actors: readonly ActorSpec[]; readonly modules: readonly ModuleDigest[]; readonly faults?: NodeFaults }
  | { readonly op: 'call'; readonly session: string; readonly group: string; readonly index: number; readonly method: string; readonly args: readonly unknown[]; readonly timed?: boolean }
  | { readonly op: 'drop'; readonly session: string; readonly group: string; readonly index: number }
  | { readonly op: 'ping'; readonly session: string }
  | { readonly op: 'stop'; readonly session: string };

/**
 * The part of the run's fault policy a node enforces on its actor processes (deadlines, heartbeats). Restarts
 * are the driver's: it may recreate the actor on another node.
 */
export type NodeFaults = Pick<FaultOptions, 'callDeadlineMs' | 'methodDeadlinesMs' | 'heartbeatTimeoutMs'>;

/** A node's answer to a ping: whether it still hosts the session, and its clock (epoch ms), for traces. */
export interface Pong {
  readonly session: boolean;
  readonly now: number;
}

export type Reply =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly failure: RemoteFailure; readonly actor?: { readonly group: string; readonly index: number } };

/** Headroom under the server's max payload for the NATS protocol line and headers. */
const PAYLOAD_SLACK = 1024;

/** Largest frame to publish on this connection. */
export function maxFrame(nc: NatsConnection): number {
  const max = nc.info?.max_payload ?? 1024 * 1024;
  return Math.max(4096, max - PAYLOAD_SLACK);
}

/** Encodes and publishes a message as frames with id `id`; `reply` is the subject to answer on. */
export function send(nc: NatsConnection, subject: string, id: number, message: unknown, reply?: string): void {
  for (const frame of toFrames(id, encode(message), maxFrame(nc))) nc.publish(subject, frame, reply === undefined ? undefined : { reply });
}
