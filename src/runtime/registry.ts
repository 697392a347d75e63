/**
 * The runtime's registries, keyed by node kind: how to build a driver-side operator for a node, and how
 * to lower an actor-side node to shard-program steps. The built-in operators register themselves in
 * operators/; the RL layer and user extensions register their kinds the same way.
 */
import { DuplicateRegistrationError, UnknownKindError } from '../ir/errors.js';
import type { NodeAttributes } from '../ir/types.js';
import type { ProgramOp } from './actor-host.js';
import type { RuntimeContext } from './context.js';
import type { Operator } from './protocol.js';

/** The actor-side nodes feeding one gather input, source first (each node is one shard-program segment). */
export interface ShardChain {
  readonly group: string;
  /** Indexes of the group's actors this chain runs on. */
  readonly shards: readonly number[];
  readonly segments: readonly NodeAttributes[];
}

/**
 * What an `OperatorFactory` gets to build a node's operator(s): the node, its input operators or
 * actor-side chains, and the runtime context.
 */
export interface OperatorArgs {
  readonly node: NodeAttributes;
  /** Driver-side input operators, in port order (empty for gathers). */
  readonly inputs: readonly Operator[];
  /** For gathers: the actor-side chain feeding each input port. */
  readonly chains: readonly ShardChain[];
  readonly rt: RuntimeContext;
}

/** Builds the operator(s) of a node: one per output port. */
export type OperatorFactory = (args: OperatorArgs) => Promise<Operator | Operator[]> | Operator | Operator[];

const operators = new Map<string, OperatorFactory>();
const lowerings = new Map<string, (node: NodeAttributes) => ProgramOp[]>();

function registerOnce<V>(map: Map<string, V>, what: string, kind: string, value: V): void {
  if (map.has(kind)) {
    throw new DuplicateRegistrationError(`the runtime already has ${what} for node kind '${kind}'`, {
      hint: 'register it once, in the module that implements the kind (is a second copy of that module or of rlflow loaded?)',
    });
  }
  map.set(kind, value);
}

/** Registers how a driver-side node kind runs; registering a kind twice is a `DuplicateRegistrationError`. */
export function registerOperator(kind: string, factory: OperatorFactory): void {
  registerOnce(operators, 'an operator', kind, factory);
}

export function operatorFactory(node: NodeAttributes): OperatorFactory {
  const f = operators.get(node.kind);
  if (!f) {
    throw new UnknownKindError(`the runtime has no operator for node kind '${node.kind}' on the driver`, {
      nodeId: node.id,
      nodeName: node.name,
      source: node.source,
      hint: 'register one with registerOperator(kind, factory)',
    });
  }
  return f;
}

/** Registers how an actor-side node kind runs inside a shard program. */
export function registerProgramLowering(kind: string, lower: (node: NodeAttributes) => ProgramOp[]): void {
  registerOnce(lowerings, 'a shard-program lowering', kind, lower);
}

export function programOps(node: NodeAttributes): ProgramOp[] {
  const lower = lowerings.get(node.kind);
  if (!lower) {
    throw new UnknownKindError(`the runtime cannot run node kind '${node.kind}' on actors`, {
      nodeId: node.id,
      nodeName: node.name,
      source: node.source,
      hint: 'register a lowering with registerProgramLowering(kind, lower)',
    });
  }
  return lower(node);
}
